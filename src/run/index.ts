// A run: training with its run folder, and the folder opened again to score data or predict. `cnnkit train`,
// `cnnkit eval` and `cnnkit predict` are these functions with flags.
export { Classifier, openClassifier, type ClassifierOptions, type ClassScore, type Prediction, type Predictions, type PredictOptions } from './classifier.js';
export { readRunConfig, parseRunConfig, trainedOnImageFolder, type RunConfig } from './config.js';
export { datasetNames, openDataset, openImageFolder, type ImageData, type NamedDataset } from './datasets.js';
export { evaluateRun, type EvaluateRunOptions, type RunEvaluation } from './evaluate.js';
export { FlipTTA } from './flip-tta.js';
export { readMetrics } from './metrics.js';
export { naturalCompare } from './natural-order.js';
export { openRun, type OpenedRun } from './open.js';
export { imageFilesIn, predictionsCsv } from './predictions.js';
export type { TrainOptions } from './options.js';
export { train, type TrainResult } from './train.js';
