// How a run lays out its training images: the pool (all, or `limit` of them) split into training and validation
// images by the seed. Training and the scoring of a run's validation images both take it from here.
import type { Dataset } from '../data/dataset.js';
import { randomSplit } from '../data/random-split.js';
import { Subset } from '../data/subset.js';

export interface SplitOptions {
  /** Train on this many images only (already checked). */
  limit?: number;
  /** The share held out for validation, in (0, 1). */
  valFraction: number;
  seed: number;
}

/** [training images, validation images] of `train`; `imageFolder` data is grouped by class, so its limit is drawn at random. */
export function trainValSplit(train: Dataset, options: SplitOptions, imageFolder: boolean): [Dataset, Dataset] {
  const { limit, valFraction, seed } = options;
  let pool: Dataset = train;
  if (limit !== undefined) {
    const n = Math.min(limit, train.length);
    // A folder's samples are grouped by class, so its first N would be one class: take a seeded random N instead.
    pool = imageFolder
      ? randomSplit(train, [n, train.length - n], { seed })[0]
      : new Subset(train, Int32Array.from({ length: n }, (_, i) => i));
  }
  const valCount = Math.max(1, Math.round(pool.length * valFraction));
  const [trainSet, valSet] = randomSplit(pool, [pool.length - valCount, valCount], { seed });
  return [trainSet, valSet];
}
