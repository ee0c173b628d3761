// One batch made from a dataset, the same way on the main thread and in a worker thread: the batch's files read ahead,
// each sample under its own generator, the samples collated (or the batch made in one go by a dataset that can),
// then the collated transform. A failure says at which stage.
import { Random, withRandom } from '../torch/random.js';
import { Tensor } from '../torch/tensor.js';
import { defaultCollate, type CollateFn } from './collate.js';
import type { Dataset } from './dataset.js';
import type { InputTransform } from './transformed-dataset.js';

/** Where loading a batch failed: reading its files ahead, one of its samples, collating, or the collated transform. */
export type LoadStage = { stage: 'prefetch' | 'getBatch' | 'collate' | 'collatedTransform'; batch: number } | { stage: 'sample'; index: number };

/** What loadBatch throws: the stage that failed and, as cause, its error. */
export class LoadFailure extends Error {
  constructor(readonly at: LoadStage, readonly cause: Error) {
    super(cause.message, { cause });
  }
}

/** An Error that names the stage and the dataset (and the worker thread, if any), with the original as its cause. */
export function loadError(at: LoadStage, dataset: string, error: Error, thread?: number): Error {
  const what = at.stage === 'sample' ? `sample ${at.index} of ${dataset}`
    : at.stage === 'prefetch' ? `reading ahead for batch ${at.batch} of ${dataset}`
      : at.stage === 'getBatch' ? `getBatch for batch ${at.batch} of ${dataset}`
      : at.stage === 'collate' ? `collating batch ${at.batch} of ${dataset}` : `collatedTransform on batch ${at.batch} of ${dataset}`;
  return new Error(`DataLoader: ${what} failed${thread === undefined ? '' : ` (in worker thread ${thread})`}: ${error.message}`, { cause: error });
}

/**
 * Marks a batch's random stream apart from its samples': sample i draws from Random(seed, epoch, i), batch b from
 * Random(seed, epoch, b, BATCH_STREAM), so batch 3's draws do not repeat sample 3's.
 */
const BATCH_STREAM = 0x62617463;

/** The batch with its inputs replaced by transform.forward(inputs); the old inputs are freed. */
function transformBatch(batch: unknown, transform: InputTransform, seed: number, epoch: number, index: number): unknown {
  const inputs = (batch as { inputs?: unknown })?.inputs;
  if (!(inputs instanceof Tensor)) throw new TypeError('collatedTransform needs batches with an inputs tensor, as defaultCollate makes; leave it out with a collate that makes other batches');
  const out = withRandom(new Random(seed, epoch, index, BATCH_STREAM), () => transform.forward(inputs), epoch);
  if (out !== inputs) inputs.dispose();
  return { ...(batch as object), inputs: out };
}

/** How a loader makes its batches in a given epoch. */
export interface BatchMaker<S, B> {
  dataset: Dataset<S>;
  collate: CollateFn<S, B>;
  collatedTransform: InputTransform | null;
  seed: number;
  epoch: number;
}

function atStage<T>(at: LoadStage, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new LoadFailure(at, error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * Batch `batch`, made of the samples at `indices`; call it inside a tidy() scope, which frees the samples. Throws a
 * LoadFailure; `beforeSample` runs before each sample, and what it throws passes through as it is (a stop signal).
 */
export function loadBatch<S, B>(maker: BatchMaker<S, B>, indices: Int32Array, batch: number, beforeSample?: () => void): B {
  const { dataset, collate, collatedTransform, seed, epoch } = maker;
  let collated: B;
  if (dataset.getBatch && collate === (defaultCollate as unknown)) {
    beforeSample?.();
    collated = atStage({ stage: 'getBatch', batch }, () => dataset.getBatch!(indices) as B);
  } else {
    atStage({ stage: 'prefetch', batch }, () => dataset.prefetch?.(indices));
    const samples = Array.from(indices, (i) => {
      beforeSample?.();
      return atStage({ stage: 'sample', index: i }, () => withRandom(new Random(seed, epoch, i), () => dataset.get(i), epoch));
    });
    collated = atStage({ stage: 'collate', batch }, () => collate(samples));
  }
  return collatedTransform ? atStage({ stage: 'collatedTransform', batch }, () => transformBatch(collated, collatedTransform, seed, epoch, batch) as B) : collated;
}
