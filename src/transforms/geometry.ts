// torchvision's geometric transforms: each draws its parameters from currentRandom() (one set per image of a batch)
// and calls the kernel in functional/geometry.ts.
import { currentRandom, type Random } from '../torch/random.js';
import { checkBoolean, checkChoice, checkFill, checkRange, checkRangePair, roundHalfEven, withDefaults } from '../util/checks.js';
import { describe } from '../torch/check.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { RandomKernelTransform } from './containers.js';
import {
  affine, centerCrop, crop, hflip, pad, parsePadding, resize, resizedCrop, rotate, vflip,
  type Fill, type GridInterpolation, type Interpolation, type PaddingMode,
} from './functional/geometry.js';
import { imageCount } from './functional/per-image.js';
import { checkImage } from './image.js';
import { defineTransform, show } from './schema.js';
import { Transform } from './transform.js';

type Size = number | [number, number];

function checkSize(size: unknown, where: string): Size {
  const ok = (s: unknown) => Number.isInteger(s) && (s as number) > 0;
  if (ok(size) || (Array.isArray(size) && size.length === 2 && size.every(ok))) return size as Size;
  throw new TypeError(`${where}: size must be a positive integer or a pair [height, width] of them, got ${describe(size)}`);
}
const sizePair = (size: Size): [number, number] => (typeof size === 'number' ? [size, size] : size);

/** torchvision's RandomHorizontalFlip: mirrors left to right with probability p. */
export class RandomHorizontalFlip extends RandomKernelTransform {
  constructor(p = 0.5) { super(p); }
  protected apply(images: Tensor): Tensor { return hflip(images); }
}

/** torchvision's RandomVerticalFlip: mirrors top to bottom with probability p. */
export class RandomVerticalFlip extends RandomKernelTransform {
  constructor(p = 0.5) { super(p); }
  protected apply(images: Tensor): Tensor { return vflip(images); }
}

export interface ResizeOptions {
  interpolation?: Interpolation;
  maxSize?: number;
  /** Low-pass filter when shrinking (bilinear, bicubic); default true (torchvision ≥ 0.17's default, PIL's behaviour). */
  antialias?: boolean;
}

/** torchvision's Resize: to [height, width], or the smaller edge to `size` keeping the aspect ratio. */
export class Resize extends Transform {
  readonly size: Size;
  readonly interpolation: Interpolation;
  readonly maxSize: number | undefined;
  readonly antialias: boolean;
  constructor(size: Size, options: ResizeOptions = {}) {
    super();
    const where_ = 'Resize';
    this.size = checkSize(size, where_);
    const o = withDefaults(options, { interpolation: 'bilinear', maxSize: undefined, antialias: true } as ResizeOptions, where_);
    this.interpolation = checkChoice(o.interpolation, 'interpolation', where_, ['nearest', 'bilinear', 'bicubic'] as const);
    this.maxSize = o.maxSize === undefined ? undefined : checkRange(o.maxSize, 'maxSize', where_, { min: 1 });
    this.antialias = checkBoolean(o.antialias, 'antialias', where_);
  }
  forward(x: Tensor): Tensor {
    return resize(x, this.size, { interpolation: this.interpolation, maxSize: this.maxSize, antialias: this.antialias });
  }
}

/** torchvision's CenterCrop: the central box of `size` (zero-padded when the image is smaller). */
export class CenterCrop extends Transform {
  readonly size: [number, number];
  constructor(size: Size) {
    super();
    this.size = sizePair(checkSize(size, 'CenterCrop'));
  }
  forward(x: Tensor): Tensor { return centerCrop(x, this.size); }
}

export interface PadOptions {
  fill?: number;
  paddingMode?: PaddingMode;
}

