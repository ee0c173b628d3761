// 3-D augmentation of volumes (C×D×H×W, or a batch N×C×D×H×W): flips, quarter turns and affine maps, each volume of a
// batch with its own random parameters.
import { currentRandom, type Random } from '../torch/random.js';
import * as F from '../nn/functional.js';
import { noGrad } from '../torch/autograd.js';
import { checkNumber, describe } from '../torch/check.js';
import { ones, tensor } from '../torch/creation.js';
import { stack } from '../torch/functions.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { onFloat } from './image.js';
import { defineTransform, show } from './schema.js';
import { Transform } from './transform.js';

/** Checks that x is a volume C×D×H×W or a batch N×C×D×H×W; `where` names the transform in the message. */
export function checkVolume(x: Tensor, where: string): void {
  if (x?.shape?.length !== 4 && x?.shape?.length !== 5) {
    throw new TypeError(`${where}: expects a volume C×D×H×W or a batch N×C×D×H×W tensor, got ${describe(x)}${x?.shape ? ` of shape [${x.shape.join(', ')}]` : ''}`);
  }
}

/** Runs fn on x as a batch: a C×D×H×W volume goes in as 1×C×D×H×W and comes back as C×D×H×W. */
function onVolumeBatch(x: Tensor, where: string, fn: (batch: Tensor) => Tensor): Tensor {
  checkVolume(x, where);
  if (x.ndim === 5) return fn(x);
  return tidy(() => fn(x.unsqueeze(0)).squeeze(0));
}

/** Each volume of the batch through fn(volume, i), stacked again. */
function perVolume(batch: Tensor, fn: (volume: Tensor, i: number) => Tensor): Tensor {
  return tidy(() => stack(batch.unbind(0).map(fn)));
}

function checkProbability(p: unknown, where: string): number {
  checkNumber(p, 'p', where);
  if ((p as number) < 0 || (p as number) > 1) throw new RangeError(`${where}: p must be between 0 and 1, got ${p}`);
  return p as number;
}

function checkAxis(axis: unknown, where: string): number {
  if (axis !== 0 && axis !== 1 && axis !== 2) throw new RangeError(`${where}: spatial axes are 0 (D), 1 (H) and 2 (W), got ${describe(axis)}`);
  return axis;
}

/** torch.rot90(x, k, dims) for k in 1..3 (torch's own order of flip and transpose). */
function rot90(x: Tensor, k: number, [a, b]: [number, number]): Tensor {
  return tidy(() => {
    if (k === 2) return x.flip([a, b]);
    return x.flip([k === 1 ? b : a]).transpose(a, b);
  });
}

export interface RandomVolumeFlipOptions {
  /** The probability of flipping each axis, independently of the others. */
  p?: number;
  /** Spatial axes that may flip: 0 (D), 1 (H), 2 (W). */
  axes?: number[];
}

/** Flips each of `axes` with probability p, independently per axis and per volume (torchio's RandomFlip). */
export class RandomVolumeFlip extends Transform {
  readonly p: number;
  readonly axes: number[];

  constructor(readonly options: RandomVolumeFlipOptions = {}) {
    super();
    this.p = checkProbability(options.p ?? 0.5, 'RandomVolumeFlip');
    const axes = options.axes ?? [0, 1, 2];
    if (!Array.isArray(axes) || axes.length === 0) throw new TypeError(`RandomVolumeFlip: axes must be a non-empty array of spatial axes (0, 1, 2), got ${describe(axes)}`);
    this.axes = axes.map((a) => checkAxis(a, 'RandomVolumeFlip'));
  }

  forward(x: Tensor): Tensor {
    const random = currentRandom();
    return onVolumeBatch(x, 'RandomVolumeFlip', (batch) =>
      perVolume(batch, (volume) => {
        const dims = this.axes.filter(() => random.bernoulli(this.p)).map((a) => a + 1);
        return dims.length ? volume.flip(dims) : volume;
      }));
  }
}

