// What a DataLoader takes as its sampler: the sample indices of one epoch, in order.
export interface Sampler {
  /** Indices per epoch. */
  readonly length: number;
  /** The indices of the next epoch (a shuffling sampler decides them by its own epoch, e.g. DistributedSampler.setEpoch). */
  indices(): Int32Array;
}
