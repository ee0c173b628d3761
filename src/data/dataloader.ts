// Batches from a dataset: optionally shuffled (seeded, a new order each epoch), collated, and with numWorkers > 0
// loaded ahead in worker threads so that loading overlaps training.
import { tidy } from '../torch/scope.js';
import { defaultCollate, importCollate, type CollateFn, type CollateRef } from './collate.js';
import { loadBatch, loadError, LoadFailure } from './load-batch.js';
import { nameOf, type Batch, type Dataset, type Sample } from './dataset.js';
import { checkSeed, Random, seedFromTorch } from '../torch/random.js';
import { checkWorkerSpec, pack, packSpec, unpack } from './transfer.js';
import type { InputTransform } from './transformed-dataset.js';
import type { Sampler } from './sampler.js';
import { WorkerPool } from './worker-pool.js';

export interface DataLoaderOptions<S, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** A new random order each epoch (default false). */
  shuffle?: boolean;
  /** Takes each epoch's indices from this instead (e.g. a DistributedSampler); excludes shuffle. */
  sampler?: Sampler;
  /**
   * Seeds the shuffle and the samples' random transforms: epoch e's order depends only on (seed, e), and sample i's
   * augmentation only on (seed, e, i), whichever worker makes it. Without it, a shuffling loader draws a seed from
   * torch's generator once, so torch.manualSeed decides; a plain one uses 0.
   */
  seed?: number;
  /** Leave out the last batch when it would be smaller than batchSize (default false). */
  dropLast?: boolean;
  /**
   * Samples to batch (default: defaultCollate). With numWorkers > 0 a function cannot reach the workers:
   * export it and pass {module: import.meta.url, name: 'myCollate'}.
   */
  collate?: CollateFn<S, B> | CollateRef;
  /** Worker threads that load batches ahead (default 0: load on this thread when each batch is asked for). */
  numWorkers?: number;
  /** With workers, how many batches are asked for ahead of the one being consumed (default 2 per worker). */
  prefetch?: number;
  /**
   * Applied to each collated batch's inputs where the batch is made, so in the worker threads when there are any:
   * a transforms.Compose of batch-capable transforms gives each image its own random parameters in a few libtorch
   * calls per batch. Its draws depend only on (seed, epoch, batch). Needs defaultCollate's {inputs, targets} batches.
   */
  collatedTransform?: InputTransform;
  /** Keep the worker threads between epochs instead of starting them for each (default false, as PyTorch's). */
  persistentWorkers?: boolean;
}