/** torchvision's Pad: padding is one integer, [left/right, top/bottom] or [left, top, right, bottom]. */
export class Pad extends Transform {
  readonly padding: number | number[];
  readonly fill: number;
  readonly paddingMode: PaddingMode;
  constructor(padding: number | number[], options: PadOptions = {}) {
    super();
    const o = withDefaults(options, { fill: 0, paddingMode: 'constant' } as Required<PadOptions>, 'Pad');
    parsePadding(padding, 'Pad');
    this.padding = padding;
    this.fill = checkRange(o.fill, 'fill', 'Pad', {});
    this.paddingMode = checkChoice(o.paddingMode, 'paddingMode', 'Pad', ['constant', 'edge', 'reflect', 'symmetric'] as const);
  }
  forward(x: Tensor): Tensor { return pad(x, this.padding, { fill: this.fill, paddingMode: this.paddingMode }); }
}

export interface RandomCropOptions {
  /** Padding before cropping, as Pad's. */
  padding?: number | number[];
  /** Pad images smaller than `size` up to it. */
  padIfNeeded?: boolean;
  fill?: number;
  paddingMode?: PaddingMode;
}

/** torchvision's RandomCrop: a box of `size` at a uniformly drawn position (per image), after optional padding. */
export class RandomCrop extends Transform {
  readonly size: [number, number];
  readonly padding: number | number[] | undefined;
  readonly padIfNeeded: boolean;
  readonly fill: number;
  readonly paddingMode: PaddingMode;
  constructor(size: Size, options: RandomCropOptions = {}) {
    super();
    const where_ = 'RandomCrop';
    this.size = sizePair(checkSize(size, where_));
    const o = withDefaults(options, { padding: undefined, padIfNeeded: false, fill: 0, paddingMode: 'constant' } as RandomCropOptions, where_);
    if (o.padding !== undefined) parsePadding(o.padding, where_);
    this.padding = o.padding;
    this.padIfNeeded = checkBoolean(o.padIfNeeded, 'padIfNeeded', where_);
    this.fill = checkRange(o.fill, 'fill', where_, {});
    this.paddingMode = checkChoice(o.paddingMode, 'paddingMode', where_, ['constant', 'edge', 'reflect', 'symmetric'] as const);
  }

  /** torchvision's get_params: the top-left corner of a th×tw box in an h×w image. */
  static getParams(random: Random, height: number, width: number, [th, tw]: [number, number]): [number, number] {
    if (height < th || width < tw) throw new RangeError(`RandomCrop: the crop size [${th}, ${tw}] is larger than the image size [${height}, ${width}]; set padIfNeeded or crop smaller`);
    return [random.integer(0, height - th), random.integer(0, width - tw)];
  }

  forward(x: Tensor): Tensor {
    checkImage(x, 'RandomCrop');
    const random = currentRandom();
    return tidy(() => {
      const options = { fill: this.fill, paddingMode: this.paddingMode };
      let img = this.padding === undefined ? x : pad(x, this.padding, options);
      const [th, tw] = this.size;
      let [h, w] = img.shape.slice(-2);
      if (this.padIfNeeded && w < tw) img = pad(img, [tw - w, 0], options);
      if (this.padIfNeeded && h < th) img = pad(img, [0, th - h], options);
      [h, w] = img.shape.slice(-2);
      const corners = Array.from({ length: imageCount(img) }, () => RandomCrop.getParams(random, h, w, this.size));
      const tops = corners.map(([t]) => t);
      const lefts = corners.map(([, l]) => l);
      return x.ndim === 4 ? crop(img, tops, lefts, th, tw) : crop(img, tops[0], lefts[0], th, tw);
    });
  }
}

export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image's. */
  scale?: [number, number];
  /** Range of the crop's aspect ratio (width/height), drawn log-uniformly. */
  ratio?: [number, number];
  interpolation?: Interpolation;
  antialias?: boolean;
}

/**
 * torchvision's RandomResizedCrop (Inception's crop): a box of random area (scale of the image) and aspect ratio
 * (ratio, log-uniform), resized to `size`; after 10 boxes that do not fit, the central crop of the nearest ratio.
 */
