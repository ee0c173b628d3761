// The erasing family: random boxes, holes, grid patches and grid masks overwritten with a fill value.
import { currentEpoch, currentRandom, type Random } from '../torch/random.js';
import { checkBoolean, checkFill, checkRange, checkRangePair, roundHalfEven, withDefaults } from '../util/checks.js';
import { noGrad } from '../torch/autograd.js';
import { checkInt, describe } from '../torch/check.js';
import { arange, randn, tensor } from '../torch/creation.js';
import { where } from '../torch/functions.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { boxMask, erase, fillTensor } from './functional/erasing.js';
import { checkImage } from './image.js';
import { defineTransform, show } from './schema.js';
import { Transform } from './transform.js';

type Box = [number, number, number, number];
type Fill = number | number[];

/** Each image of x (a C×H×W image is its own only image) as views; the caller disposes them when x has a batch dim. */
const imagesOf = (x: Tensor): Tensor[] => (x.ndim === 4 ? x.unbind(0) : [x]);

/** x with the pixels where mask (N×1×H×W, one row per image) is true replaced by fill. */
function fillMasked(x: Tensor, mask: Tensor, fill: Fill, where_: string): Tensor {
  return noGrad(() => tidy(() => {
    const value = fillTensor(fill, x, where_);
    return where(x.ndim === 4 ? mask : mask.squeeze(0), value, x);
  }));
}

/** Fills, in each image of x, the boxes [top, left, bottom, right] that `draw` picks for it (one call per image). */
function fillDrawnBoxes(x: Tensor, fill: Fill, where_: string, draw: (random: Random, height: number, width: number) => Box[]): Tensor {
  checkImage(x, where_);
  const random = currentRandom();
  const [height, width] = x.shape.slice(-2);
  const boxes = Array.from({ length: x.ndim === 4 ? x.shape[0] : 1 }, () => draw(random, height, width));
  return tidy(() => fillMasked(x, boxMask(boxes, height, width, x.device), fill, where_));
}

export interface RandomErasingOptions {
  /** Probability that an image is erased. */
  p?: number;
  /** Range of the erased area as a fraction of the image. */
  scale?: [number, number];
  /** Range of the box's aspect ratio (height/width), drawn log-uniformly. */
  ratio?: [number, number];
  /** The fill: a number, one number per channel, or 'random' for standard normal noise. */
  value?: Fill | 'random';
  /** Write into the input instead of a copy. */
  inplace?: boolean;
}

/**
 * torchvision's RandomErasing (Zhong et al.): with probability p, one box of area scale·H·W and aspect ratio `ratio`
 * is filled with `value`; after 10 boxes that do not fit, the image is left unchanged.
 */
export class RandomErasing extends Transform {
  readonly p: number;
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly value: Fill | 'random';
  readonly inplace: boolean;

  constructor(options: RandomErasingOptions = {}) {
    super();
    const where = 'RandomErasing';
    const o = withDefaults(options, { p: 0.5, scale: [0.02, 0.33], ratio: [0.3, 3.3], value: 0, inplace: false } as Required<RandomErasingOptions>, where);
    this.p = checkRange(o.p, 'p', where, { min: 0, max: 1 });
    this.scale = checkRangePair(o.scale, 'scale', where, { min: 0, max: 1 });
    this.ratio = checkRangePair(o.ratio, 'ratio', where, { min: Number.MIN_VALUE });
    this.value = o.value === 'random' ? 'random' : checkFill(o.value, 'value', where) as Fill;
    this.inplace = checkBoolean(o.inplace, 'inplace', where);
  }

  /** torchvision's get_params: the box (i, j, h, w), or null when 10 tries found none that fits. */
  static getParams(random: Random, height: number, width: number, scale: [number, number], ratio: [number, number]): Box | null {
    const area = height * width;
    const [logLow, logHigh] = [Math.log(ratio[0]), Math.log(ratio[1])];
    for (let attempt = 0; attempt < 10; attempt++) {
      const eraseArea = area * random.uniform(scale[0], scale[1]);
      const aspect = Math.exp(random.uniform(logLow, logHigh));
      const h = roundHalfEven(Math.sqrt(eraseArea * aspect));
      const w = roundHalfEven(Math.sqrt(eraseArea / aspect));
      if (!(h < height && w < width)) continue;
      return [random.integer(0, height - h), random.integer(0, width - w), h, w];
    }
    return null;
  }

