// torchvision's photometric transforms: parameters drawn from currentRandom() per image of a batch, applied by the
// kernels in functional/color.ts and functional/histogram.ts.
import { currentRandom, type Random } from '../torch/random.js';
import { pyBool, pyFloat } from '../nn/repr.js';
import { checkBoolean, checkChoice, checkRange, withDefaults } from '../optim/options.js';
import { noGrad } from '../torch/autograd.js';
import { describe } from '../torch/check.js';
import { randn } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { applyByImage, RandomKernelTransform } from './containers.js';
import {
  adjustBrightness, adjustContrast, adjustHue, adjustSaturation, adjustSharpness, convertImageDtype, gaussianBlur, invert, isFloating,
  normalize, posterize, rgbToGrayscale, solarize,
} from './functional/color.js';
import { autocontrast, clahe, equalize, type ClaheOptions } from './functional/histogram.js';
import { imageCount } from './functional/per-image.js';
import { checkImage } from './image.js';
import { Transform } from './transform.js';

const pyTuple = (values: readonly number[]): string => `(${values.map(pyFloat).join(', ')})`;
const pyList = (values: readonly number[]): string => `[${values.map(pyFloat).join(', ')}]`;

/** A ColorJitter range: a number d gives [max(0, center − d), center + d]; a pair [min, max] is taken as is. */
function jitterRange(value: unknown, name: string, center: number, bound: [number, number], clipFirst: boolean): [number, number] | null {
  let range: [number, number];
  if (typeof value === 'number') {
    if (!(value >= 0)) throw new RangeError(`ColorJitter: ${name} as a single number must be non-negative, got ${value}`);
    range = [center - value, center + value];
    if (clipFirst) range[0] = Math.max(range[0], 0);
  } else if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    range = [value[0], value[1]];
  } else {
    throw new TypeError(`ColorJitter: ${name} must be a non-negative number or a pair [min, max], got ${describe(value)}`);
  }
  if (!(bound[0] <= range[0] && range[0] <= range[1] && range[1] <= bound[1])) {
    throw new RangeError(`ColorJitter: ${name} values must be in [${bound[0]}, ${bound[1]}] with min ≤ max, got [${range.join(', ')}]`);
  }
  // torchvision: a range that leaves the image unchanged is no jitter at all.
  return range[0] === center && range[1] === center ? null : range;
}

export interface ColorJitterOptions {
  brightness?: number | [number, number];
  contrast?: number | [number, number];
  saturation?: number | [number, number];
  /** Turns of the hue circle: h gives [-h, h]; within [-0.5, 0.5]. */
  hue?: number | [number, number];
}

/** torchvision's ColorJitter: brightness, contrast, saturation and hue factors drawn uniformly, applied in a random order. */
export class ColorJitter extends Transform {
  readonly brightness: [number, number] | null;
  readonly contrast: [number, number] | null;
  readonly saturation: [number, number] | null;
  readonly hue: [number, number] | null;
  constructor(options: ColorJitterOptions = {}) {
    super();
    const o = withDefaults(options, { brightness: 0, contrast: 0, saturation: 0, hue: 0 } as Required<ColorJitterOptions>, 'ColorJitter');
    this.brightness = jitterRange(o.brightness, 'brightness', 1, [0, Infinity], true);
    this.contrast = jitterRange(o.contrast, 'contrast', 1, [0, Infinity], true);
    this.saturation = jitterRange(o.saturation, 'saturation', 1, [0, Infinity], true);
    this.hue = jitterRange(o.hue, 'hue', 0, [-0.5, 0.5], false);
  }

  /** torchvision's get_params: the order of the four adjustments and each factor (null where that jitter is off). */
  static getParams(random: Random, brightness: [number, number] | null, contrast: [number, number] | null, saturation: [number, number] | null,
    hue: [number, number] | null): { order: number[]; factors: (number | null)[] } {
    const order = Array.from(random.permutation(4));
    const factors = [brightness, contrast, saturation, hue].map((r) => (r === null ? null : random.uniform(r[0], r[1])));
    return { order, factors };
  }

