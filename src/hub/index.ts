// The hub namespace: torchvision's published weights, their download and cache, and PyTorch's .pth files.
export { cachedWeightsPath, downloadWeights, hubDir, isWeightsFile, loadWeights, type DownloadOptions, type WeightsLocation } from './download.js';
export { loadPth, loadPthWithMetadata, savePth, type LoadPthOptions, type SavePthOptions, type StateDictMetadata } from './pth.js';
export { getModelWeights, getWeights, listModelsWithWeights, type Weights, type WeightsMeta, type WeightsTransforms } from './registry.js';
export { weightsTransforms } from './preset.js';
