// The data area: datasets, splits, the DataLoader (with worker threads), MNIST / Fashion-MNIST, and images from disk.
export type { Batch, Dataset, Sample, WorkerSpec } from './dataset.js';
export { TensorDataset } from './tensor-dataset.js';
export { transformDataset, TransformedDataset, type InputTransform } from './transformed-dataset.js';
export { Subset } from './subset.js';
export { randomSplit } from './random-split.js';
export { currentEpoch, currentRandom, Random, withRandom } from '../torch/random.js';
export { defaultCollate, type CollateFn, type CollateRef } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export type { Sampler } from './sampler.js';
export { DistributedSampler, type DistributedSamplerOptions } from './distributed-sampler.js';
export { FashionMNIST, MNIST, type MNISTOptions } from './mnist.js';
export { readIdx, type IdxArray } from './idx.js';
export { cacheHome } from './cache.js';
export { checkImageFiles, decodeImage, readImage, saveImage, type DecodeOptions, type SaveImageOptions } from './image.js';
export { makeGrid, type GridOptions } from './image-grid.js';
export { LabelledImages, type ImageDatasetOptions, type SkippedImage, type TargetTransform } from './labelled-images.js';
export { IMAGE_EXTENSIONS, ImageFolder, type ImageFolderOptions } from './image-folder.js';
export { ImagesByName, type ImagesByNameOptions } from './image-files.js';
