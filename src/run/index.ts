// A run: training with its run folder, and the folder opened again to score data. `cnnkit train` and `cnnkit eval`
// are these functions with flags.
export { readRunConfig, parseRunConfig, type RunConfig } from './config.js';
export { datasetNames, openDataset, openImageFolder, type ImageData, type NamedDataset } from './datasets.js';
export { evaluateRun, type EvaluateRunOptions, type RunEvaluation } from './evaluate.js';
export { openRun, type OpenedRun } from './open.js';
export type { TrainOptions } from './options.js';
export { train, type TrainResult } from './train.js';
