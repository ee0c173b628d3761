// The server's side of its model thread: starts it, sends it batches of encoded images and resolves with their
// results. A thread that dies fails the batch it had, and the next batch starts a new thread.
import { Worker } from 'node:worker_threads';

import { UsageError } from '../util/usage-error.js';
import type { ItemResult, ModelMetadata, ThreadReply, ThreadRequest } from './model-protocol.js';

/** How long close() waits for the thread to finish its batch and exit before terminating it. */
const GRACE_MS = 10_000;

interface Pending {
  resolve: (results: ItemResult[]) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: Promise<ModelMetadata>;
  exited: Promise<void>;
}

export interface ModelStats {
  /** Forwards the model has run. */
  forwards: number;
  /** Live tensors and their bytes in the model thread after its last batch (torch.memory()). */
  tensors: { numTensors: number; numBytes: number } | null;
  /** Times the model thread was started again after it died. */
  restarts: number;
}

export class ModelWorker {
  private thread: Thread;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closing = false;
  private readonly counters: ModelStats = { forwards: 0, tensors: null, restarts: 0 };

  constructor(private readonly run: string, private readonly threads: number, private readonly device?: string) {
    this.thread = this.start();
  }

  /** The model's metadata once its thread has opened it; rejects with the thread's error (a UsageError for bad usage). */
  get ready(): Promise<ModelMetadata> {
    return this.thread.ready;
  }

  stats(): ModelStats {
    return { ...this.counters, tensors: this.counters.tensors && { ...this.counters.tensors } };
  }

  /** One result per image, in order: its classes (all, most probable first) or why it is not an image. */
  async predict(images: Uint8Array[]): Promise<ItemResult[]> {
    const { worker, ready } = this.thread;
    await ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The bytes move to the thread rather than being copied.
      worker.postMessage({ id, images } satisfies ThreadRequest, images.map((b) => b.buffer as ArrayBuffer));
    });
  }

  /** Stops the thread once it has finished its batch; terminating it inside a libtorch call could abort the process. */
  async close(): Promise<void> {
    this.closing = true;
    const { worker, exited } = this.thread;
    worker.postMessage('close' satisfies ThreadRequest);
    const timer = setTimeout(() => void worker.terminate(), GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  private start(): Thread {
    const worker = new Worker(new URL('./model-thread.js', import.meta.url), { workerData: { run: this.run, device: this.device, threads: this.threads } });
    let opened: (metadata: ModelMetadata) => void;
    let failed: (error: Error) => void;
    const ready = new Promise<ModelMetadata>((resolve, reject) => ([opened, failed] = [resolve, reject]));
    ready.catch(() => {}); // seen by whoever awaits it
    const thread: Thread = { worker, ready, exited: new Promise((resolve) => worker.once('exit', () => resolve())) };
    const died = (error: Error) => {
      failed(error);
      this.pending.forEach((p) => p.reject(error));
      this.pending.clear();
      if (this.thread === thread && !this.closing) {
        this.counters.restarts++;
        this.thread = this.start();
      }
    };
    worker.on('message', (reply: ThreadReply) => {
      if ('ready' in reply) return opened(reply.ready);
      if ('fatal' in reply) {
        this.closing = true; // the model cannot be opened: starting again would fail the same way
        void worker.terminate();
        return failed(reply.fatal.usage ? new UsageError(reply.fatal.message) : new Error(reply.fatal.message));
      }
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('error' in reply) return pending?.reject(new Error(reply.error));
      this.counters.forwards += reply.forwards;
      this.counters.tensors = reply.memory;
      pending?.resolve(reply.results);
    });
    worker.on('error', (error) => died(new Error(`the model thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => died(new Error(`the model thread exited (code ${code})`)));
    return thread;
  }
}
