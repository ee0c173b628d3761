// Photometric kernels with torchvision's names and math (transforms.functional on tensors). As torchvision, a uint8
// result of a blend is truncated (not rounded) and a filtered one (blur, sharpness's smoothing) is rounded.
import { conv2d, pad as padTensor } from '../../nn/functional.js';
import { describe } from '../../torch/check.js';
import { arange, linspace, ones, tensor } from '../../torch/creation.js';
import { cat, where as select } from '../../torch/functions.js';
import { noGrad } from '../../torch/autograd.js';
import { tidy } from '../../torch/scope.js';
import { Tensor } from '../../torch/tensor.js';
import { checkImage, maxValue, onBatch, onFloat } from '../image.js';
import { checkFactor, factorOf, imageCount, isNumber, isPair, perImage, type Factor, type PerImage } from './per-image.js';

export const isFloating = (x: Tensor): boolean => x.dtype.startsWith('float') || x.dtype === 'bfloat16';
const asFloat = (x: Tensor): Tensor => (isFloating(x) ? x : x.to('float32'));
/** x · factor as a new float tensor (uint8 converted first); the in-place multiply spares a full-size temporary. */
const scaled = (x: Tensor, factor: number | Tensor): Tensor => (isFloating(x) ? x.mul(factor) : x.to('float32').mul_(factor));

/** Checks the image and that it has 1 or 3 channels (gray or RGB), as torchvision's color kernels need. */
export function checkChannels(img: Tensor, where: string): number {
  checkImage(img, where);
  const c = img.shape[img.ndim - 3];
  if (c !== 1 && c !== 3) throw new RangeError(`${where}: expects 1 or 3 channels (dim -3), got ${c} in shape [${img.shape.join(', ')}]`);
  return c;
}

/**
 * ratio·img1 + (1 − ratio)·img2, clamped to the pixel range and cast back to img1's dtype (truncating), as torchvision's
 * _blend. Per-image ratios given as numbers get their complements computed in double precision, as a scalar ratio's
 * are, so that a batch gives bit for bit the results of its images one by one.
 */
function blend(img1: Tensor, img2: Tensor | null, factor: Factor, name: string, where: string): Tensor {
  return tidy(() => {
    const ratio = factorOf(factor, img1, name, where, 0);
    const first = scaled(img1, ratio);
    if (img2 === null) return first.clamp_(0, maxValue(img1)).to(img1.dtype);
    const complement = typeof ratio === 'number' ? 1 - ratio
      : Array.isArray(factor) ? factorOf(factor.map((r) => 1 - r), img1, name, where) : ratio.rsub(1);
    return first.add_(scaled(img2, complement)).clamp_(0, maxValue(img1)).to(img1.dtype);
  });
}

/** 0.2989 R + 0.587 G + 0.114 B (ITU-R 601-2, as torchvision), as 1 or 3 identical channels; gray images are copied. */
export function rgbToGrayscale(img: Tensor, numOutputChannels: 1 | 3 = 1): Tensor {
  const c = checkChannels(img, 'rgbToGrayscale()');
  if (numOutputChannels !== 1 && numOutputChannels !== 3) throw new RangeError(`rgbToGrayscale(): numOutputChannels must be 1 or 3, got ${describe(numOutputChannels)}`);
  return noGrad(() => tidy(() => {
    const gray = c === 1 ? img.clone()
      : scaled(img.narrow(-3, 0, 1), 0.2989).add_(scaled(img.narrow(-3, 1, 1), 0.587)).add_(scaled(img.narrow(-3, 2, 1), 0.114)).to(img.dtype);
    if (numOutputChannels === 1) return gray;
    const shape = [...img.shape];
    shape[shape.length - 3] = 3;
    return gray.expand(shape).contiguous();
  }));
}

/** Multiplies by `brightnessFactor` ≥ 0 (0 black, 1 unchanged); per image for a batch (N numbers or a tensor). */
export function adjustBrightness(img: Tensor, brightnessFactor: Factor): Tensor {
  checkChannels(img, 'adjustBrightness()');
  return noGrad(() => blend(img, null, brightnessFactor, 'brightnessFactor', 'adjustBrightness()'));
}