  forward(x: Tensor): Tensor {
    checkImage(x, 'ColorJitter');
    const random = currentRandom();
    const params = Array.from({ length: imageCount(x) }, () => ColorJitter.getParams(random, this.brightness, this.contrast, this.saturation, this.hue));
    const adjust = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue];
    // Images with the same order of the adjustments that are on go through together, each with its own factors.
    const orders = params.map((p) => p.order.filter((k) => p.factors[k] !== null));
    return applyByImage(x, orders, (order, images, indices) => tidy(() => {
      let out = images;
      for (const k of order) {
        const factors = indices.map((i) => params[i].factors[k] as number);
        out = adjust[k](out, x.ndim === 4 ? factors : factors[0]);
      }
      return out;
    }), 'ColorJitter');
  }
  workerSpec() {
    const or = (r: [number, number] | null, off: number) => r ?? [off, off];
    return { module: import.meta.url, name: 'ColorJitter', args: [{ brightness: or(this.brightness, 1), contrast: or(this.contrast, 1), saturation: or(this.saturation, 1), hue: or(this.hue, 0) }] };
  }
  toString(): string {
    const show = (r: [number, number] | null) => (r === null ? 'None' : pyTuple(r));
    return `ColorJitter(brightness=${show(this.brightness)}, contrast=${show(this.contrast)}, saturation=${show(this.saturation)}, hue=${show(this.hue)})`;
  }
}

/** torchvision's Grayscale: 1 or 3 output channels of 0.2989 R + 0.587 G + 0.114 B. */
export class Grayscale extends Transform {
  readonly numOutputChannels: 1 | 3;
  constructor(numOutputChannels: 1 | 3 = 1) {
    super();
    if (numOutputChannels !== 1 && numOutputChannels !== 3) throw new RangeError(`Grayscale: numOutputChannels must be 1 or 3, got ${describe(numOutputChannels)}`);
    this.numOutputChannels = numOutputChannels;
  }
  forward(x: Tensor): Tensor { return rgbToGrayscale(x, this.numOutputChannels); }
  workerSpec() { return { module: import.meta.url, name: 'Grayscale', args: [this.numOutputChannels] }; }
  toString(): string { return `Grayscale(num_output_channels=${this.numOutputChannels})`; }
}

/** torchvision's RandomGrayscale: grayscale with probability p, keeping the number of channels. */
export class RandomGrayscale extends RandomKernelTransform {
  constructor(p = 0.1) { super(p); }
  protected apply(images: Tensor): Tensor { return rgbToGrayscale(images, images.shape[images.ndim - 3] === 3 ? 3 : 1); }
  workerSpec() { return { module: import.meta.url, name: 'RandomGrayscale', args: [this.p] }; }
  toString(): string { return `RandomGrayscale(p=${pyFloat(this.p)})`; }
}

/** torchvision's GaussianBlur: sigma drawn uniformly from [min, max] per image (the same along x and y). */
export class GaussianBlur extends Transform {
  readonly kernelSize: [number, number];
  readonly sigma: [number, number];
  constructor(kernelSize: number | [number, number], sigma: number | [number, number] = [0.1, 2]) {
    super();
    const ks = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    if (!Array.isArray(ks) || ks.length !== 2 || !ks.every((k) => Number.isInteger(k) && k > 0 && k % 2 === 1)) {
      throw new RangeError(`GaussianBlur: kernelSize must be an odd positive integer or a pair of them, got ${describe(kernelSize)}`);
    }
    this.kernelSize = ks as [number, number];
    const s = typeof sigma === 'number' ? [sigma, sigma] : sigma;
    if (!Array.isArray(s) || s.length !== 2 || !(s[0] > 0) || !(s[0] <= s[1])) {
      throw new RangeError(`GaussianBlur: sigma must be a positive number or a pair [min, max] with 0 < min ≤ max, got ${describe(sigma)}`);
    }
    this.sigma = s as [number, number];
  }
  forward(x: Tensor): Tensor {
    checkImage(x, 'GaussianBlur');
    const random = currentRandom();
    const sigmas = Array.from({ length: imageCount(x) }, (): [number, number] => {
      const s = random.uniform(this.sigma[0], this.sigma[1]);
      return [s, s];
    });
    return gaussianBlur(x, this.kernelSize, x.ndim === 4 ? sigmas : sigmas[0]);
  }
  workerSpec() { return { module: import.meta.url, name: 'GaussianBlur', args: [this.kernelSize, this.sigma] }; }
  toString(): string { return `GaussianBlur(kernel_size=(${this.kernelSize.join(', ')}), sigma=${pyTuple(this.sigma)})`; }
}

export interface GaussianNoiseOptions {
  mean?: number;
  sigma?: number;
  /** Clamp the result to [0, 1]. */
  clip?: boolean;
}

