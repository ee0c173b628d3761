// DistributedSampler: each rank's share of a dataset's indices, as torch.utils.data.DistributedSampler draws them.
import { randperm } from '../torch/creation.js';
import { defaultGroup, isInitialized } from '../torch/distributed.js';
import type { Sampler } from './sampler.js';

export interface DistributedSamplerOptions {
  /** How many ranks share the dataset (default: the process group's world size). */
  numReplicas?: number;
  /** This rank, in 0..numReplicas-1 (default: the process group's). */
  rank?: number;
  /** A new random order each epoch (setEpoch), the same on every rank (default true). */
  shuffle?: boolean;
  /** Must be the same on every rank (default 0). */
  seed?: number;
  /** Leave out the tail that does not divide evenly instead of padding with repeated indices (default false). */
  dropLast?: boolean;
}

function count(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`DistributedSampler: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/**
 * Splits 0..datasetLength-1 into numReplicas disjoint shares of equal length (padded by repeating the first indices
 * unless dropLast): rank r takes every numReplicas-th index from r. Shuffled, the order is
 * torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch)), so the shares equal PyTorch's.
 * Give it to a DataLoader as its sampler and call setEpoch(e) before each epoch.
 */
export class DistributedSampler implements Sampler {
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Indices per rank and epoch. */
  readonly length: number;
  readonly totalSize: number;
  epoch = 0;

  constructor(readonly datasetLength: number, options: DistributedSamplerOptions = {}) {
    count(datasetLength, 'the dataset length', 0);
    const group = isInitialized() ? defaultGroup() : null;
    if ((options.numReplicas === undefined || options.rank === undefined) && !group) {
      throw new Error('DistributedSampler: give numReplicas and rank, or call distributed.initProcessGroup() first');
    }
    this.numReplicas = count(options.numReplicas ?? group!.worldSize, 'numReplicas', 1);
    this.rank = count(options.rank ?? group!.rank, 'rank', 0);
    if (this.rank >= this.numReplicas) throw new RangeError(`DistributedSampler: rank ${this.rank} is out of range for numReplicas ${this.numReplicas}`);
    this.shuffle = options.shuffle ?? true;
    this.seed = count(options.seed ?? 0, 'seed', 0);
    this.dropLast = options.dropLast ?? false;
    const n = datasetLength;
    this.length = this.dropLast && n % this.numReplicas !== 0 ? Math.ceil((n - this.numReplicas) / this.numReplicas) : Math.ceil(n / this.numReplicas);
    this.totalSize = this.length * this.numReplicas;
  }

  /** The epoch whose order indices() gives; call it with the epoch number before each epoch. */
  setEpoch(epoch: number): void {
    this.epoch = count(epoch, 'epoch', 0);
  }

  /** This rank's indices for the current epoch. */
  indices(): Int32Array {
    const n = this.datasetLength;
    let all: Int32Array;
    if (this.shuffle) {
      const perm = randperm(n, { seed: this.seed + this.epoch });
      all = Int32Array.from(perm.toTypedArray() as BigInt64Array, Number);
      perm.dispose();
    } else {
      all = Int32Array.from({ length: n }, (_, i) => i);
    }
    const padded = new Int32Array(this.totalSize);
    // Padding repeats the order from its start, as often as needed.
    for (let i = 0; i < this.totalSize; i++) padded[i] = all[i % n];
    return Int32Array.from({ length: this.length }, (_, i) => padded[this.rank + i * this.numReplicas]);
  }
}