/** Blends with the mean gray level: 0 gives a flat gray image, 1 the original. */
export function adjustContrast(img: Tensor, contrastFactor: Factor): Tensor {
  const c = checkChannels(img, 'adjustContrast()');
  return noGrad(() => tidy(() => {
    const gray = c === 3 ? rgbToGrayscale(img) : img;
    return blend(img, asFloat(gray).mean([-3, -2, -1], true), contrastFactor, 'contrastFactor', 'adjustContrast()');
  }));
}

/** Blends with the grayscale image: 0 gray, 1 unchanged, 2 twice as saturated. Gray images come back unchanged. */
export function adjustSaturation(img: Tensor, saturationFactor: Factor): Tensor {
  const c = checkChannels(img, 'adjustSaturation()');
  return noGrad(() => tidy(() => {
    checkFactor(saturationFactor, img, 'saturationFactor', 'adjustSaturation()', 0);
    return c === 1 ? img.clone() : blend(img, rgbToGrayscale(img), saturationFactor, 'saturationFactor', 'adjustSaturation()');
  }));
}

/** Shifts the hue by `hueFactor` in [-0.5, 0.5] turns through HSV, as torchvision's _rgb2hsv/_hsv2rgb. */
export function adjustHue(img: Tensor, hueFactor: Factor): Tensor {
  const c = checkChannels(img, 'adjustHue()');
  return noGrad(() => tidy(() => {
    const factor = factorOf(hueFactor, img, 'hueFactor', 'adjustHue()', -0.5);
    if (typeof factor === 'number' && factor > 0.5) throw new RangeError(`adjustHue(): hueFactor must be in [-0.5, 0.5], got ${factor}`);
    if (Array.isArray(hueFactor) && hueFactor.some((v) => v > 0.5)) throw new RangeError(`adjustHue(): hueFactor must be in [-0.5, 0.5], got [${hueFactor.join(', ')}]`);
    if (c === 1) return img.clone();
    const rgb = img.dtype === 'uint8' ? img.to('float32').div(255) : img;
    const hsv = rgbToHsv(rgb);
    const hue = hsv.narrow(-3, 0, 1).add(factor).remainder(1);
    const out = hsvToRgb(cat([hue, hsv.narrow(-3, 1, 2)], -3));
    return img.dtype === 'uint8' ? out.mul(255).to('uint8') : out;
  }));
}

/** RGB in [0, 1] to HSV in [0, 1] along dim -3 (Pillow's formulas, as torchvision's _rgb2hsv). */
function rgbToHsv(img: Tensor): Tensor {
  const [r, g, b] = [0, 1, 2].map((i) => img.narrow(-3, i, 1));
  const maxc = img.max(-3, true).values;
  const minc = img.min(-3, true).values;
  const eqc = maxc.eq(minc);
  const cr = maxc.sub(minc);
  const s = cr.div(select(eqc, 1, maxc));
  const crDivisor = select(eqc, 1, cr);
  const rc = maxc.sub(r).div(crDivisor);
  const gc = maxc.sub(g).div(crDivisor);
  const bc = maxc.sub(b).div(crDivisor);
  const isR = maxc.eq(r);
  const isG = maxc.eq(g).logicalAnd(maxc.ne(r));
  const isB = maxc.ne(g).logicalAnd(maxc.ne(r));
  const h = isR.mul(bc.sub(gc)).add(isG.mul(rc.sub(bc).add(2))).add(isB.mul(gc.sub(rc).add(4)));
  return cat([h.div(6).add(1).fmod(1), s, maxc], -3);
}

/** HSV back to RGB (torchvision's _hsv2rgb: the sector's one-hot mask picks each channel's formula). */
function hsvToRgb(img: Tensor): Tensor {
  const [h, s, v] = [0, 1, 2].map((i) => img.narrow(-3, i, 1));
  const i = h.mul(6).floor();
  const f = h.mul(6).sub(i);
  const sector = i.to('int32').remainder(6);
  const p = v.mul(s.rsub(1)).clamp(0, 1);
  const q = v.mul(s.mul(f).rsub(1)).clamp(0, 1);
  const t = v.mul(s.mul(f.rsub(1)).rsub(1)).clamp(0, 1);
  const mask = sector.eq(arange(6, undefined, 1, { device: img.device }).view(-1, 1, 1)).to(img.dtype);
  const pick = (parts: Tensor[]) => mask.mul(cat(parts, -3)).sum(-3, true);
  return cat([pick([v, q, p, p, t, v]), pick([t, v, v, q, p, p]), pick([p, p, t, v, v, q])], -3);
}

