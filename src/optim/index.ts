// The optim namespace (torch.optim): optimizers, learning-rate schedulers in optim.lrScheduler, and
// gradient clipping (also nn.utils).
export { Optimizer, type OptimizerOptions, type OptimizerStateDict, type ParamGroup, type ParamGroupInput, type Params, type ParamState } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export * as lrScheduler from './lr-scheduler/index.js';
export { clipGradNorm_, clipGradValue_ } from '../nn/clip-grad.js';