  forward(x: Tensor): Tensor {
    checkImage(x, 'RandomErasing');
    const random = currentRandom();
    const [channels, height, width] = x.shape.slice(-3);
    const out = this.inplace ? x : x.clone();
    const fill = this.value === 'random' ? null : fillTensor(this.value, x, 'RandomErasing');
    const images = imagesOf(out);
    for (const image of images) {
      if (!random.bernoulli(this.p)) continue;
      const box = RandomErasing.getParams(random, height, width, this.scale, this.ratio);
      if (box === null) continue;
      const [i, j, h, w] = box;
      const noise = fill ? null : randn([channels, h, w], { seed: random.seed() });
      erase(image, i, j, h, w, fill ?? noise!, true);
      noise?.dispose();
    }
    if (out.ndim === 4) images.forEach((image) => image.dispose());
    fill?.dispose();
    return out;
  }


}

export interface CutoutOptions {
  /** Holes per image. */
  nHoles?: number;
  /** Side of each square hole in pixels. */
  length?: number;
  /** Probability that an image gets its holes. */
  p?: number;
  /** The fill: a number or one number per channel. */
  fill?: Fill;
}

/**
 * Cutout (DeVries & Taylor, 2017): nHoles squares of side `length`, each centred on a pixel drawn uniformly from the
 * whole image and clipped at its borders (so holes near an edge are smaller), filled with `fill`.
 */
export class Cutout extends Transform {
  readonly nHoles: number;
  readonly length: number;
  readonly p: number;
  readonly fill: Fill;

  constructor(options: CutoutOptions = {}) {
    super();
    const where = 'Cutout';
    const o = withDefaults(options, { nHoles: 1, length: 16, p: 1, fill: 0 } as Required<CutoutOptions>, where);
    this.nHoles = checkInt(o.nHoles, 'nHoles', where, 1);
    this.length = checkInt(o.length, 'length', where, 1);
    this.p = checkRange(o.p, 'p', where, { min: 0, max: 1 });
    this.fill = checkFill(o.fill, 'fill', where) as Fill;
  }

  /** The holes of one image as [top, left, bottom, right), clipped to the image. */
  static getParams(random: Random, height: number, width: number, nHoles: number, length: number): Box[] {
    const boxes: Box[] = [];
    const half = Math.floor(length / 2);
    for (let k = 0; k < nHoles; k++) {
      const y = random.integer(0, height - 1) - half;
      const x = random.integer(0, width - 1) - half;
      boxes.push([Math.max(0, y), Math.max(0, x), Math.min(height, y + length), Math.min(width, x + length)]);
    }
    return boxes;
  }

  forward(x: Tensor): Tensor {
    return fillDrawnBoxes(x, this.fill, 'Cutout', (random, height, width) =>
      random.bernoulli(this.p) ? Cutout.getParams(random, height, width, this.nHoles, this.length) : []);
  }


}

export interface HideAndSeekOptions {
  /** Patch sides to choose from, in pixels of a `referenceSize` image; 0 means no hiding. */
  gridSizes?: number[];
  /** Probability that each patch is hidden. */
  hideProb?: number;
  /** The image side that gridSizes are given for: sides scale by H/referenceSize and W/referenceSize. */
  referenceSize?: number;
  /** The fill: the data set's mean (a number or one per channel); 0 is that mean after a centring FeaturewiseStandardization. */
  fill?: Fill;
}

/**
 * Hide-and-Seek (Singh & Lee, 2017): the image is cut into a grid of patches of one side drawn from gridSizes (scaled to
 * the image), and each patch is hidden (filled with the data set's mean) with probability hideProb.
 */
export class HideAndSeek extends Transform {
  readonly gridSizes: number[];
  readonly hideProb: number;
  readonly referenceSize: number;
  readonly fill: Fill;

  constructor(options: HideAndSeekOptions = {}) {
    super();
    const where = 'HideAndSeek';
    const o = withDefaults(options, { gridSizes: [0, 16, 32, 44, 56], hideProb: 0.5, referenceSize: 224, fill: 0 } as Required<HideAndSeekOptions>, where);
    if (!Array.isArray(o.gridSizes) || o.gridSizes.length === 0) throw new TypeError(`${where}: gridSizes must be a non-empty array of patch sides, got ${describe(o.gridSizes)}`);
    this.gridSizes = o.gridSizes.map((s) => checkInt(s, 'each of gridSizes', where, 0));
    this.hideProb = checkRange(o.hideProb, 'hideProb', where, { min: 0, max: 1 });
    this.referenceSize = checkInt(o.referenceSize, 'referenceSize', where, 1);
    this.fill = checkFill(o.fill, 'fill', where) as Fill;
  }

  /** The hidden patches of one image as [top, left, bottom, right), clipped to the image. */
  static getParams(random: Random, height: number, width: number, gridSizes: number[], hideProb: number, referenceSize: number): Box[] {
    const size = gridSizes[random.below(gridSizes.length)];
    if (size === 0) return [];
    const patchHeight = Math.max(1, Math.round((size * height) / referenceSize));
    const patchWidth = Math.max(1, Math.round((size * width) / referenceSize));
    const boxes: Box[] = [];
    for (let y = 0; y < height; y += patchHeight) {
      for (let x = 0; x < width; x += patchWidth) {
        if (random.bernoulli(hideProb)) boxes.push([y, x, Math.min(height, y + patchHeight), Math.min(width, x + patchWidth)]);
      }
    }
    return boxes;
  }

