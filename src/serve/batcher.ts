// Dynamic batching, as TorchServe's batchSize/maxBatchDelay and Triton's max_queue_delay: requests wait in a queue
// until maxBatchSize of them are there or the oldest has waited maxWaitMs, then go through one forward together.
// One batch runs at a time (the model has one thread); requests that arrive meanwhile gather for the next one.

export interface BatcherOptions {
  /** The most items one batch takes. */
  maxBatchSize: number;
  /** How long the oldest queued item waits for others before its batch starts anyway. */
  maxWaitMs: number;
  /** The most items waiting at once; beyond it submit() refuses (the caller answers 503). */
  maxQueue: number;
}

export interface BatcherStats {
  /** Batches run (forwards). */
  batches: number;
  /** Items through those batches. */
  items: number;
  /** The most items a batch has had. */
  largestBatch: number;
  /** Items waiting now. */
  queued: number;
  /** Items in the batch that runs now (0 when none runs). */
  running: number;
}

/** submit() refused the item: the queue is full. */
export class QueueFullError extends Error {}

interface Queued<I, O> {
  item: I;
  arrived: number;
  resolve: (value: O) => void;
  reject: (error: Error) => void;
}

export class Batcher<I, O> {
  private readonly queue: Queued<I, O>[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | null = null;
  private batches = 0;
  private items = 0;
  private largestBatch = 0;
  private idle: (() => void)[] = [];

  /** `run` answers a batch with one result per item, in order; a rejection fails every item of the batch. */
  constructor(private readonly run: (items: I[]) => Promise<O[]>, private readonly options: BatcherOptions) {}

  /** The item's result, once its batch has run. */
  submit(item: I): Promise<O> {
    if (this.queue.length >= this.options.maxQueue) return Promise.reject(new QueueFullError(`${this.queue.length} requests are waiting already`));
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, arrived: Date.now(), resolve, reject });
      this.dispatch();
    });
  }

  stats(): BatcherStats {
    const { batches, items, largestBatch, running } = this;
    return { batches, items, largestBatch, queued: this.queue.length, running };
  }

  /** Resolves once nothing waits and nothing runs. */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Starts a batch if the model is free and the queue is full enough or its oldest item has waited long enough. */
  private dispatch(): void {
    if (this.running > 0 || this.queue.length === 0) return;
    const wait = this.queue[0].arrived + this.options.maxWaitMs - Date.now();
    if (this.queue.length < this.options.maxBatchSize && wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.dispatch();
      }, wait);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    this.running = batch.length;
    this.batches++;
    this.items += batch.length;
    this.largestBatch = Math.max(this.largestBatch, batch.length);
    this.run(batch.map((q) => q.item)).then(
      (results) => batch.forEach((q, i) => q.resolve(results[i])),
      (error: Error) => batch.forEach((q) => q.reject(error)),
    ).finally(() => {
      this.running = 0;
      if (this.queue.length === 0) this.idle.splice(0).forEach((resolve) => resolve());
      else this.dispatch();
    });
  }
}
