// Automatic mixed precision, as PyTorch's torch.autocast: inside the scope, ops that gain from a lower precision
// (convolutions, matrix products) run in it and the ops that need float32 (softmax, losses) run in float32, by
// libtorch's own per-op lists. The state is per thread, as in libtorch.
import type { DType } from './dtype.js';
import { native } from './native.js';

export type AutocastDeviceType = 'cpu' | 'cuda';

export interface AutocastOptions {
  /** The lower precision: bfloat16 on the CPU (the only one libtorch's CPU autocast has); float16 (default) or bfloat16 on CUDA. */
  dtype?: DType;
  /** false runs fn with autocast off (also inside an enclosing autocast). Default true. */
  enabled?: boolean;
  /** Keep the lower-precision copies of weights for the scope's duration (default true, as PyTorch). */
  cacheEnabled?: boolean;
}

export const isAutocastEnabled = (deviceType: AutocastDeviceType): boolean => native.isAutocastEnabled(deviceType);
export const getAutocastDtype = (deviceType: AutocastDeviceType): DType => native.getAutocastDtype(deviceType);

/** The dtype autocast would use on `deviceType`, or a clear error where libtorch cannot run it. */
export function autocastDtype(deviceType: AutocastDeviceType, dtype?: DType): DType {
  if (deviceType !== 'cpu' && deviceType !== 'cuda') throw new TypeError(`autocast: the device type must be 'cpu' or 'cuda', got '${String(deviceType)}'`);
  if (deviceType === 'cpu') {
    if ((dtype ?? 'bfloat16') !== 'bfloat16') throw new TypeError(`autocast: on the CPU libtorch autocasts to bfloat16 only, not ${dtype}; use float16 on CUDA`);
    return 'bfloat16';
  }
  if (!native.cudaIsAvailable()) throw new TypeError('autocast: CUDA is not available to this libtorch');
  const chosen = dtype ?? 'float16';
  if (chosen !== 'float16' && chosen !== 'bfloat16') throw new TypeError(`autocast: on CUDA the dtype must be float16 or bfloat16, got ${chosen}`);
  return chosen;
}

/**
 * Runs fn with autocast on `deviceType` (PyTorch's `with torch.autocast(deviceType, dtype=…):`) and restores the
 * previous state after, also when fn throws. Nested scopes work as in PyTorch; the weight cache is cleared when the
 * outermost one ends. Run the forward pass and the loss inside, the backward pass outside.
 */
export function autocast<T>(deviceType: AutocastDeviceType, options: AutocastOptions, fn: () => T): T {
  const enabled = options.enabled ?? true;
  const dtype = enabled ? autocastDtype(deviceType, options.dtype) : getAutocastDtype(deviceType);
  const previous = { enabled: isAutocastEnabled(deviceType), dtype: getAutocastDtype(deviceType), cache: native.isAutocastCacheEnabled() };
  native.setAutocastEnabled(deviceType, enabled);
  native.setAutocastDtype(deviceType, dtype);
  native.autocastIncrementNesting();
  native.setAutocastCacheEnabled(options.cacheEnabled ?? true);
  try {
    const result = fn();
    // The state is thread state; an await would leak it into unrelated code.
    if (result !== null && typeof (result as { then?: unknown })?.then === 'function') {
      throw new TypeError('autocast(fn): fn returned a Promise; autocast cannot span an await. Wrap each synchronous step instead');
    }
    return result;
  } finally {
    if (native.autocastDecrementNesting() === 0) native.clearAutocastCache();
    native.setAutocastEnabled(deviceType, previous.enabled);
    native.setAutocastDtype(deviceType, previous.dtype);
    native.setAutocastCacheEnabled(previous.cache);
  }
}