  forward(x: Tensor): Tensor {
    return fillDrawnBoxes(x, this.fill, 'HideAndSeek', (random, height, width) =>
      HideAndSeek.getParams(random, height, width, this.gridSizes, this.hideProb, this.referenceSize));
  }


}

export interface GridMaskOptions {
  /** Smallest grid period d in pixels (default: 96/224 of the shorter side, the paper's ImageNet setting scaled). */
  dMin?: number;
  /** Largest grid period d in pixels (default: the shorter side). */
  dMax?: number;
  /** r: the fraction of each grid unit's edge that is kept (stripes of ⌈r·d⌉ pixels); mode 0 keeps 1 − (1 − r)² of the pixels. */
  ratio?: number;
  /** The mask is rotated by an angle drawn uniformly from [0, rotate) degrees. */
  rotate?: number;
  /** 0: the (1 − r)d squares of each unit are dropped; 1: inverted, only those squares are kept. */
  mode?: 0 | 1;
  /** Probability that an image is masked (after the ramp). */
  p?: number;
  /** Over the first rampEpochs epochs the probability grows linearly from 0 to p; 0: no ramp. */
  rampEpochs?: number;
  /** The fill of dropped pixels: a number or one per channel. */
  fill?: Fill;
}

interface GridParams {
  d: number;
  keep: number;
  angle: number;
  rowOffset: number;
  columnOffset: number;
}

/**
 * GridMask (Chen et al., 2020): a grid of period d (drawn from [dMin, dMax]) whose units each keep stripes of
 * l = ⌈r·d⌉ pixels along both edges and drop the remaining (d − l)×(d − l) square, shifted by a random offset and
 * rotated by a random angle. With mode 0 a pixel is kept with probability 1 − ((d − l)/d)² ≈ 1 − (1 − r)².
 */
export class GridMask extends Transform {
  readonly dMin?: number;
  readonly dMax?: number;
  readonly ratio: number;
  readonly rotate: number;
  readonly mode: 0 | 1;
  readonly p: number;
  readonly rampEpochs: number;
  readonly fill: Fill;

  constructor(options: GridMaskOptions = {}) {
    super();
    const where = 'GridMask';
    const o = withDefaults(options, { dMin: undefined, dMax: undefined, ratio: 0.6, rotate: 0, mode: 0, p: 0.8, rampEpochs: 0, fill: 0 } as GridMaskOptions, where);
    if (o.dMin !== undefined) this.dMin = checkInt(o.dMin, 'dMin', where, 1);
    if (o.dMax !== undefined) this.dMax = checkInt(o.dMax, 'dMax', where, 1);
    if (this.dMin !== undefined && this.dMax !== undefined && this.dMin > this.dMax) {
      throw new RangeError(`${where}: dMin must not exceed dMax, got dMin=${this.dMin}, dMax=${this.dMax}`);
    }
    this.ratio = checkRange(o.ratio, 'ratio', where, { min: 0, max: 1 });
    this.rotate = checkRange(o.rotate, 'rotate', where, { min: 0, max: 360 });
    if (o.mode !== 0 && o.mode !== 1) throw new RangeError(`${where}: mode must be 0 (drop the squares) or 1 (keep only the squares), got ${describe(o.mode)}`);
    this.mode = o.mode;
    this.p = checkRange(o.p, 'p', where, { min: 0, max: 1 });
    this.rampEpochs = checkInt(o.rampEpochs, 'rampEpochs', where, 0);
    this.fill = checkFill(o.fill, 'fill', where) as Fill;
  }

  /** The probability of masking at this epoch: p, or p·epoch/rampEpochs during the ramp (epochs counted from 0). */
  probability(epoch: number | undefined): number {
    if (this.rampEpochs === 0 || epoch === undefined) return this.p;
    return this.p * Math.min(1, epoch / this.rampEpochs);
  }

  /** The grid periods [dMin, dMax] used for an image of this size. */
  periods(height: number, width: number): [number, number] {
    const side = Math.min(height, width);
    const dMax = this.dMax ?? side;
    const dMin = this.dMin ?? Math.min(dMax, Math.max(2, Math.round((96 / 224) * side)));
    if (dMin > dMax) throw new RangeError(`GridMask: dMin (${dMin}) exceeds dMax (${dMax}) for a ${height}×${width} image; give both`);
    return [dMin, dMax];
  }