/** torchvision v2's GaussianNoise: adds mean + sigma·N(0, 1) to every pixel of a float image, then clips to [0, 1]. */
export class GaussianNoise extends Transform {
  readonly mean: number;
  readonly sigma: number;
  readonly clip: boolean;
  constructor(options: GaussianNoiseOptions = {}) {
    super();
    const o = withDefaults(options, { mean: 0, sigma: 0.1, clip: true } as Required<GaussianNoiseOptions>, 'GaussianNoise');
    this.mean = checkRange(o.mean, 'mean', 'GaussianNoise', {});
    this.sigma = checkRange(o.sigma, 'sigma', 'GaussianNoise', { min: 0 });
    this.clip = checkBoolean(o.clip, 'clip', 'GaussianNoise');
  }
  forward(x: Tensor): Tensor {
    checkImage(x, 'GaussianNoise');
    if (!isFloating(x)) throw new TypeError(`GaussianNoise: expects a float image, got ${x.dtype}; convert it first with ToDtype('float32', { scale: true })`);
    const seed = currentRandom().seed();
    return noGrad(() => tidy(() => {
      const noise = randn(x.shape, { seed, dtype: x.dtype, device: x.device });
      const out = x.add(noise.mul(this.sigma).add(this.mean));
      return this.clip ? out.clamp(0, 1) : out;
    }));
  }
  workerSpec() { return { module: import.meta.url, name: 'GaussianNoise', args: [{ mean: this.mean, sigma: this.sigma, clip: this.clip }] }; }
  toString(): string { return `GaussianNoise(mean=${pyFloat(this.mean)}, sigma=${pyFloat(this.sigma)}, clip=${pyBool(this.clip)})`; }
}

/** torchvision's Normalize: (x − mean) / std per channel. */
export class Normalize extends Transform {
  readonly mean: number[];
  readonly std: number[];
  readonly inplace: boolean;
  constructor(mean: number[], std: number[], inplace = false) {
    super();
    for (const [name, v] of [['mean', mean], ['std', std]] as const) {
      if (!Array.isArray(v) || v.length === 0 || !v.every((n) => Number.isFinite(n))) throw new TypeError(`Normalize: ${name} must be an array of numbers (one per channel), got ${describe(v)}`);
    }
    if (std.some((s) => s === 0)) throw new RangeError(`Normalize: std must not be zero, got [${std.join(', ')}]`);
    this.mean = mean;
    this.std = std;
    this.inplace = checkBoolean(inplace, 'inplace', 'Normalize');
  }
  forward(x: Tensor): Tensor { return normalize(x, this.mean, this.std, this.inplace); }
  workerSpec() { return { module: import.meta.url, name: 'Normalize', args: [this.mean, this.std, this.inplace] }; }
  toString(): string { return `Normalize(mean=${pyList(this.mean)}, std=${pyList(this.std)})`; }
}

type ImageDType = 'uint8' | 'float32' | 'float64' | 'float16' | 'bfloat16';

/**
 * torchvision v2's ToDtype: converts the dtype; with scale (torchvision's default false), also the value range
 * (uint8 0..255 ↔ float 0..1, as convertImageDtype).
 */
export class ToDtype extends Transform {
  readonly dtype: ImageDType;
  readonly scale: boolean;
  constructor(dtype: ImageDType = 'float32', options: { scale?: boolean } = {}) {
    super();
    this.dtype = checkChoice(dtype, 'dtype', 'ToDtype', ['uint8', 'float32', 'float64', 'float16', 'bfloat16'] as const);
    this.scale = checkBoolean(withDefaults(options, { scale: false }, 'ToDtype').scale, 'scale', 'ToDtype');
  }
  forward(x: Tensor): Tensor {
    checkImage(x, 'ToDtype');
    return this.scale ? convertImageDtype(x, this.dtype) : x.to(this.dtype, { copy: true });
  }
  workerSpec() { return { module: import.meta.url, name: 'ToDtype', args: [this.dtype, { scale: this.scale }] }; }
  toString(): string { return `ToDtype(dtype=torch.${this.dtype}, scale=${pyBool(this.scale)})`; }
}

/** torchvision's RandomEqualize: histogram equalization with probability p. */
export class RandomEqualize extends RandomKernelTransform {
  constructor(p = 0.5) { super(p); }
  protected apply(images: Tensor): Tensor { return equalize(images); }
  workerSpec() { return { module: import.meta.url, name: 'RandomEqualize', args: [this.p] }; }
  toString(): string { return `RandomEqualize(p=${pyFloat(this.p)})`; }
}