export class RandomResizedCrop extends Transform {
  readonly size: [number, number];
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly interpolation: Interpolation;
  readonly antialias: boolean;
  constructor(size: Size, options: RandomResizedCropOptions = {}) {
    super();
    const where_ = 'RandomResizedCrop';
    this.size = sizePair(checkSize(size, where_));
    const o = withDefaults(options, { scale: [0.08, 1], ratio: [3 / 4, 4 / 3], interpolation: 'bilinear', antialias: true } as Required<RandomResizedCropOptions>, where_);
    this.scale = checkRangePair(o.scale, 'scale', where_, { min: 0 });
    this.ratio = checkRangePair(o.ratio, 'ratio', where_, { min: Number.MIN_VALUE });
    this.interpolation = checkChoice(o.interpolation, 'interpolation', where_, ['nearest', 'bilinear', 'bicubic'] as const);
    this.antialias = checkBoolean(o.antialias, 'antialias', where_);
  }

  /** torchvision's get_params: the box [top, left, height, width] for an image of height×width. */
  static getParams(random: Random, height: number, width: number, scale: [number, number], ratio: [number, number]): [number, number, number, number] {
    const area = height * width;
    const [logLow, logHigh] = [Math.log(ratio[0]), Math.log(ratio[1])];
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = area * random.uniform(scale[0], scale[1]);
      const aspect = Math.exp(random.uniform(logLow, logHigh));
      const w = roundHalfEven(Math.sqrt(targetArea * aspect));
      const h = roundHalfEven(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) return [random.integer(0, height - h), random.integer(0, width - w), h, w];
    }
    const inRatio = width / height;
    let [w, h] = [width, height];
    if (inRatio < Math.min(...ratio)) h = roundHalfEven(w / Math.min(...ratio));
    else if (inRatio > Math.max(...ratio)) w = roundHalfEven(h * Math.max(...ratio));
    return [(height - h) >> 1, (width - w) >> 1, h, w];
  }

  forward(x: Tensor): Tensor {
    checkImage(x, 'RandomResizedCrop');
    const random = currentRandom();
    const [height, width] = x.shape.slice(-2);
    const boxes = Array.from({ length: imageCount(x) }, () => RandomResizedCrop.getParams(random, height, width, this.scale, this.ratio));
    const options = { interpolation: this.interpolation, antialias: this.antialias };
    if (x.ndim === 3) return resizedCrop(x, ...boxes[0], this.size, options);
    const column = (k: number) => boxes.map((box) => box[k]);
    return resizedCrop(x, column(0), column(1), column(2), column(3), this.size, options);
  }
}

export interface RandomRotationOptions {
  interpolation?: GridInterpolation;
  expand?: boolean;
  center?: [number, number];
  fill?: Fill;
}

/** torchvision's RandomRotation: an angle drawn uniformly from degrees ([-d, d] for a number), per image. */
export class RandomRotation extends Transform {
  readonly degrees: [number, number];
  readonly interpolation: GridInterpolation;
  readonly expand: boolean;
  readonly center: [number, number] | undefined;
  readonly fill: Fill;
  constructor(degrees: number | [number, number], options: RandomRotationOptions = {}) {
    super();
    const where_ = 'RandomRotation';
    this.degrees = checkRangePair(degrees, 'degrees', where_, { symmetric: true });
    const o = withDefaults(options, { interpolation: 'nearest', expand: false, center: undefined, fill: 0 } as RandomRotationOptions, where_);
    this.interpolation = checkChoice(o.interpolation, 'interpolation', where_, ['nearest', 'bilinear'] as const);
    this.expand = checkBoolean(o.expand, 'expand', where_);
    this.center = o.center;
    this.fill = checkFill(o.fill!, 'fill', where_);
  }
  forward(x: Tensor): Tensor {
    checkImage(x, 'RandomRotation');
    const random = currentRandom();
    const angles = Array.from({ length: imageCount(x) }, () => random.uniform(this.degrees[0], this.degrees[1]));
    const options = { interpolation: this.interpolation, expand: this.expand, center: this.center, fill: this.fill };
    return rotate(x, x.ndim === 4 ? angles : angles[0], options);
  }
}