  forward(x: Tensor): Tensor {
    checkImage(x, 'GridMask');
    const random = currentRandom();
    const [height, width] = x.shape.slice(-2);
    const count = x.ndim === 4 ? x.shape[0] : 1;
    const [dMin, dMax] = this.periods(height, width);
    const p = this.probability(currentEpoch());
    const params: (GridParams | null)[] = Array.from({ length: count }, () => {
      if (!random.bernoulli(p)) return null;
      const d = random.integer(dMin, dMax);
      const angle = this.rotate > 0 ? random.uniform(0, this.rotate) : 0;
      return { d, keep: Math.ceil(d * this.ratio), angle, rowOffset: random.integer(0, d - 1), columnOffset: random.integer(0, d - 1) };
    });
    if (params.every((q) => q === null)) return x.clone();
    return tidy(() => fillMasked(x, this.dropMask(params, height, width, x.device), this.fill, 'GridMask'));
  }

  /**
   * True where a pixel is dropped, N×1×H×W. Each pixel is rotated back about the image centre and looked up in the
   * periodic grid (nearest pixel), so no mask larger than the image is drawn.
   */
  private dropMask(params: (GridParams | null)[], height: number, width: number, device: string): Tensor {
    const column = (f: (q: GridParams) => number, none: number) =>
      tensor(Float32Array.from(params, (q) => (q ? f(q) : none)), { shape: [params.length, 1, 1, 1], device });
    const radians = (q: GridParams) => (q.angle * Math.PI) / 180;
    const cos = column((q) => Math.cos(radians(q)), 1);
    const sin = column((q) => Math.sin(radians(q)), 0);
    const ys = arange(height, undefined, 1, { dtype: 'float32', device }).sub((height - 1) / 2).view(1, 1, height, 1);
    const xs = arange(width, undefined, 1, { dtype: 'float32', device }).sub((width - 1) / 2).view(1, 1, 1, width);
    const u = xs.mul(cos).add(ys.mul(sin)).add(0.5).floor();
    const v = ys.mul(cos).sub(xs.mul(sin)).add(0.5).floor();
    const period = column((q) => q.d, 1);
    const keep = column((q) => q.keep, 1);
    const inRowStripe = v.sub(column((q) => q.rowOffset, 0)).remainder(period).lt(keep);
    const inColumnStripe = u.sub(column((q) => q.columnOffset, 0)).remainder(period).lt(keep);
    const square = inRowStripe.logicalOr(inColumnStripe).logicalNot();
    const drop = this.mode === 0 ? square : square.logicalNot();
    const applied = tensor(Uint8Array.from(params, (q) => (q ? 1 : 0)), { shape: [params.length, 1, 1, 1], device }).to('bool');
    return drop.logicalAnd(applied);
  }


}

const fill = { kind: 'numbers', show: show.fill } as const;
defineTransform(RandomErasing, {
  module: import.meta.url, recipe: { name: 'randomErasing', shorthand: ['p'] },
  options: {
    p: { kind: 'number' }, scale: { kind: 'range', show: show.floatTuple }, ratio: { kind: 'range', show: show.floatTuple },
    value: { kind: 'value', show: (v: Fill | 'random') => (v === 'random' ? v : show.fill(v)) }, inplace: { kind: 'boolean' },
  },
});
defineTransform(Cutout, {
  module: import.meta.url, recipe: { name: 'cutout', shorthand: ['length'] },
  options: { length: { kind: 'integer' }, nHoles: { kind: 'integer' }, p: { kind: 'number' }, fill },
  printOrder: ['nHoles', 'length', 'p', 'fill'],
});
defineTransform(HideAndSeek, {
  module: import.meta.url, recipe: { name: 'hideAndSeek', shorthand: ['hideProb'] },
  options: { hideProb: { kind: 'number' }, gridSizes: { kind: 'list', show: show.list }, referenceSize: { kind: 'integer' }, fill },
  printOrder: ['gridSizes', 'hideProb', 'referenceSize', 'fill'],
});
/** GridMask prints its periods only when one is set (`auto` for the other). */
const period = (value: number | undefined, t: GridMask) => (t.dMin === undefined && t.dMax === undefined ? undefined : String(value ?? 'auto'));
defineTransform(GridMask, {
  module: import.meta.url, recipe: { name: 'gridMask', shorthand: ['p'] },
  options: {
    p: { kind: 'number' }, dMin: { kind: 'integer', show: period }, dMax: { kind: 'integer', show: period }, ratio: { kind: 'number' },
    rotate: { kind: 'number' }, mode: { kind: 'integer' }, rampEpochs: { kind: 'integer' }, fill,
  },
  printOrder: ['dMin', 'dMax', 'ratio', 'rotate', 'mode', 'p', 'rampEpochs', 'fill'],
});
