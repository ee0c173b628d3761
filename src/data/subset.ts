// A view of a dataset through a list of indices, as PyTorch's Subset.
import { checkIndex, nameOf, type Batch, type Dataset, type Sample, type WorkerSpec } from './dataset.js';

export class Subset<S = Sample> implements Dataset<S> {
  readonly indices: Int32Array;

  /** Sample i of the subset is sample indices[i] of `dataset`. */
  constructor(readonly dataset: Dataset<S>, indices: ArrayLike<number>) {
    this.indices = Int32Array.from(indices);
    this.indices.forEach((index, i) => {
      if (index !== indices[i] || index < 0 || index >= dataset.length) {
        throw new RangeError(`Subset: index ${indices[i]} (at position ${i}) is not a sample of the ${dataset.length}-sample ${nameOf(dataset)}`);
      }
    });
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): S {
    checkIndex(this, index, 'Subset.get()');
    return this.dataset.get(this.indices[index]);
  }

  prefetch(indices: ArrayLike<number>): void {
    this.dataset.prefetch?.(Array.from(indices, (i) => this.indices[i]));
  }

  /** Present only when the underlying dataset makes batches in one go. */
  get getBatch(): ((indices: Int32Array) => Batch) | undefined {
    const { dataset } = this;
    if (typeof dataset.getBatch !== 'function') return undefined;
    return (indices) => {
      indices.forEach((index) => checkIndex(this, index, 'Subset.getBatch()'));
      return dataset.getBatch!(indices.map((i) => this.indices[i]));
    };
  }

  /** Present only when the underlying dataset can itself be rebuilt in a worker. */
  get workerSpec(): (() => WorkerSpec) | undefined {
    if (typeof this.dataset.workerSpec !== 'function') return undefined;
    return () => ({ module: import.meta.url, name: 'Subset', args: [this.dataset, this.indices] });
  }
}
