// Shared helpers of the image kernels: shape checks, batch/single-image handling and dtype round trips.
import { noGrad } from '../torch/autograd.js';
import { describe } from '../torch/check.js';
import type { Tensor } from '../torch/tensor.js';

/** Checks that x is an image C×H×W or a batch N×C×H×W; `where` names the transform in the message. */
export function checkImage(x: Tensor, where: string): void {
  if (x?.shape?.length !== 3 && x?.shape?.length !== 4) {
    throw new TypeError(`${where}: expects an image C×H×W or a batch N×C×H×W tensor, got ${describe(x)}`);
  }
}

/** Runs fn on x as a batch: a C×H×W image goes in as 1×C×H×W and comes back as C×H×W. */
export function onBatch(x: Tensor, where: string, fn: (batch: Tensor) => Tensor): Tensor {
  checkImage(x, where);
  if (x.shape.length === 4) return fn(x);
  const batch = x.unsqueeze(0);
  const out = fn(batch);
  batch.dispose();
  const image = out.squeeze(0);
  out.dispose();
  return image;
}

/** The largest pixel value of x's dtype: 255 for uint8, 1 for floating point. */
export const maxValue = (x: Tensor): number => (x.dtype === 'uint8' ? 255 : 1);

/**
 * Runs fn on float pixels: uint8 images are computed in float32 (values 0..255) and rounded and clamped back to uint8,
 * as torchvision's kernels do; float images go through unchanged. Augmentation needs no gradients.
 */
export function onFloat(x: Tensor, fn: (f: Tensor) => Tensor): Tensor {
  return noGrad(() => {
    if (x.dtype !== 'uint8') return fn(x);
    const f = x.to('float32');
    const out = fn(f);
    f.dispose();
    const rounded = out.round().clamp_(0, 255);
    out.dispose();
    const back = rounded.to('uint8');
    rounded.dispose();
    return back;
  });
}
