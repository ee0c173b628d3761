// A dataset seen through a per-sample transform of its inputs: augmentation for datasets that take no transform option.
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { Compose } from '../transforms/containers.js';
import type { Transform } from '../transforms/transform.js';
import { checkIndex, nameOf, type Dataset, type Sample, type WorkerSpec } from './dataset.js';

/**
 * What a sample's input goes through: a transform (transforms.Compose, transforms.RandomErasing, …). Worker threads
 * rebuild a transforms.Transform through its class's schema, another object through its own workerSpec().
 */
export interface InputTransform {
  forward(input: Tensor): Tensor;
  workerSpec?(): WorkerSpec;
}

export class TransformedDataset implements Dataset<Sample> {
  /** Sample i is the dataset's sample i with its input replaced by transform.forward(input); targets stay as they are. */
  constructor(readonly dataset: Dataset<Sample>, readonly transform: InputTransform) {
    if (typeof dataset?.get !== 'function' || typeof dataset.length !== 'number') throw new TypeError('TransformedDataset: dataset must have a length and get(i)');
    if (typeof transform?.forward !== 'function') throw new TypeError(`TransformedDataset: transform must have forward(input), got ${String(transform)}`);
  }

  get length(): number {
    return this.dataset.length;
  }

  /** The transformed input, drawing its randomness from currentRandom() (set per sample by the DataLoader). */
  get(index: number): Sample {
    checkIndex(this, index, 'TransformedDataset.get()');
    return tidy(() => {
      const sample = this.dataset.get(index);
      return { input: this.transform.forward(sample.input), target: sample.target };
    });
  }

  prefetch(indices: ArrayLike<number>): void {
    this.dataset.prefetch?.(indices);
  }

  /** Present when both the dataset and the transform can be rebuilt in a worker. */
  get workerSpec(): (() => WorkerSpec) | undefined {
    if (typeof this.dataset.workerSpec !== 'function' || typeof this.transform.workerSpec !== 'function') return undefined;
    return () => ({ module: import.meta.url, name: 'TransformedDataset', args: [this.dataset, this.transform] });
  }

  toString(): string {
    return `TransformedDataset(${nameOf(this.dataset)}, ${String(this.transform)})`;
  }
}

/** The dataset with its inputs through the transforms (one Compose of them), or the dataset itself when there are none. */
export function transformDataset(dataset: Dataset<Sample>, steps: Transform[]): Dataset<Sample> {
  if (steps.length === 0) return dataset;
  return new TransformedDataset(dataset, steps.length === 1 ? steps[0] : new Compose(steps));
}
