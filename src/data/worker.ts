// A DataLoader worker thread: rebuilds the dataset from its spec, then answers each {batch, indices} with the
// collated batch as typed arrays, whose buffers are transferred (moved, not copied) to the main thread.
// It stops between samples once the shared stop flag is set, and exits by itself on 'close'.
import { parentPort, workerData } from 'node:worker_threads';

import { tidy } from '../torch/scope.js';
import { defaultCollate, importCollate, type CollateFn, type CollateRef } from './collate.js';
import type { Dataset } from './dataset.js';
import { Random, withRandom } from '../torch/random.js';
import { buildDataset, pack, type PackedSpec } from './transfer.js';

const { spec, collate, stop } = workerData as { spec: PackedSpec; collate: CollateRef | null; stop: Int32Array };
const port = parentPort!;
const STOP = Symbol('stop');
const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

const ready: Promise<[Dataset<unknown>, CollateFn<unknown, unknown>]> = Promise.all([
  buildDataset(spec),
  collate ? importCollate<unknown, unknown>(collate) : (defaultCollate as CollateFn<unknown, unknown>),
]);
ready.catch((error) => port.postMessage({ fatal: asError(error) }));

port.on('message', async (message: { batch: number; indices: Int32Array; seeds: [number, number] } | 'close') => {
  if (message === 'close') {
    port.close(); // nothing else keeps this thread alive, so it exits
    return;
  }
  const { batch, indices, seeds } = message;
  let dataset: Dataset<unknown>;
  let collateFn: CollateFn<unknown, unknown>;
  try {
    [dataset, collateFn] = await ready;
  } catch {
    return; // already reported as fatal
  }
  let index: number | null = null;
  try {
    const transfer: ArrayBuffer[] = [];
    const value = tidy(() => {
      const samples = Array.from(indices, (i) => {
        if (Atomics.load(stop, 0)) throw STOP;
        // The same generator as on the main thread, so random transforms do not depend on which thread runs them.
        return withRandom(new Random(...seeds, i), () => dataset.get((index = i)), seeds[1]);
      });
      index = null;
      return pack(collateFn(samples), transfer);
    });
    port.postMessage({ batch, value }, transfer);
  } catch (error) {
    if (error !== STOP) port.postMessage({ batch, index, error: asError(error) });
  }
});