/** torchvision's RandomAutocontrast: each channel stretched to the full range, with probability p. */
export class RandomAutocontrast extends RandomKernelTransform {
  constructor(p = 0.5) { super(p); }
  protected apply(images: Tensor): Tensor { return autocontrast(images); }
  workerSpec() { return { module: import.meta.url, name: 'RandomAutocontrast', args: [this.p] }; }
  toString(): string { return `RandomAutocontrast(p=${pyFloat(this.p)})`; }
}

/** torchvision's RandomInvert: inverted pixels with probability p. */
export class RandomInvert extends RandomKernelTransform {
  constructor(p = 0.5) { super(p); }
  protected apply(images: Tensor): Tensor { return invert(images); }
  workerSpec() { return { module: import.meta.url, name: 'RandomInvert', args: [this.p] }; }
  toString(): string { return `RandomInvert(p=${pyFloat(this.p)})`; }
}

/** torchvision's RandomPosterize: `bits` bits per channel kept, with probability p. */
export class RandomPosterize extends RandomKernelTransform {
  readonly bits: number;
  constructor(bits: number, p = 0.5) {
    super(p);
    if (!Number.isInteger(bits) || bits < 0 || bits > 8) throw new RangeError(`RandomPosterize: bits must be an integer from 0 to 8, got ${describe(bits)}`);
    this.bits = bits;
  }
  protected apply(images: Tensor): Tensor { return posterize(images, this.bits); }
  workerSpec() { return { module: import.meta.url, name: 'RandomPosterize', args: [this.bits, this.p] }; }
  toString(): string { return `RandomPosterize(bits=${this.bits},p=${pyFloat(this.p)})`; }
}

/** torchvision's RandomSolarize: pixels at or above `threshold` inverted, with probability p. */
export class RandomSolarize extends RandomKernelTransform {
  readonly threshold: number;
  constructor(threshold: number, p = 0.5) {
    super(p);
    this.threshold = checkRange(threshold, 'threshold', 'RandomSolarize', {});
  }
  protected apply(images: Tensor): Tensor { return solarize(images, this.threshold); }
  workerSpec() { return { module: import.meta.url, name: 'RandomSolarize', args: [this.threshold, this.p] }; }
  toString(): string { return `RandomSolarize(threshold=${this.threshold},p=${pyFloat(this.p)})`; }
}

/** torchvision's RandomAdjustSharpness: sharpness set to `sharpnessFactor`, with probability p. */
export class RandomAdjustSharpness extends RandomKernelTransform {
  readonly sharpnessFactor: number;
  constructor(sharpnessFactor: number, p = 0.5) {
    super(p);
    this.sharpnessFactor = checkRange(sharpnessFactor, 'sharpnessFactor', 'RandomAdjustSharpness', { min: 0 });
  }
  protected apply(images: Tensor): Tensor { return adjustSharpness(images, this.sharpnessFactor); }
  workerSpec() { return { module: import.meta.url, name: 'RandomAdjustSharpness', args: [this.sharpnessFactor, this.p] }; }
  toString(): string { return `RandomAdjustSharpness(sharpness_factor=${this.sharpnessFactor},p=${pyFloat(this.p)})`; }
}

export interface CLAHEOptions extends ClaheOptions {
  /** Probability per image (default 1: always). */
  p?: number;
}

/** Contrast-limited adaptive histogram equalization (OpenCV's CLAHE, see functional.clahe), with probability p. */
export class CLAHE extends RandomKernelTransform {
  readonly clipLimit: number;
  readonly tileGridSize: [number, number];
  constructor(options: CLAHEOptions = {}) {
    const o = withDefaults(options, { clipLimit: 2, tileGridSize: [8, 8], p: 1 } as Required<CLAHEOptions>, 'CLAHE');
    super(o.p);
    this.clipLimit = checkRange(o.clipLimit, 'clipLimit', 'CLAHE', {});
    const grid = o.tileGridSize;
    if (!Array.isArray(grid) || grid.length !== 2 || !grid.every((t) => Number.isInteger(t) && t > 0)) {
      throw new RangeError(`CLAHE: tileGridSize must be a pair [rows, columns] of positive integers, got ${describe(grid)}`);
    }
    this.tileGridSize = grid;
  }
  protected apply(images: Tensor): Tensor { return clahe(images, { clipLimit: this.clipLimit, tileGridSize: this.tileGridSize }); }
  workerSpec() { return { module: import.meta.url, name: 'CLAHE', args: [{ clipLimit: this.clipLimit, tileGridSize: this.tileGridSize, p: this.p }] }; }
  toString(): string { return `CLAHE(clip_limit=${pyFloat(this.clipLimit)}, tile_grid_size=(${this.tileGridSize.join(', ')}), p=${pyFloat(this.p)})`; }
}