export interface RandomVolumeRotate90Options {
  /** The probability of rotating a volume. */
  p?: number;
  /** The planes a rotation may turn, as pairs of spatial axes (0 D, 1 H, 2 W); one is drawn per volume. */
  axes?: [number, number][];
}

/** With probability p, turns a volume by k·90° (k drawn from 1..3) in a plane drawn from `axes`, as torch.rot90. */
export class RandomVolumeRotate90 extends Transform {
  readonly p: number;
  readonly axes: [number, number][];

  constructor(readonly options: RandomVolumeRotate90Options = {}) {
    super();
    this.p = checkProbability(options.p ?? 0.5, 'RandomVolumeRotate90');
    const axes = options.axes ?? [[1, 2]];
    if (!Array.isArray(axes) || axes.length === 0) throw new TypeError(`RandomVolumeRotate90: axes must be a non-empty array of axis pairs such as [[1, 2]], got ${describe(axes)}`);
    this.axes = axes.map((plane) => {
      if (!Array.isArray(plane) || plane.length !== 2) throw new TypeError(`RandomVolumeRotate90: each plane must be a pair of spatial axes such as [1, 2], got ${describe(plane)}`);
      const [a, b] = plane.map((axis) => checkAxis(axis, 'RandomVolumeRotate90'));
      if (a === b) throw new RangeError(`RandomVolumeRotate90: a plane needs two different axes, got [${a}, ${b}]`);
      return [a, b];
    });
  }

  forward(x: Tensor): Tensor {
    const random = currentRandom();
    checkVolume(x, 'RandomVolumeRotate90');
    const spatial = x.shape.slice(-3);
    const draw = () => (random.bernoulli(this.p) ? { plane: this.axes[random.below(this.axes.length)], k: random.integer(1, 3) } : null);
    if (x.ndim === 4) {
      const turn = draw();
      return turn ? rot90(x, turn.k, [turn.plane[0] + 1, turn.plane[1] + 1]) : x.clone();
    }
    for (const [a, b] of this.axes) {
      if (spatial[a] !== spatial[b]) {
        throw new RangeError(`RandomVolumeRotate90: a batch can only turn square planes (its volumes must keep one shape), but axes [${a}, ${b}] have sizes ${spatial[a]} and ${spatial[b]}; rotate volumes one by one instead`);
      }
    }
    return perVolume(x, (volume) => {
      const turn = draw();
      return turn ? rot90(volume, turn.k, [turn.plane[0] + 1, turn.plane[1] + 1]) : volume;
    });
  }
}

/** One volume's affine parameters: rotation about the D, H and W axes (degrees), translation in voxels (D, H, W), scale. */
export interface VolumeAffineParams {
  angles: [number, number, number];
  translate: [number, number, number];
  scale: number;
}

const radians = (degrees: number) => (degrees * Math.PI) / 180;
type Matrix3 = number[][];
const matmul3 = (a: Matrix3, b: Matrix3): Matrix3 => a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j] + row[1] * b[1][j] + row[2] * b[2][j]));

/**
 * The 3×4 matrix that F.affineGrid takes (output → input, normalized coordinates ordered x = W, y = H, z = D, alignCorners
 * false) for a volume of spatial size [D, H, W] mapped by p ↦ scale·R·p + translate about its centre, in voxel units so that
 * rotations stay rigid on non-cubic volumes. R = R_D·R_H·R_W: the rotation about W is applied first.
 */