/** Blends with a smoothed copy (torchvision's 3×3 kernel, borders kept): 0 blurs, 1 unchanged, 2 sharpens. */
export function adjustSharpness(img: Tensor, sharpnessFactor: Factor): Tensor {
  const c = checkChannels(img, 'adjustSharpness()');
  return noGrad(() => tidy(() => {
    checkFactor(sharpnessFactor, img, 'sharpnessFactor', 'adjustSharpness()', 0);
    const [h, w] = img.shape.slice(-2);
    if (h <= 2 || w <= 2) return img.clone();
    const dtype = isFloating(img) ? img.dtype : 'float32';
    const kernel = ones([3, 3], { dtype, device: img.device });
    kernel.indexPut_([1, 1], 5);
    const weight = kernel.div(kernel.sum()).expand(c, 1, 3, 3);
    const smoothed = onBatch(img, 'adjustSharpness()', (batch) => onFloat(batch, (f) => conv2d(f, weight, null, { groups: c })));
    const degenerate = img.clone().indexPut_(['...', '1:-1', '1:-1'], smoothed);
    return blend(img, degenerate, sharpnessFactor, 'sharpnessFactor', 'adjustSharpness()');
  }));
}

/** Keeps the `bits` highest bits of each uint8 value (float images: 2^bits levels, as torchvision v2). */
export function posterize(img: Tensor, bits: number): Tensor {
  checkChannels(img, 'posterize()');
  if (!Number.isInteger(bits) || bits < 0 || bits > 8) throw new RangeError(`posterize(): bits must be an integer from 0 to 8, got ${describe(bits)}`);
  return noGrad(() => tidy(() => {
    if (img.dtype === 'uint8') {
      const step = 2 ** (8 - bits);
      return img.div(step, 'floor').mul(step);
    }
    const levels = 2 ** bits;
    return img.mul(levels).floor().clamp(0, levels - 1).div(levels);
  }));
}

/** Inverts the pixels at or above `threshold`. */
export function solarize(img: Tensor, threshold: number): Tensor {
  checkChannels(img, 'solarize()');
  if (!isNumber(threshold) || threshold > maxValue(img)) {
    throw new RangeError(`solarize(): threshold must be a number at most ${maxValue(img)} for a ${img.dtype} image, got ${describe(threshold)}`);
  }
  return noGrad(() => tidy(() => select(img.ge(threshold), invert(img), img)));
}

/** max − x: 255 − x for uint8, 1 − x for float images. */
export function invert(img: Tensor): Tensor {
  checkChannels(img, 'invert()');
  return noGrad(() => img.rsub(maxValue(img)));
}

/** torchvision's default sigma for a kernel size: 0.3·((k − 1)/2 − 1) + 0.8. */
const defaultSigma = (k: number): number => 0.3 * ((k - 1) * 0.5 - 1) + 0.8;

/**
 * Gaussian blur with torchvision's kernel (normalized samples at integer offsets) and reflect padding. kernelSize is an
 * odd integer or [x, y]; sigma a number, [x, y], or for a batch an array of N numbers or pairs (a plain pair of numbers
 * is always [x, y]). Without sigma, torchvision's default for the kernel size.
 */
