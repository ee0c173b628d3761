// The data area: datasets, splits, the DataLoader (with worker threads), and MNIST / Fashion-MNIST.
export type { Batch, Dataset, Sample, WorkerSpec } from './dataset.js';
export { TensorDataset } from './tensor-dataset.js';
export { Subset } from './subset.js';
export { randomSplit } from './random-split.js';
export { currentEpoch, currentRandom, Random, withRandom } from './random.js';
export { defaultCollate, type CollateFn, type CollateRef } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export { FashionMNIST, MNIST, type MNISTOptions } from './mnist.js';
export { readIdx, type IdxArray } from './idx.js';
export { cacheHome } from './cache.js';
