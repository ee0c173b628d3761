// The default collate: a list of {input, target} samples becomes one {inputs, targets} batch.
import { stack } from '../torch/functions.js';
import { tensor } from '../torch/creation.js';
import { Tensor } from '../torch/tensor.js';
import type { Batch, Sample } from './dataset.js';

export type CollateFn<S = Sample, B = Batch> = (samples: S[]) => B;

/**
 * Stacks the inputs along a new first dimension; targets are stacked too when they are tensors,
 * and become an int64 tensor when they are integer class indices (float32 for other numbers).
 */
export function defaultCollate(samples: Sample[]): Batch {
  if (!Array.isArray(samples) || samples.length === 0) throw new TypeError('defaultCollate: needs a non-empty array of samples');
  samples.forEach((s, i) => {
    if (!(s?.input instanceof Tensor) || !(s.target instanceof Tensor || typeof s.target === 'number')) {
      throw new TypeError(`defaultCollate: sample ${i} is not {input: Tensor, target: Tensor | number}; give the DataLoader a collate for other samples`);
    }
  });
  const inputs = stack(samples.map((s) => s.input));
  const targets = samples.map((s) => s.target);
  if (targets.every((t): t is number => typeof t === 'number')) {
    return { inputs, targets: targets.every(Number.isInteger) ? tensor(targets, { dtype: 'int64' }) : tensor(targets, { dtype: 'float32' }) };
  }
  if (targets.every((t) => t instanceof Tensor)) return { inputs, targets: stack(targets as Tensor[]) };
  inputs.dispose();
  throw new TypeError('defaultCollate: the targets mix numbers and tensors; make them all one kind');
}

/** A collate exported by a module, so that worker threads can import it: {module: import.meta.url, name: 'myCollate'}. */
export interface CollateRef {
  module: string;
  name: string;
}

export async function importCollate<S, B>(ref: CollateRef): Promise<CollateFn<S, B>> {
  const fn = ((await import(ref.module)) as Record<string, unknown>)[ref.name];
  if (typeof fn !== 'function') throw new TypeError(`DataLoader: collate: ${ref.module} exports no function ${ref.name}`);
  return fn as CollateFn<S, B>;
}
