// Splits a dataset into random, non-overlapping subsets, as PyTorch's random_split, with a seed of its own.
import { nameOf, type Dataset, type Sample } from './dataset.js';
import { checkSeed, Random, seedFromTorch } from '../torch/random.js';
import { Subset } from './subset.js';

/** Counts that sum to n, or fractions that sum to 1, turned into counts as PyTorch does. */
function splitCounts(lengths: number[], n: number, where: string): number[] {
  if (!Array.isArray(lengths) || lengths.length === 0 || lengths.some((l) => typeof l !== 'number' || !(l >= 0))) {
    throw new TypeError(`${where}: lengths must be a non-empty array of non-negative numbers, got ${JSON.stringify(lengths)}`);
  }
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.every(Number.isInteger) && total === n) return lengths;
  if (lengths.every((l) => l <= 1) && Math.abs(total - 1) < 1e-9) {
    const counts = lengths.map((f) => Math.floor(n * f));
    // The samples that flooring left over go one each to the first splits, round-robin.
    for (let i = 0, left = n - counts.reduce((a, b) => a + b, 0); left > 0; i = (i + 1) % counts.length, left--) counts[i]++;
    return counts;
  }
  throw new RangeError(`${where}: lengths ${JSON.stringify(lengths)} sum to ${total}; give counts that sum to the dataset's ${n} samples, or fractions that sum to 1`);
}

/**
 * Random non-overlapping subsets of the given lengths (counts, or fractions of the dataset).
 * The same seed gives the same split, whatever torch.manualSeed says; without a seed, one is drawn from torch's generator.
 */
export function randomSplit<S = Sample>(dataset: Dataset<S>, lengths: number[], options: { seed?: number } = {}): Subset<S>[] {
  const counts = splitCounts(lengths, dataset.length, `randomSplit(${nameOf(dataset)})`);
  const seed = options.seed === undefined ? seedFromTorch() : checkSeed(options.seed, 'randomSplit()');
  const order = new Random(seed).permutation(dataset.length);
  let start = 0;
  return counts.map((count) => new Subset(dataset, order.subarray(start, (start += count))));
}