export function volumeAffineMatrix(params: VolumeAffineParams, size: [number, number, number]): number[][] {
  const [aD, aH, aW] = params.angles.map(radians);
  const rotation = (angle: number, i: number, j: number): Matrix3 => {
    const r = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    [r[i][i], r[i][j], r[j][i], r[j][j]] = [Math.cos(angle), -Math.sin(angle), Math.sin(angle), Math.cos(angle)];
    return r;
  };
  // Axis order x, y, z = W, H, D: about D turns x–y, about H turns x–z (z–x), about W turns y–z.
  const r = matmul3(matmul3(rotation(aD, 0, 1), rotation(aH, 2, 0)), rotation(aW, 1, 2));
  const half = [size[2] / 2, size[1] / 2, size[0] / 2];
  const t = [params.translate[2], params.translate[1], params.translate[0]];
  // Inverse map in voxels: p = Rᵀ(p' − t)/s; then conjugated by the voxel-to-normalized scaling.
  const inverse = [0, 1, 2].map((i) => [0, 1, 2].map((j) => r[j][i] / params.scale));
  return [0, 1, 2].map((i) => {
    const row = [0, 1, 2].map((j) => (inverse[i][j] * half[j]) / half[i]);
    const shift = -[0, 1, 2].reduce((sum, j) => sum + inverse[i][j] * t[j], 0) / half[i];
    return [...row, shift];
  });
}

export interface VolumeAffineOptions {
  interpolation?: 'bilinear' | 'nearest';
  /** The value of voxels mapped from outside the volume: one number, or one per channel. */
  fill?: number | number[];
}

/** Resamples a batch N×C×D×H×W (or a volume C×D×H×W) through theta (N×3×4 or 3×4, output → input, as F.affineGrid). */
export function volumeAffine(x: Tensor, theta: Tensor, options: VolumeAffineOptions = {}): Tensor {
  const { interpolation = 'bilinear', fill = 0 } = options;
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') throw new TypeError(`volumeAffine: interpolation must be 'bilinear' or 'nearest', got ${describe(interpolation)}`);
  return onVolumeBatch(x, 'volumeAffine', (batch) => onFloat(batch, (f) => tidy(() => {
    const matrices = theta.ndim === 2 ? theta.unsqueeze(0).expand([f.shape[0], 3, 4]) : theta;
    if (matrices.shape.join() !== [f.shape[0], 3, 4].join()) {
      throw new RangeError(`volumeAffine: theta must be ${f.shape[0]}×3×4 (or 3×4) for a batch of ${f.shape[0]}, got shape [${theta.shape.join(', ')}]`);
    }
    const grid = F.affineGrid(matrices.to({ dtype: f.dtype, device: f.device }), f.shape, { alignCorners: false });
    const out = F.gridSample(f, grid, { mode: interpolation, paddingMode: 'zeros', alignCorners: false });
    const fills = typeof fill === 'number' ? [fill] : fill;
    if (fills.every((v) => v === 0)) return out;
    if (fills.length !== 1 && fills.length !== f.shape[1]) throw new RangeError(`volumeAffine: fill needs one value or one per channel (${f.shape[1]}), got ${fills.length}`);
    // As torchvision: sample a mask of ones, then blend the fill in where the mask fell short.
    const mask = F.gridSample(ones([f.shape[0], 1, ...f.shape.slice(2)], { dtype: f.dtype, device: f.device }), grid,
      { mode: interpolation, paddingMode: 'zeros', alignCorners: false });
    const fillValue = tensor(fills, { dtype: f.dtype, device: f.device }).view([1, fills.length, 1, 1, 1]);
    return out.mul(mask).add(mask.rsub(1).mul(fillValue));
  })));
}

type Range = [number, number];
export interface RandomVolumeAffineOptions {
  /** Rotation ranges about the D, H and W axes: d (all three in [−d, d]), or three entries each d or [min, max]. */
  degrees?: number | (number | Range)[];
  /** Largest shift as fractions of the size along D, H and W; each volume shifts by a whole number of voxels within it. */
  translate?: [number, number, number] | null;
  /** Isotropic scale drawn from [min, max]. */
  scale?: Range | null;
  interpolation?: 'bilinear' | 'nearest';
  fill?: number | number[];
}

/** A random rotation, translation and scaling of each volume (torchvision's RandomAffine in 3-D), by F.affineGrid and F.gridSample. */
export class RandomVolumeAffine extends Transform {
  readonly degrees: [Range, Range, Range];
  readonly translate: [number, number, number] | null;
  readonly scale: Range | null;
  readonly interpolation: 'bilinear' | 'nearest';
  readonly fill: number | number[];

