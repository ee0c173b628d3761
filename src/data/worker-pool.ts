// The main thread's side of DataLoader workers: sends each batch's indices to the least busy worker and
// resolves with the packed batch, or rejects with an Error that names the sample that failed. A pool may serve
// several epochs (persistentWorkers), so requests carry an id of their own besides the batch's index.
import { Worker } from 'node:worker_threads';

import type { CollateRef } from './collate.js';
import { loadError, type LoadStage } from './load-batch.js';
import type { PackedSpec } from './transfer.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  exited: Promise<void>;
  pending: Map<number, Pending>;
  /** Set once the worker cannot serve any more batches. */
  failure: Error | null;
}

/** How long close() waits for a worker to stop by itself before terminating it. */
const GRACE_MS = 5000;

/** What a worker rebuilds: the dataset, the collate (null: defaultCollate) and the collated transform, if any. */
export interface PoolSpec {
  dataset: PackedSpec;
  collate: CollateRef | null;
  /** As pack() gives it. */
  collatedTransform: unknown;
}

type Reply = { fatal: Error } | { id: number; value: unknown } | { id: number; at: LoadStage; error: Error };

export class WorkerPool {
  private readonly slots: Slot[];
  private closed = false;
  /** Set by close(): workers check it between samples and drop the work they have. */
  private readonly stop = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 0;

  constructor(spec: PoolSpec, count: number, private readonly datasetName: string) {
    this.slots = Array.from({ length: count }, (_, k) => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { spec, stop: this.stop } });
      const slot: Slot = { worker, exited: new Promise((resolve) => worker.once('exit', () => resolve())), pending: new Map(), failure: null };
      slot.worker.on('message', (reply: Reply) => this.receive(slot, k, spec.dataset, reply));
      slot.worker.on('error', (error) => this.fail(slot, new Error(`DataLoader: worker thread ${k} failed: ${error.message}`, { cause: error })));
      slot.worker.on('exit', (code) => this.fail(slot, new Error(`DataLoader: worker thread ${k} exited (code ${code}) with batches pending`)));
      // Only a worker with a batch asked of it keeps the process alive (see request). After the listeners: adding
      // a 'message' listener refs the worker's port again.
      worker.unref();
      return slot;
    });
  }

  /** The packed batch made of the given samples; the loader's seed and the epoch seed each sample's random transforms. */
  request(batch: number, indices: Int32Array, seed: number, epoch: number): Promise<unknown> {
    const slot = this.slots.reduce((best, s) => (!s.failure && (best.failure || s.pending.size < best.pending.size) ? s : best));
    if (slot.failure) return Promise.reject(slot.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref(); // a batch is awaited: keep the process alive for it
      slot.worker.postMessage({ id, batch, indices, seed, epoch });
    });
  }

  /** True once a worker can serve no more batches. */
  get failed(): boolean {
    return this.slots.some((s) => s.failure !== null);
  }

  /**
   * Stops every worker: each drops its work at the next sample and exits by itself. Terminating a thread while it is
   * inside a libtorch call can abort the process, so terminate() is kept for a worker still busy after GRACE_MS.
   */
  async close(): Promise<void> {
    this.closed = true;
    Atomics.store(this.stop, 0, 1);
    await Promise.all(this.slots.map(async ({ worker, exited }) => {
      worker.ref();
      worker.postMessage('close');
      const timer = setTimeout(() => void worker.terminate(), GRACE_MS);
      await exited;
      clearTimeout(timer);
    }));
  }

  private receive(slot: Slot, k: number, spec: PackedSpec, reply: Reply): void {
    if ('fatal' in reply) {
      this.fail(slot, new Error(`DataLoader: worker thread ${k} could not rebuild ${this.datasetName} (class ${spec.name} of ${spec.module}): ${reply.fatal.message}`, { cause: reply.fatal }));
      return;
    }
    const pending = slot.pending.get(reply.id)!;
    slot.pending.delete(reply.id);
    // An idle worker does not keep the process alive, so a loader left unfinished cannot stop it from exiting.
    if (slot.pending.size === 0) slot.worker.unref();
    if ('value' in reply) pending.resolve(reply.value);
    else pending.reject(loadError(reply.at, this.datasetName, reply.error, k));
  }

  private fail(slot: Slot, error: Error): void {
    if (this.closed || slot.failure) return;
    slot.failure = error;
    slot.pending.forEach((p) => p.reject(error));
    slot.pending.clear();
  }
}