function checkCount(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new RangeError(`DataLoader: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  return value;
}

/**
 * Iterate with `for await (const { inputs, targets } of loader)`, or, without workers, plain `for ... of`.
 * Each batch belongs to the caller: dispose it (torch.dispose(batch)) when the step is done.
 * Batches come in the same order whatever numWorkers is. Workers start with each iteration and stop when it ends,
 * is broken off, or fails; a worker that no batch is waiting for does not keep the process alive.
 */
export class DataLoader<S = Sample, B = Batch> implements AsyncIterable<B>, Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetch: number;
  readonly seed: number;
  readonly collatedTransform: InputTransform | undefined;
  readonly persistentWorkers: boolean;
  readonly sampler: Sampler | undefined;
  /** The epoch the next iteration runs: it picks the shuffle order, and goes up by one as each iteration starts. */
  epoch = 0;
  private readonly collate: CollateFn<S, B> | CollateRef;
  /** With persistentWorkers, the workers kept from the last epoch that ran to its end. */
  private pool: WorkerPool | null = null;
  /** Counts close() calls: an epoch running across one does not keep its workers. */
  private closes = 0;

  constructor(readonly dataset: Dataset<S>, options: DataLoaderOptions<S, B> = {}) {
    if (typeof dataset?.get !== 'function' || typeof dataset.length !== 'number') throw new TypeError('DataLoader: dataset must have a length and get(i)');
    this.batchSize = checkCount(options.batchSize ?? 1, 'batchSize', 1);
    this.shuffle = options.shuffle ?? false;
    this.sampler = options.sampler;
    if (this.sampler !== undefined) {
      if (typeof this.sampler?.indices !== 'function' || typeof this.sampler.length !== 'number') throw new TypeError('DataLoader: sampler must have a length and indices()');
      if (this.shuffle) throw new TypeError('DataLoader: sampler and shuffle exclude each other; the sampler decides the order');
    }
    this.dropLast = options.dropLast ?? false;
    this.numWorkers = checkCount(options.numWorkers ?? 0, 'numWorkers', 0);
    this.prefetch = checkCount(options.prefetch ?? 2 * this.numWorkers, 'prefetch', this.numWorkers > 0 ? 1 : 0);
    // Only a shuffling loader draws from torch's generator, so a plain one leaves torch's random stream alone.
    this.seed = options.seed !== undefined ? checkSeed(options.seed, 'DataLoader') : this.shuffle ? seedFromTorch() : 0;
    this.collate = options.collate ?? (defaultCollate as unknown as CollateFn<S, B>);
    this.collatedTransform = options.collatedTransform;
    if (this.collatedTransform !== undefined && typeof this.collatedTransform?.forward !== 'function') {
      throw new TypeError(`DataLoader: collatedTransform must be an object with forward(inputs), such as a transforms.Compose, got ${String(this.collatedTransform)}`);
    }
    this.persistentWorkers = options.persistentWorkers ?? false;
    if (typeof this.persistentWorkers !== 'boolean') throw new TypeError(`DataLoader: persistentWorkers must be a boolean, got ${String(this.persistentWorkers)}`);
    if (typeof this.collate !== 'function' && (typeof this.collate?.module !== 'string' || typeof this.collate.name !== 'string')) {
      throw new TypeError('DataLoader: collate must be a function or {module, name} naming an exported function');
    }
    if (this.numWorkers > 0) {
      checkWorkerSpec(dataset);
      if (this.collatedTransform && typeof this.collatedTransform.workerSpec !== 'function') {
        throw new TypeError(`DataLoader: with numWorkers ${this.numWorkers}, collatedTransform must reach the worker threads: give an object with workerSpec() (a transforms.Transform)`);
      }
      if (typeof this.collate === 'function' && this.collate !== (defaultCollate as unknown)) {
        throw new TypeError(`DataLoader: with numWorkers ${this.numWorkers}, collate must reach the worker threads, which a function cannot; ` +
          "export it from a module and pass collate: {module: import.meta.url, name: 'myCollate'}");
      }
    }
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.sampler?.length ?? this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample indices of each batch of the next epoch, and moves on to the epoch after. */
  private nextEpoch(): { epoch: number; batches: Int32Array[] } {
    let order: Int32Array;
    if (this.sampler) order = this.sampler.indices();
    else if (this.shuffle) order = new Random(this.seed, this.epoch).permutation(this.dataset.length);
    else order = Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    const n = order.length;
    const epoch = this.epoch++;
    return { epoch, batches: Array.from({ length: this.length }, (_, b) => order.subarray(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize))) };
  }

  /** One batch, loaded on this thread; the samples are freed once collated. */
  private load(indices: Int32Array, collate: CollateFn<S, B>, batch: number, epoch: number): B {
    const maker = { dataset: this.dataset, collate, collatedTransform: this.collatedTransform ?? null, seed: this.seed, epoch };
    try {
      return tidy(() => loadBatch(maker, indices, batch));
    } catch (error) {
      throw error instanceof LoadFailure ? loadError(error.at, nameOf(this.dataset), error.cause) : error;
    }
  }

  *[Symbol.iterator](): Iterator<B> {
    if (this.numWorkers > 0) throw new TypeError(`DataLoader: with numWorkers ${this.numWorkers} batches arrive asynchronously; iterate with for await`);
    if (typeof this.collate !== 'function') throw new TypeError('DataLoader: a {module, name} collate is imported asynchronously; iterate with for await');
    const { epoch, batches } = this.nextEpoch();
    for (let b = 0; b < batches.length; b++) yield this.load(batches[b], this.collate, b, epoch);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const ref = typeof this.collate === 'function' ? null : this.collate;
    if (this.numWorkers === 0) {
      const collate = ref ? await importCollate<S, B>(ref) : (this.collate as CollateFn<S, B>);
      const { epoch, batches } = this.nextEpoch();
      for (let b = 0; b < batches.length; b++) yield this.load(batches[b], collate, b, epoch);
      return;
    }
    const { epoch, batches } = this.nextEpoch();
    if (batches.length === 0) return;
    const pool = this.pool ?? new WorkerPool(
      { dataset: packSpec(this.dataset), collate: ref, collatedTransform: this.collatedTransform ? pack(this.collatedTransform) : null },
      this.persistentWorkers ? this.numWorkers : Math.min(this.numWorkers, batches.length), nameOf(this.dataset));
    this.pool = null;
    const closes = this.closes;
    const queue: Promise<unknown>[] = [];
    let finished = false;
    try {
      for (let b = 0, asked = 0; b < batches.length; b++) {
        for (; asked < batches.length && asked < b + this.prefetch; asked++) {
          const reply = pool.request(asked, batches[asked], this.seed, epoch);
          reply.catch(() => {}); // a batch that fails before its turn is reported when its turn comes
          queue.push(reply);
        }
        yield unpack(await queue.shift()) as B;
      }
      finished = true;
    } finally {
      // Workers are kept only after a whole epoch (one broken off may still be making batches nobody will take), and
      // not when close() came meanwhile or another epoch running at the same time kept its own.
      if (finished && this.persistentWorkers && !pool.failed && closes === this.closes && this.pool === null) this.pool = pool;
      else await pool.close();
    }
  }

  /**
   * Stops the worker threads kept by persistentWorkers (idle ones do not keep the process alive in any case); an
   * epoch running meanwhile stops its workers when it ends.
   */
  async close(): Promise<void> {
    this.closes++;
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }
}
