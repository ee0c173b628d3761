// The nn namespace: Module, parameters, layers, containers, init, regularizers, and the functional forms.
export * as functional from './functional.js';
export * as init from './init.js';
export * as regularizers from './regularizers.js';
export * as utils from './utils.js';
export { Module, type LoadResult } from './module.js';
export { Buffer, Parameter } from './parameter.js';
export { summary, type LayerSummary } from './summary.js';
export { Conv2d, type Conv2dOptions } from './layers/conv.js';
export { Linear } from './layers/linear.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './layers/batchnorm.js';
export { GroupNorm, LayerNorm } from './layers/normalization.js';
export { GELU, Hardsigmoid, Hardswish, LeakyReLU, ReLU, Sigmoid, SiLU, Softmax, Tanh } from './layers/activation.js';
export { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './layers/pooling.js';
export { Flatten, Identity } from './layers/reshape.js';
export { DropBlock2d, Dropout, Dropout2d, DropPath } from './layers/dropout.js';
export { ModuleDict, ModuleList, Sequential } from './layers/containers.js';
export { Residual } from './layers/residual.js';
