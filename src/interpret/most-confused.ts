// The pairs of classes a model mixes up most, as fastai's ClassificationInterpretation.most_confused.
import { describe } from '../torch/check.js';
import { ConfusionMatrix } from '../train/metrics.js';

export interface ConfusedPair {
  actual: string;
  predicted: string;
  count: number;
}

/** The counts of a confusion matrix, checked to be square with one row per class name. */
export function checkCounts(confusion: ConfusionMatrix | number[][], classNames: readonly string[], where: string): number[][] {
  const counts = confusion instanceof ConfusionMatrix ? confusion.counts : confusion;
  if (!Array.isArray(counts) || !counts.every((row) => Array.isArray(row) && row.length === counts.length && row.every((v) => Number.isInteger(v) && v >= 0))) {
    throw new TypeError(`${where}: expects a ConfusionMatrix or a square array of counts (integers ≥ 0), got ${describe(counts)}`);
  }
  if (!Array.isArray(classNames) || classNames.length !== counts.length) {
    throw new RangeError(`${where}: ${counts.length} classes in the confusion matrix but ${Array.isArray(classNames) ? classNames.length : describe(classNames)} class names`);
  }
  return counts;
}

/**
 * Off-diagonal cells with at least minCount samples as (actual, predicted, count), most frequent first; ties keep
 * the order of the matrix (row by row), as fastai's stable sort does.
 */
export function mostConfused(confusion: ConfusionMatrix | number[][], classNames: readonly string[], minCount = 1): ConfusedPair[] {
  const counts = checkCounts(confusion, classNames, 'mostConfused');
  if (!Number.isInteger(minCount) || minCount < 1) throw new RangeError(`mostConfused: minCount must be an integer ≥ 1, got ${describe(minCount)}`);
  const pairs: ConfusedPair[] = [];
  counts.forEach((row, actual) => row.forEach((count, predicted) => {
    if (actual !== predicted && count >= minCount) pairs.push({ actual: classNames[actual], predicted: classNames[predicted], count });
  }));
  return pairs.sort((a, b) => b.count - a.count);
}
