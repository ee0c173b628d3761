// The two steps of PyTorch's GradScaler as libtorch runs them (its CUDA kernels; elsewhere the same arithmetic in
// tensor ops, since libtorch 1.13 has no CPU kernels for them).
import { native } from './native.js';
import type { Tensor } from './tensor.js';

/** Multiplies each gradient by invScale in place and sets foundInf (one element) to 1 if any holds an inf or a NaN. */
export function ampForeachNonFiniteCheckAndUnscale_(grads: Tensor[], foundInf: Tensor, invScale: Tensor): void {
  native.ampUnscale_(grads.map((g) => g.handle), foundInf.handle, invScale.handle);
}

/**
 * Updates scale and growthTracker (one element each) in place after a step: with foundInf set, scale × backoff and the
 * tracker to 0; else the tracker counts the good step, and at growthInterval the scale × growth and the tracker to 0.
 */
export function ampUpdateScale_(scale: Tensor, growthTracker: Tensor, foundInf: Tensor, growthFactor: number, backoffFactor: number, growthInterval: number): void {
  native.ampUpdateScale_(scale.handle, growthTracker.handle, foundInf.handle, growthFactor, backoffFactor, growthInterval);
}
