// A DataLoader worker thread: rebuilds the dataset (and collated transform) from their specs, then answers each
// {id, batch, indices, seed, epoch} with the collated, transformed batch as typed arrays, whose buffers are transferred (moved, not
// copied) to the main thread. It stops between samples once the shared stop flag is set, and exits by itself on 'close'.
import { parentPort, workerData } from 'node:worker_threads';

import { setThreadNumThreads } from '../torch/runtime.js';
import { tidy } from '../torch/scope.js';
import { defaultCollate, importCollate, type CollateFn } from './collate.js';
import type { Dataset } from './dataset.js';
import { loadBatch, LoadFailure, type LoadStage } from './load-batch.js';
import { buildDataset, pack, rebuild } from './transfer.js';
import type { InputTransform } from './transformed-dataset.js';
import type { PoolSpec } from './worker-pool.js';

const { spec, stop } = workerData as { spec: PoolSpec; stop: Int32Array };
// One libtorch thread per worker, as PyTorch's DataLoader workers (torch.set_num_threads(1)): the workers already
// share the cores, and a team of threads under each would oversubscribe them (2 workers × 2 threads ran the photo
// pipeline 15 % slower and the 64×64 one 20 % slower on 2 cores).
setThreadNumThreads(1);
const port = parentPort!;
const STOP = Symbol('stop');
/** A plain Error with the original's name, message and stack: some errors (a DataCloneError) lose their message on the way. */
const asError = (e: unknown): Error => Object.assign(new Error(e instanceof Error ? e.message : String(e)), e instanceof Error ? { name: e.name, stack: e.stack } : {});

/** The rebuilt collated transform, checked as the DataLoader checked it on the main thread. */
function inputTransform(transform: unknown): InputTransform {
  const isInputTransform = (t: unknown): t is InputTransform => typeof (t as Partial<InputTransform> | null)?.forward === 'function';
  if (!isInputTransform(transform)) throw new TypeError(`DataLoader: collatedTransform rebuilt in the worker has no forward(inputs), got ${String(transform)}`);
  return transform;
}

const ready: Promise<[Dataset<unknown>, CollateFn<unknown, unknown>, InputTransform | null]> = Promise.all([
  buildDataset(spec.dataset),
  spec.collate ? importCollate<unknown, unknown>(spec.collate) : (defaultCollate as CollateFn<unknown, unknown>),
  spec.collatedTransform ? rebuild(spec.collatedTransform).then(inputTransform) : null,
]);
ready.catch((error) => port.postMessage({ fatal: asError(error) }));

port.on('message', async (message: { id: number; batch: number; indices: Int32Array; seed: number; epoch: number } | 'close') => {
  if (message === 'close') {
    port.close(); // nothing else keeps this thread alive, so it exits
    return;
  }
  const { id, batch, indices, seed, epoch } = message;
  let dataset: Dataset<unknown>;
  let collateFn: CollateFn<unknown, unknown>;
  let collatedTransform: InputTransform | null;
  try {
    [dataset, collateFn, collatedTransform] = await ready;
  } catch {
    return; // already reported as fatal
  }
  // The same making as on the main thread, so batches do not depend on which thread makes them.
  const maker = { dataset, collate: collateFn, collatedTransform, seed, epoch };
  const stopped = () => {
    if (Atomics.load(stop, 0)) throw STOP;
  };
  try {
    const transfer: ArrayBuffer[] = [];
    const value = tidy(() => pack(loadBatch(maker, indices, batch, stopped), transfer));
    port.postMessage({ id, value }, transfer);
  } catch (error) {
    if (error === STOP) return;
    // A batch that cannot be packed or sent back is its collate's doing.
    const at: LoadStage = error instanceof LoadFailure ? error.at : { stage: 'collate', batch };
    port.postMessage({ id, at, error: asError(error instanceof LoadFailure ? error.cause : error) });
  }
});
