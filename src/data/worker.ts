// A DataLoader worker thread: rebuilds the dataset (and batch transform) from their specs, then answers each
// {id, batch, indices} with the collated, transformed batch as typed arrays, whose buffers are transferred (moved, not
// copied) to the main thread. It stops between samples once the shared stop flag is set, and exits by itself on 'close'.
import { parentPort, workerData } from 'node:worker_threads';

import { tidy } from '../torch/scope.js';
import { transformBatch } from './batch-transform.js';
import { defaultCollate, importCollate, type CollateFn } from './collate.js';
import type { Dataset } from './dataset.js';
import { Random, withRandom } from '../torch/random.js';
import { buildDataset, pack } from './transfer.js';
import type { LoadStage } from './load-error.js';
import type { InputTransform } from './transformed-dataset.js';
import type { PoolSpec } from './worker-pool.js';

const { spec, stop } = workerData as { spec: PoolSpec; stop: Int32Array };
const port = parentPort!;
const STOP = Symbol('stop');
/** A plain Error with the original's name, message and stack: some errors (a DataCloneError) lose their message on the way. */
const asError = (e: unknown): Error => Object.assign(new Error(e instanceof Error ? e.message : String(e)), e instanceof Error ? { name: e.name, stack: e.stack } : {});

const ready: Promise<[Dataset<unknown>, CollateFn<unknown, unknown>, InputTransform | null]> = Promise.all([
  buildDataset(spec.dataset),
  spec.collate ? importCollate<unknown, unknown>(spec.collate) : (defaultCollate as CollateFn<unknown, unknown>),
  spec.batchTransform ? (buildDataset(spec.batchTransform) as unknown as Promise<InputTransform>) : null,
]);
ready.catch((error) => port.postMessage({ fatal: asError(error) }));

port.on('message', async (message: { id: number; batch: number; indices: Int32Array; seeds: [number, number] } | 'close') => {
  if (message === 'close') {
    port.close(); // nothing else keeps this thread alive, so it exits
    return;
  }
  const { id, batch, indices, seeds } = message;
  let dataset: Dataset<unknown>;
  let collateFn: CollateFn<unknown, unknown>;
  let batchTransform: InputTransform | null;
  try {
    [dataset, collateFn, batchTransform] = await ready;
  } catch {
    return; // already reported as fatal
  }
  let at: LoadStage = { stage: 'prefetch', batch };
  try {
    const transfer: ArrayBuffer[] = [];
    const value = tidy(() => {
      dataset.prefetch?.(indices);
      const samples = Array.from(indices, (i) => {
        if (Atomics.load(stop, 0)) throw STOP;
        at = { stage: 'sample', index: i };
        // The same generator as on the main thread, so random transforms do not depend on which thread runs them.
        return withRandom(new Random(...seeds, i), () => dataset.get(i), seeds[1]);
      });
      at = { stage: 'collate', batch };
      const collated = collateFn(samples);
      at = { stage: 'batchTransform', batch };
      const transformed = batchTransform ? transformBatch(collated, batchTransform, seeds[0], seeds[1], batch) : collated;
      at = { stage: 'collate', batch }; // a batch that cannot be packed is a collate's doing
      return pack(transformed, transfer);
    });
    port.postMessage({ id, value }, transfer);
  } catch (error) {
    if (error !== STOP) port.postMessage({ id, at, error: asError(error) });
  }
});