export function gaussianBlur(img: Tensor, kernelSize: number | [number, number], sigma?: PerImage<number | [number, number]>): Tensor {
  const where = 'gaussianBlur()';
  checkImage(img, where);
  const [kx, ky] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : Array.isArray(kernelSize) ? kernelSize : [NaN, NaN];
  if (![kx, ky].every((k) => Number.isInteger(k) && k > 0 && k % 2 === 1)) {
    throw new RangeError(`${where}: kernelSize must be an odd positive integer or a pair [x, y] of them, got ${describe(kernelSize)}`);
  }
  const isSigma = (v: unknown): v is number | [number, number] => isNumber(v) || isPair(v);
  const given = sigma ?? [defaultSigma(kx), defaultSigma(ky)];
  const sigmas = perImage(given, img, isSigma, 'sigma', where, 'a number or a pair [x, y]').map((s) => (typeof s === 'number' ? [s, s] : s));
  const bad = sigmas.flat().find((s) => !(s > 0));
  if (bad !== undefined) throw new RangeError(`${where}: sigma must be positive, got ${bad}`);
  const c = img.shape[img.ndim - 3];
  return noGrad(() => onBatch(img, where, (batch) => onFloat(batch, (f) => tidy(() => {
    const shared = isSigma(given);
    const n = shared ? 1 : imageCount(batch);
    const kernels = kernel2d(kx, ky, shared ? [sigmas[0]] : sigmas, f);
    const padded = padTensor(f, [kx >> 1, kx >> 1, ky >> 1, ky >> 1], { mode: 'reflect' });
    if (shared) return conv2d(padded, kernels.expand(c, 1, ky, kx), null, { groups: c });
    // One kernel per image: the batch's channels become groups of a single conv.
    const [, , ph, pw] = padded.shape;
    const weight = kernels.expand(n, c, ky, kx).reshape(n * c, 1, ky, kx);
    return conv2d(padded.reshape(1, n * c, ph, pw), weight, null, { groups: n * c }).reshape(n, c, f.shape[2], f.shape[3]);
  }))));
}

/** One ky×kx Gaussian kernel per [sx, sy] (as torchvision: float samples normalized to sum 1), shaped K×1×ky×kx. */
function kernel2d(kx: number, ky: number, sigmas: number[][], like: Tensor): Tensor {
  const options = { dtype: like.dtype, device: like.device } as const;
  const oneD = (k: number, axis: number) => {
    const x = linspace(-(k - 1) * 0.5, (k - 1) * 0.5, k, options);
    const s = sigmas.length === 1 ? sigmas[0][axis] : tensor(sigmas.map((p) => [p[axis]]), options);
    const pdf = x.div(s).pow(2).mul(-0.5).exp();
    return pdf.div(pdf.sum(-1, true));
  };
  const x = oneD(kx, 0).view(-1, 1, 1, kx);
  const y = oneD(ky, 1).view(-1, 1, ky, 1);
  return y.mul(x);
}

/** (x − mean) / std per channel, for float images; inplace writes into the input. */
export function normalize(img: Tensor, mean: number[], std: number[], inplace = false): Tensor {
  checkImage(img, 'normalize()');
  if (!isFloating(img)) throw new TypeError(`normalize(): expects a float image, got ${img.dtype}; convert it first (e.g. with ToDtype)`);
  const c = img.shape[img.ndim - 3];
  for (const [name, v] of [['mean', mean], ['std', std]] as const) {
    if (!Array.isArray(v) || !v.every(isNumber) || (v.length !== c && v.length !== 1)) {
      throw new TypeError(`normalize(): ${name} must be an array of ${c} numbers (one per channel), got ${describe(v)}`);
    }
  }
  if (std.some((s) => s === 0)) throw new RangeError(`normalize(): std must not be zero, got [${std.join(', ')}]`);
  return noGrad(() => tidy(() => {
    const options = { dtype: img.dtype, device: img.device } as const;
    const m = tensor(mean, options).view(-1, 1, 1);
    const s = tensor(std, options).view(-1, 1, 1);
    return inplace ? img.sub_(m).div_(s) : img.sub(m).div_(s);
  }));
}

/**
 * Converts between uint8 (0..255) and float images (0..1), as torchvision's convert_image_dtype (v2's to_dtype with
 * scale=True): float to uint8 multiplies by 255.999 and truncates, so that only 1.0 becomes 255.
 */
export function convertImageDtype(img: Tensor, dtype: 'uint8' | 'float32' | 'float64' | 'float16' | 'bfloat16' = 'float32'): Tensor {
  checkImage(img, 'convertImageDtype()');
  if (img.dtype === dtype) return img.clone();
  return noGrad(() => tidy(() => {
    if (dtype === 'uint8') {
      if (!isFloating(img)) throw new TypeError(`convertImageDtype(): converts uint8 and float images, got ${img.dtype}`);
      return img.mul(255.999).to('uint8');
    }
    if (img.dtype === 'uint8') return img.to(dtype).div_(255);
    if (isFloating(img)) return img.to(dtype);
    throw new TypeError(`convertImageDtype(): converts uint8 and float images, got ${img.dtype}`);
  }));
}