  constructor(readonly options: RandomVolumeAffineOptions = {}) {
    super();
    const where = 'RandomVolumeAffine';
    const { degrees = 0, translate = null, scale = null, interpolation = 'bilinear', fill = 0 } = options;
    const range = (d: number | Range, name: string): Range => {
      if (typeof d === 'number') {
        if (!(d >= 0)) throw new RangeError(`${where}: ${name} as one number must be non-negative, got ${d}`);
        return [-d, d];
      }
      if (!Array.isArray(d) || d.length !== 2 || !d.every(Number.isFinite) || d[0] > d[1]) throw new RangeError(`${where}: ${name} must be a number or [min, max], got ${describe(d)}`);
      return [d[0], d[1]];
    };
    if (typeof degrees === 'number') this.degrees = [range(degrees, 'degrees'), range(degrees, 'degrees'), range(degrees, 'degrees')];
    else if (Array.isArray(degrees) && degrees.length === 3) this.degrees = degrees.map((d, i) => range(d, `degrees[${i}]`)) as [Range, Range, Range];
    else throw new TypeError(`${where}: degrees must be a number or three entries (about D, H, W), got ${describe(degrees)}`);
    if (translate !== null && !(Array.isArray(translate) && translate.length === 3 && translate.every((t) => t >= 0 && t <= 1))) {
      throw new RangeError(`${where}: translate must be three fractions in [0, 1] (D, H, W), got ${describe(translate)}`);
    }
    if (scale !== null && !(Array.isArray(scale) && scale.length === 2 && scale[0] > 0 && scale[0] <= scale[1])) {
      throw new RangeError(`${where}: scale must be [min, max] with 0 < min ≤ max, got ${describe(scale)}`);
    }
    if (interpolation !== 'bilinear' && interpolation !== 'nearest') throw new TypeError(`${where}: interpolation must be 'bilinear' or 'nearest', got ${describe(interpolation)}`);
    [this.translate, this.scale, this.interpolation, this.fill] = [translate, scale, interpolation, fill];
  }

  /** One volume's parameters, as torchvision's RandomAffine.get_params. */
  drawParams(random: Random, size: [number, number, number]): VolumeAffineParams {
    const angles = this.degrees.map(([lo, hi]) => random.uniform(lo, hi)) as [number, number, number];
    const translate = size.map((s, i) => {
      const most = (this.translate?.[i] ?? 0) * s;
      return most > 0 ? Math.round(random.uniform(-most, most)) : 0;
    }) as [number, number, number];
    const scale = this.scale ? random.uniform(this.scale[0], this.scale[1]) : 1;
    return { angles, translate, scale };
  }

  forward(x: Tensor): Tensor {
    const random = currentRandom();
    checkVolume(x, 'RandomVolumeAffine');
    const size = x.shape.slice(-3) as [number, number, number];
    const count = x.ndim === 5 ? x.shape[0] : 1;
    const matrices = Array.from({ length: count }, () => volumeAffineMatrix(this.drawParams(random, size), size));
    return noGrad(() => tidy(() => volumeAffine(x, tensor(matrices, { dtype: 'float32' }), { interpolation: this.interpolation, fill: this.fill })));
  }
}

defineTransform(RandomVolumeFlip, { module: import.meta.url, options: { p: { kind: 'number' }, axes: { kind: 'list', show: show.tuple } } });
defineTransform(RandomVolumeRotate90, {
  module: import.meta.url, options: { p: { kind: 'number' }, axes: { show: (axes: [number, number][]) => `(${axes.map(show.tuple).join(', ')})` } },
});
const ifSet = (v: number[] | null) => (v ? show.floatTuple(v) : undefined);
defineTransform(RandomVolumeAffine, {
  module: import.meta.url,
  options: {
    degrees: { show: (ranges: Range[]) => `(${ranges.map(show.floatList).join(', ')})` }, translate: { show: ifSet }, scale: { kind: 'range', show: ifSet },
    interpolation: { kind: 'string' }, fill: { kind: 'numbers', show: show.fill },
  },
});
