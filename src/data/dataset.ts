// What a dataset is: a length and an indexed get(i). Samples are {input, target}; batches are {inputs, targets}.
import type { Tensor } from '../torch/tensor.js';

/**
 * One sample: the model's input and what it should predict. A number target is a class index
 * (collated to an int64 tensor); a tensor target is stacked as it is.
 */
export interface Sample {
  input: Tensor;
  target: Tensor | number;
}

/** A collated batch: the samples' inputs and targets stacked along a new first dimension. */
export interface Batch {
  inputs: Tensor;
  targets: Tensor;
}

/**
 * How a worker thread rebuilds a dataset: `new (await import(module))[name](...args)`.
 * args are structured-cloned; tensors and datasets among them (also inside arrays and plain objects)
 * travel as their values and specs and are rebuilt on the other side.
 */
export interface WorkerSpec {
  /** The module's URL, usually import.meta.url of the file that defines the dataset. */
  module: string;
  /** The exported class. */
  name: string;
  args: unknown[];
}

/**
 * A map-style dataset, as PyTorch's: `length` samples, each made by get(i) for i in 0..length-1.
 * get() returns new tensors (or views) that the caller owns; the DataLoader frees them after collating.
 */
export interface Dataset<S = Sample> {
  readonly length: number;
  get(index: number): S;
  /**
   * A hint that these samples are asked for next (one batch's): a dataset that reads files may start on all of them
   * at once. The DataLoader calls it before each batch's get(i) calls; get(i) must work without it.
   */
  prefetch?(indices: ArrayLike<number>): void;
  /**
   * The samples at `indices` as defaultCollate would batch them, made in one go (a batch is one index_select, not a
   * tensor per sample and a stack), as PyTorch's `__getitems__`. The DataLoader uses it with defaultCollate; only
   * a dataset whose samples draw nothing at random has it.
   */
  getBatch?(indices: Int32Array): Batch;
  /** Present when a DataLoader with numWorkers > 0 can rebuild this dataset in worker threads. */
  workerSpec?(): WorkerSpec;
}

/** The dataset's class name, for messages. */
export function nameOf(dataset: object): string {
  return dataset.constructor?.name || 'dataset';
}

/** Checks that get(index) is asked for a sample that exists. */
export function checkIndex(dataset: { length: number }, index: number, where: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= dataset.length) {
    throw new RangeError(`${where}: index ${String(index)} is out of range for ${dataset.length} samples`);
  }
}