export interface RandomAffineOptions {
  /** Largest shift as fractions [x, y] of the width and height; the shift in pixels is drawn in ±fraction·size and rounded. */
  translate?: [number, number];
  /** Zoom range [min, max]. */
  scale?: [number, number];
  /** Shear in degrees: d (x in [-d, d]), [xmin, xmax], or [xmin, xmax, ymin, ymax]. */
  shear?: number | [number, number] | [number, number, number, number];
  interpolation?: GridInterpolation;
  fill?: Fill;
  center?: [number, number];
}

/** torchvision's RandomAffine: rotation, translation, zoom and shear drawn per image, applied by one grid sample. */
export class RandomAffine extends Transform {
  readonly degrees: [number, number];
  readonly translate: [number, number] | undefined;
  readonly scale: [number, number] | undefined;
  readonly shear: number[] | undefined;
  readonly interpolation: GridInterpolation;
  readonly fill: Fill;
  readonly center: [number, number] | undefined;
  constructor(degrees: number | [number, number], options: RandomAffineOptions = {}) {
    super();
    const where_ = 'RandomAffine';
    this.degrees = checkRangePair(degrees, 'degrees', where_, { symmetric: true });
    const o = withDefaults(options, { translate: undefined, scale: undefined, shear: undefined, interpolation: 'nearest', fill: 0, center: undefined } as RandomAffineOptions, where_);
    if (o.translate !== undefined) {
      if (!Array.isArray(o.translate) || o.translate.length !== 2) throw new TypeError(`${where_}: translate must be a pair [x, y] of fractions, got ${describe(o.translate)}`);
      this.translate = o.translate.map((t) => checkRange(t, 'translate', where_, { min: 0, max: 1 })) as [number, number];
    }
    if (o.scale !== undefined) {
      this.scale = checkRangePair(o.scale, 'scale', where_, { min: Number.MIN_VALUE });
    }
    if (o.shear !== undefined) {
      if (Array.isArray(o.shear) && o.shear.length === 4) {
        this.shear = [...checkRangePair(o.shear.slice(0, 2), 'shear', where_, { symmetric: true }), ...checkRangePair(o.shear.slice(2), 'shear', where_, { symmetric: true })];
      } else this.shear = checkRangePair(o.shear, 'shear', where_, { symmetric: true });
    }
    this.interpolation = checkChoice(o.interpolation, 'interpolation', where_, ['nearest', 'bilinear'] as const);
    this.fill = checkFill(o.fill!, 'fill', where_);
    this.center = o.center;
  }

  /** torchvision's get_params: angle, translation in pixels, scale and shear [x, y] for an image of width×height. */
  static getParams(random: Random, degrees: [number, number], translate: [number, number] | undefined, scale: [number, number] | undefined,
    shear: number[] | undefined, width: number, height: number): { angle: number; translate: [number, number]; scale: number; shear: [number, number] } {
    const angle = random.uniform(degrees[0], degrees[1]);
    let shift: [number, number] = [0, 0];
    if (translate) {
      const [maxDx, maxDy] = [translate[0] * width, translate[1] * height];
      shift = [roundHalfEven(random.uniform(-maxDx, maxDx)), roundHalfEven(random.uniform(-maxDy, maxDy))];
    }
    const zoom = scale ? random.uniform(scale[0], scale[1]) : 1;
    const shears: [number, number] = [shear ? random.uniform(shear[0], shear[1]) : 0, shear?.length === 4 ? random.uniform(shear[2], shear[3]) : 0];
    return { angle, translate: shift, scale: zoom, shear: shears };
  }

  forward(x: Tensor): Tensor {
    checkImage(x, 'RandomAffine');
    const random = currentRandom();
    const [height, width] = x.shape.slice(-2);
    const params = Array.from({ length: imageCount(x) }, () => RandomAffine.getParams(random, this.degrees, this.translate, this.scale, this.shear, width, height));
    const pick = <K extends keyof (typeof params)[0]>(key: K) => (x.ndim === 4 ? params.map((p) => p[key]) : params[0][key]);
    return affine(x, {
      angle: pick('angle') as number | number[], translate: pick('translate') as [number, number], scale: pick('scale') as number | number[],
      shear: pick('shear') as [number, number], interpolation: this.interpolation, fill: this.fill, center: this.center,
    });
  }
}

