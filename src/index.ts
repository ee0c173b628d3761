// cnnkit's public face.
export * as torch from './torch/index.js';
export * as nn from './nn/index.js';
export * as F from './nn/functional.js';
export * as optim from './optim/index.js';
export * as amp from './amp/index.js';
export * as data from './data/index.js';
export * as distributed from './distributed/index.js';
export * as transforms from './transforms/index.js';
export * as train from './train/index.js';
export * as models from './models/index.js';
export * as hub from './hub/public.js';
export { Tensor } from './torch/tensor.js';
export * as run from './run/index.js';
export * as interpret from './interpret/index.js';
export * as export from './export/index.js';
export * as serve from './serve/index.js';
