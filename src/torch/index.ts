// The torch namespace: tensors, their creation and ops, scopes, autograd, linalg, random state and serialization.
export { Tensor, type IndexItem, type MemoryFormat, type Scalar, type Slice, type TensorOrScalar, type ToOptions } from './tensor.js';
export { dtypes, type DType, type TypedArray } from './dtype.js';
export * from './creation.js';
export * from './functions.js';
export { dispose, keep, memory, tidy } from './scope.js';
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './autograd.js';
export * as autograd from './autograd.js';
export * as linalg from './linalg.js';
export { autocast, autocastDtype, getAutocastDtype, isAutocastEnabled, type AutocastDeviceType, type AutocastOptions } from './autocast.js';
export { ampForeachNonFiniteCheckAndUnscale_, ampUpdateScale_ } from './amp-kernels.js';
export { cuda, getNumThreads, mallocTuning, getRngState, manualSeed, setNumThreads, setRngState, setThreadNumThreads, version } from './runtime.js';
export { decodeJpeg, type DecodeJpegOptions } from './jpeg.js';
export { decodePng } from './png.js';
export { load, loadWithMetadata, save, type StateDict } from './serialization.js';

/** A Python-style slice for Tensor.index: torch.slice(1, 3), torch.slice(null, null, 2). */
export const slice = (start: number | null = null, stop: number | null = null, step: number | null = null) => ({ start, stop, step });
