// Per-image parameters of the kernels: one value for every image, or (for a batch N×C×H×W) one value per image.
import { describe } from '../../torch/check.js';
import { tensor } from '../../torch/creation.js';
import { Tensor } from '../../torch/tensor.js';

/** A kernel parameter: one value for all images, or an array of N values for a batch of N. */
export type PerImage<T> = T | T[];
/** A numeric factor: a number, an array of N numbers, or a tensor of N values (kept on its device). */
export type Factor = number | number[] | Tensor;

/** The number of images in x: N for a batch, 1 for a C×H×W image. */
export const imageCount = (x: Tensor): number => (x.ndim === 4 ? x.shape[0] : 1);

/**
 * The value for each image of x, checked by `isValue`: a single value repeats for every image; an array must hold one
 * value per image. `isValue` decides whether a given array is one value (a pair) or a list of values.
 */
export function perImage<T>(value: PerImage<T>, x: Tensor, isValue: (v: unknown) => v is T, name: string, where: string, expected: string): T[] {
  const n = imageCount(x);
  if (isValue(value)) return Array.from({ length: n }, () => value);
  if (Array.isArray(value) && value.length === n && value.every(isValue)) return value;
  const count = x.ndim === 4 ? `an array of ${n} (one per image)` : 'a single value for this C×H×W image';
  throw new TypeError(`${where}: ${name} must be ${expected} or ${count}, got ${describe(value)}${Array.isArray(value) ? ` [${value.join(', ')}]` : ''}`);
}

export const isInteger = (v: unknown): v is number => Number.isInteger(v);
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isPair = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every(isNumber);

/** Checks a factor (a number, N numbers, or a tensor of N values) for x; `min` is checked for numbers. */
export function checkFactor(value: Factor, x: Tensor, name: string, where: string, min?: number): void {
  if (value instanceof Tensor) {
    const n = imageCount(x);
    if (value.numel() !== n) throw new RangeError(`${where}: ${name} as a tensor must hold ${n} value(s), one per image, got shape [${value.shape.join(', ')}]`);
    return;
  }
  const values = perImage(value, x, isNumber, name, where, 'a number');
  const bad = min === undefined ? undefined : values.find((v) => v < min);
  if (bad !== undefined) throw new RangeError(`${where}: ${name} must be at least ${min}, got ${bad}`);
}

/**
 * A factor as torchvision's kernels use it: a number stays a number (the exact scalar arithmetic of torchvision);
 * per-image values become a float tensor shaped N×1×1×1 (1×1×1 for one image) on x's device, to broadcast over it.
 * `min`, when given, is checked for numbers (tensor factors stay on their device unchecked).
 */
export function factorOf(value: Factor, x: Tensor, name: string, where: string, min?: number): number | Tensor {
  checkFactor(value, x, name, where, min);
  if (typeof value === 'number') return value;
  const shape = x.ndim === 4 ? [imageCount(x), 1, 1, 1] : [1, 1, 1];
  const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
  if (value instanceof Tensor) {
    const shaped = value.reshape(shape);
    const moved = shaped.to({ dtype, device: x.device });
    shaped.dispose();
    return moved;
  }
  return tensor(dtype === 'float64' ? Float64Array.from(value) : Float32Array.from(value), { shape, device: x.device });
}
