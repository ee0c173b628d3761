// The train namespace: the Trainer, its callbacks, metrics, checkpoints and learning curves.
export { Trainer, type Batches, type Scheduler, type TrainerOptions } from './trainer.js';
export { evaluate, type EvaluateOptions, type Evaluation } from './evaluate.js';
export { Monitor, type Callback, type Mode } from './callback.js';
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { ModelCheckpoint, type ModelCheckpointOptions } from './model-checkpoint.js';
export { CSVLogger } from './csv-logger.js';
export { ConfusionMatrix, RunningMean, topkCorrect } from './metrics.js';
export { Progress, type ProgressMode } from './progress.js';
export { loadCheckpoint, saveCheckpoint, type Checkpoint, type CheckpointInfo } from './checkpoint.js';
export { learningCurvesSvg } from './learning-curves.js';
export { CSV_COLUMNS, type EpochLogs } from './logs.js';
export { freeze, freezeByName, freezeTo, unfreeze, type FreezeOptions } from './freeze.js';
export { evenMults, paramGroupsFor } from './discriminative-lr.js';
export { fineTune, type FineTuneOptions } from './fine-tune.js';
export { extractFeatures, headModule, trainHead, type TrainHeadOptions } from './feature-extraction.js';