const p = { p: { kind: 'number' } } as const;
defineTransform(RandomHorizontalFlip, { module: import.meta.url, recipe: { name: 'hflip', shorthand: ['p'] }, positional: ['p'], options: p });
defineTransform(RandomVerticalFlip, { module: import.meta.url, recipe: { name: 'vflip', shorthand: ['p'] }, positional: ['p'], options: p });
defineTransform(Resize, {
  module: import.meta.url, positional: ['size'],
  options: { size: { kind: 'size', show: show.size }, interpolation: { kind: 'string' }, maxSize: { kind: 'integer', show: (v?: number) => String(v ?? 'None') }, antialias: { kind: 'boolean' } },
});
defineTransform(CenterCrop, { module: import.meta.url, positional: ['size'], options: { size: { kind: 'size', show: show.size } } });
const padding = (v: number | number[]) => (typeof v === 'number' ? String(v) : show.list(v));
defineTransform(Pad, {
  module: import.meta.url, positional: ['padding'],
  options: { padding: { kind: 'numbers', show: padding }, fill: { kind: 'number', show: String }, paddingMode: { kind: 'string' } },
});
defineTransform(RandomCrop, {
  module: import.meta.url, recipe: { name: 'randomCrop', shorthand: ['size'] }, positional: ['size'],
  options: {
    size: { kind: 'size', show: show.size }, padding: { kind: 'numbers', show: (v?: number | number[]) => (v === undefined ? 'None' : padding(v)) },
    padIfNeeded: { kind: 'boolean', show: false }, fill: { kind: 'number', show: false }, paddingMode: { kind: 'string', show: false },
  },
});
const round4 = (values: number[]) => show.floatTuple(values.map((v) => Math.round(v * 1e4) / 1e4));
defineTransform(RandomResizedCrop, {
  module: import.meta.url, recipe: { name: 'randomResizedCrop', shorthand: ['size'] }, positional: ['size'],
  options: {
    size: { kind: 'size', show: show.size }, scale: { kind: 'range', show: round4 }, ratio: { kind: 'range', show: round4 },
    interpolation: { kind: 'string' }, antialias: { kind: 'boolean' },
  },
});
const center = { show: (v?: number[]) => (v ? show.list(v) : undefined) };
const fill = { kind: 'numbers', show: show.fill } as const;
defineTransform(RandomRotation, {
  module: import.meta.url, recipe: { name: 'rotate', shorthand: ['degrees'] }, positional: ['degrees'],
  options: { degrees: { kind: 'range', show: show.floatList }, expand: { kind: 'boolean' }, interpolation: { kind: 'string' }, fill, center },
  printOrder: ['degrees', 'interpolation', 'expand', 'center', 'fill'],
});
/** RandomAffine prints only what differs from no change, as torchvision. */
const ifSet = (print: (v: number[]) => string) => (v?: number[]) => (v ? print(v) : undefined);
defineTransform(RandomAffine, {
  module: import.meta.url, recipe: { name: 'affine', shorthand: ['degrees'], aliases: { rotate: 'degrees' }, defaults: { degrees: 0 } }, positional: ['degrees'],
  options: {
    degrees: { kind: 'range', show: show.floatList }, translate: { kind: 'pair', show: ifSet(show.floatTuple) }, scale: { kind: 'range', show: ifSet(show.floatTuple) },
    shear: { kind: 'range', show: ifSet(show.floatList) }, interpolation: { kind: 'string', show: (v: string) => (v === 'nearest' ? undefined : v) },
    fill: { kind: 'numbers', show: (v: Fill) => (v === 0 ? undefined : show.fill(v)) }, center,
  },
});
