// torchvision's photometric transforms: parameters drawn from currentRandom() per image of a batch, applied by the
// kernels in functional/color.ts and functional/histogram.ts.
import { currentRandom, type Random } from '../torch/random.js';
import { checkBoolean, checkChoice, checkRange, withDefaults } from '../util/checks.js';
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
import { defineTransform, show } from './schema.js';
import { Transform } from './transform.js';

/** A ColorJitter range: a number d gives [max(0, center − d), center + d]; a pair [min, max] is taken as is; null is no jitter. */
function jitterRange(value: unknown, name: string, center: number, bound: [number, number], clipFirst: boolean): [number, number] | null {
  if (value === null) return null;
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
  brightness?: number | [number, number] | null;
  contrast?: number | [number, number] | null;
  saturation?: number | [number, number] | null;
  /** Turns of the hue circle: h gives [-h, h]; within [-0.5, 0.5]. */
  hue?: number | [number, number] | null;
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
}

/** torchvision's RandomGrayscale: grayscale with probability p, keeping the number of channels. */
export class RandomGrayscale extends RandomKernelTransform {
  constructor(p = 0.1) { super(p); }
  protected apply(images: Tensor): Tensor { return rgbToGrayscale(images, images.shape[images.ndim - 3] === 3 ? 3 : 1); }
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
}

/** torchvision's RandomEqualize: histogram equalization with probability p. */
export class RandomEqualize extends RandomKernelTransform {
  constructor(p = 0.5) { super(p); }
  protected apply(images: Tensor): Tensor { return equalize(images); }
}

/** torchvision's RandomAutocontrast: each channel stretched to the full range, with probability p. */
export class RandomAutocontrast extends RandomKernelTransform {
  constructor(p = 0.5) { super(p); }
  protected apply(images: Tensor): Tensor { return autocontrast(images); }
}

/** torchvision's RandomInvert: inverted pixels with probability p. */
export class RandomInvert extends RandomKernelTransform {
  constructor(p = 0.5) { super(p); }
  protected apply(images: Tensor): Tensor { return invert(images); }
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
}

/** torchvision's RandomSolarize: pixels at or above `threshold` inverted, with probability p. */
export class RandomSolarize extends RandomKernelTransform {
  readonly threshold: number;
  constructor(threshold: number, p = 0.5) {
    super(p);
    this.threshold = checkRange(threshold, 'threshold', 'RandomSolarize', {});
  }
  protected apply(images: Tensor): Tensor { return solarize(images, this.threshold); }
}

/** torchvision's RandomAdjustSharpness: sharpness set to `sharpnessFactor`, with probability p. */
export class RandomAdjustSharpness extends RandomKernelTransform {
  readonly sharpnessFactor: number;
  constructor(sharpnessFactor: number, p = 0.5) {
    super(p);
    this.sharpnessFactor = checkRange(sharpnessFactor, 'sharpnessFactor', 'RandomAdjustSharpness', { min: 0 });
  }
  protected apply(images: Tensor): Tensor { return adjustSharpness(images, this.sharpnessFactor); }
}

export interface CLAHEOptions extends Omit<ClaheOptions, 'tileGridSize'> {
  /** Rows and columns of tiles; one number n is n×n. */
  tileGridSize?: number | [number, number];
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
    const grid = typeof o.tileGridSize === 'number' ? [o.tileGridSize, o.tileGridSize] : o.tileGridSize;
    if (!Array.isArray(grid) || grid.length !== 2 || !grid.every((t) => Number.isInteger(t) && t > 0)) {
      throw new RangeError(`CLAHE: tileGridSize must be a pair [rows, columns] of positive integers, got ${describe(grid)}`);
    }
    this.tileGridSize = grid as [number, number];
  }
  protected apply(images: Tensor): Tensor { return clahe(images, { clipLimit: this.clipLimit, tileGridSize: this.tileGridSize }); }
}

const p = { p: { kind: 'number' } } as const;
const jitter = { kind: 'range', show: (r: [number, number] | null) => (r === null ? 'None' : show.floatTuple(r)) } as const;
defineTransform(ColorJitter, { module: import.meta.url, recipe: { name: 'colorJitter', shorthand: ['brightness', 'contrast', 'saturation', 'hue'] }, options: { brightness: jitter, contrast: jitter, saturation: jitter, hue: jitter } });
defineTransform(Grayscale, { module: import.meta.url, positional: ['numOutputChannels'], options: { numOutputChannels: { kind: 'integer' } } });
defineTransform(RandomGrayscale, { module: import.meta.url, recipe: { name: 'grayscale', shorthand: ['p'] }, positional: ['p'], options: p });
defineTransform(GaussianBlur, {
  module: import.meta.url, recipe: { name: 'gaussianBlur', shorthand: ['kernelSize'], defaults: { kernelSize: 3 } }, positional: ['kernelSize', 'sigma'], options: { kernelSize: { kind: 'size', show: show.tuple }, sigma: { kind: 'range', show: show.floatTuple } },
});
defineTransform(GaussianNoise, {
  module: import.meta.url, recipe: { name: 'gaussianNoise', shorthand: ['sigma'] }, options: { sigma: { kind: 'number' }, mean: { kind: 'number' }, clip: { kind: 'boolean' } }, printOrder: ['mean', 'sigma', 'clip'],
});
defineTransform(Normalize, {
  module: import.meta.url, positional: ['mean', 'std', 'inplace'],
  options: { mean: { kind: 'numbers', show: show.floatList }, std: { kind: 'numbers', show: show.floatList }, inplace: { kind: 'boolean', show: false } },
});
defineTransform(ToDtype, { module: import.meta.url, positional: ['dtype'], options: { dtype: { kind: 'string', show: (v: string) => `torch.${v}` }, scale: { kind: 'boolean' } } });
defineTransform(RandomEqualize, { module: import.meta.url, recipe: { name: 'equalize', shorthand: ['p'] }, positional: ['p'], options: p });
defineTransform(RandomAutocontrast, { module: import.meta.url, recipe: { name: 'autocontrast', shorthand: ['p'] }, positional: ['p'], options: p });
defineTransform(RandomInvert, { module: import.meta.url, positional: ['p'], options: p });
// torchvision prints these three without a space after the comma.
defineTransform(RandomPosterize, { module: import.meta.url, positional: ['bits', 'p'], options: { bits: { kind: 'integer' }, ...p }, separator: ',' });
defineTransform(RandomSolarize, { module: import.meta.url, positional: ['threshold', 'p'], options: { threshold: { kind: 'number', show: String }, ...p }, separator: ',' });
defineTransform(RandomAdjustSharpness, {
  module: import.meta.url, positional: ['sharpnessFactor', 'p'], options: { sharpnessFactor: { kind: 'number', show: String }, ...p }, separator: ',',
});
defineTransform(CLAHE, { module: import.meta.url, recipe: { name: 'clahe', shorthand: ['clipLimit'] }, options: { clipLimit: { kind: 'number' }, tileGridSize: { kind: 'size', show: show.tuple }, ...p } });
