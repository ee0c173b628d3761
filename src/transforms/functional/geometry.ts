// Geometric kernels with torchvision's names and math (transforms.functional on tensors): flips, crops, padding,
// resizing, and rotation/affine maps sampled with torchvision's inverse matrix and pixel-centre grid.
import { describe } from '../../torch/check.js';
import { linspace, ones, tensor } from '../../torch/creation.js';
import { cat, stack, where as select } from '../../torch/functions.js';
import { tidy } from '../../torch/scope.js';
import type { Tensor } from '../../torch/tensor.js';
import { interpolate, gridSample, pad as padTensor } from '../../nn/functional.js';
import { checkFill, roundHalfEven } from '../../util/checks.js';
import { checkImage, onBatch, onFloat } from '../image.js';
import { isInteger, isNumber, isPair, perImage, type PerImage } from './per-image.js';

export type Interpolation = 'nearest' | 'bilinear' | 'bicubic';
export type GridInterpolation = 'nearest' | 'bilinear';
export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';
/** A fill for pixels from outside the image: one value for all channels or one per channel. */
export type Fill = number | number[];

const size2 = (x: Tensor): [number, number] => [x.shape[x.ndim - 2], x.shape[x.ndim - 1]];

function checkInterpolation<T extends string>(mode: unknown, allowed: readonly T[], where: string): T {
  if (!allowed.includes(mode as T)) throw new TypeError(`${where}: interpolation must be one of ${allowed.map((m) => `'${m}'`).join(', ')}, got ${describe(mode)}`);
  return mode as T;
}

function checkSize(size: unknown, where: string, name = 'size'): [number, number] {
  const pair = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((s) => Number.isInteger(s) && s > 0)) {
    throw new TypeError(`${where}: ${name} must be a positive integer or a pair [height, width] of them, got ${describe(size)}`);
  }
  return pair as [number, number];
}

/** Mirrors left to right. */
export function hflip(img: Tensor): Tensor {
  checkImage(img, 'hflip()');
  return img.flip(-1);
}

/** Mirrors top to bottom. */
export function vflip(img: Tensor): Tensor {
  checkImage(img, 'vflip()');
  return img.flip(-2);
}

/**
 * The box of `height`×`width` pixels at (top, left); parts outside the image are zeros, as torchvision's crop.
 * For a batch, top and left may be arrays of N values (one box per image, all of the same size).
 */
export function crop(img: Tensor, top: PerImage<number>, left: PerImage<number>, height: number, width: number): Tensor {
  checkImage(img, 'crop()');
  checkSize([height, width], 'crop()', 'height and width');
  const tops = perImage(top, img, isInteger, 'top', 'crop()', 'an integer');
  const lefts = perImage(left, img, isInteger, 'left', 'crop()', 'an integer');
  if (typeof top === 'number' && typeof left === 'number') return cropOne(img, top, left, height, width);
  return tidy(() => onBatch(img, 'crop()', (batch) => cat(batch.split(1).map((one, i) => cropOne(one, tops[i], lefts[i], height, width)))));
}

function cropOne(img: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const [h, w] = size2(img);
  const bottom = top + height;
  const right = left + width;
  if (top >= 0 && left >= 0 && bottom <= h && right <= w) return tidy(() => img.narrow(-2, top, height).narrow(-1, left, width));
  return tidy(() => {
    const t0 = Math.max(top, 0);
    const l0 = Math.max(left, 0);
    const inside = img.narrow(-2, Math.min(t0, h), Math.max(Math.min(bottom, h) - t0, 0)).narrow(-1, Math.min(l0, w), Math.max(Math.min(right, w) - l0, 0));
    return padTensor(inside, [Math.max(-left, 0), Math.max(right - w, 0), Math.max(-top, 0), Math.max(bottom - h, 0)]);
  });
}

/** The central `size` box (an integer for a square, or [height, width]); zero-padded when larger than the image. */
export function centerCrop(img: Tensor, size: number | [number, number]): Tensor {
  checkImage(img, 'centerCrop()');
  const [ch, cw] = checkSize(size, 'centerCrop()');
  let [h, w] = size2(img);
  return tidy(() => {
    let source = img;
    if (ch > h || cw > w) {
      const padX = Math.max(cw - w, 0);
      const padY = Math.max(ch - h, 0);
      source = padTensor(img, [padX >> 1, (padX + 1) >> 1, padY >> 1, (padY + 1) >> 1]);
      [h, w] = size2(source);
      if (ch === h && cw === w) return source;
    }
    // Python's round() rounds halves to even.
    return cropOne(source, roundHalfEven((h - ch) / 2), roundHalfEven((w - cw) / 2), ch, cw);
  });
}

export interface ResizeOptions {
  interpolation?: Interpolation;
  /** Only with a single size (the smaller edge): the longer edge is capped at maxSize. */
  maxSize?: number;
  /** Low-pass filter when shrinking (bilinear and bicubic), as PIL; default true, torchvision ≥ 0.17's default. */
  antialias?: boolean;
}

/** The output [height, width] of resize(): size [h, w], or one number for the smaller edge (aspect ratio kept). */
export function resizedSize(height: number, width: number, size: number | [number, number], maxSize?: number): [number, number] {
  if (Array.isArray(size)) return checkSize(size, 'resize()');
  checkSize(size, 'resize()');
  const [short, long] = width <= height ? [width, height] : [height, width];
  let newShort = size;
  let newLong = Math.trunc((size * long) / short);
  if (maxSize !== undefined) {
    if (!(maxSize > size)) throw new RangeError(`resize(): maxSize (${maxSize}) must be greater than the smaller edge's size ${size}`);
    if (newLong > maxSize) [newShort, newLong] = [Math.trunc((maxSize * newShort) / newLong), maxSize];
  }
  return width <= height ? [newLong, newShort] : [newShort, newLong];
}

/** Resizes to `size` ([height, width], or one number for the smaller edge), as torchvision's resize on tensors. */
export function resize(img: Tensor, size: number | [number, number], options: ResizeOptions = {}): Tensor {
  checkImage(img, 'resize()');
  const mode = checkInterpolation(options.interpolation ?? 'bilinear', ['nearest', 'bilinear', 'bicubic'] as const, 'resize()');
  const [h, w] = size2(img);
  const out = resizedSize(h, w, size, options.maxSize);
  if (out[0] === h && out[1] === w) return img.clone();
  // Antialiasing only changes a shrinking side: upscaling bilinear antialiased has plain bilinear's weights, so the
  // plain kernel (about twice as fast) runs there. uint8 keeps the antialiased kernel, whose roundings it matches exactly.
  const enlarging = out[0] >= h && out[1] >= w && mode === 'bilinear' && img.dtype !== 'uint8';
  const antialias = (options.antialias ?? true) && mode !== 'nearest' && !enlarging;
  const alignCorners = mode === 'nearest' ? undefined : false;
  return onBatch(img, 'resize()', (batch) => onFloat(batch, (f) => interpolate(f, { size: out, mode, antialias, alignCorners })));
}

/** crop() then resize() to `size`, as torchvision's resized_crop; for a batch each box may differ (arrays of N values). */
export function resizedCrop(img: Tensor, top: PerImage<number>, left: PerImage<number>, height: PerImage<number>, width: PerImage<number>,
  size: number | [number, number], options: ResizeOptions = {}): Tensor {
  checkImage(img, 'resizedCrop()');
  const boxes = [
    perImage(top, img, isInteger, 'top', 'resizedCrop()', 'an integer'), perImage(left, img, isInteger, 'left', 'resizedCrop()', 'an integer'),
    perImage(height, img, isInteger, 'height', 'resizedCrop()', 'an integer'), perImage(width, img, isInteger, 'width', 'resizedCrop()', 'an integer'),
  ];
  const one = (x: Tensor, i: number) => tidy(() => resize(cropOne(x, boxes[0][i], boxes[1][i], boxes[2][i], boxes[3][i]), size, options));
  if ([top, left, height, width].every((v) => typeof v === 'number')) return one(img, 0);
  return tidy(() => onBatch(img, 'resizedCrop()', (batch) => cat(batch.split(1).map(one))));
}

export interface PadOptions {
  /** The value of constant padding. */
  fill?: number;
  /** constant, edge (repeat the border pixel), reflect (mirror without the border), symmetric (mirror with it). */
  paddingMode?: PaddingMode;
}

/** torchvision's padding argument as [left, top, right, bottom] (checked): one number, [left/right, top/bottom], or four. */
export function parsePadding(padding: unknown, where: string): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : padding;
  if (!Array.isArray(p) || ![1, 2, 4].includes(p.length) || !p.every((v) => Number.isInteger(v))) {
    throw new TypeError(`${where}: padding must be an integer or an array of 1, 2 or 4 integers ([left, top, right, bottom]), got ${describe(padding)}`);
  }
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[1], p[0], p[1]];
  return p as [number, number, number, number];
}

/** Pads the borders: padding is one integer, [left/right, top/bottom] or [left, top, right, bottom], as torchvision's pad. */
export function pad(img: Tensor, padding: number | number[], options: PadOptions = {}): Tensor {
  checkImage(img, 'pad()');
  const [left, top, right, bottom] = parsePadding(padding, 'pad()');
  const mode = options.paddingMode ?? 'constant';
  if (!['constant', 'edge', 'reflect', 'symmetric'].includes(mode)) {
    throw new TypeError(`pad(): paddingMode must be 'constant', 'edge', 'reflect' or 'symmetric', got ${describe(mode)}`);
  }
  const fill = options.fill ?? 0;
  if (!isNumber(fill)) throw new TypeError(`pad(): fill must be a number, got ${describe(fill)}`);
  if (mode === 'constant') return padTensor(img, [left, right, top, bottom], { value: fill });
  const [h, w] = size2(img);
  if (mode === 'symmetric') {
    if (Math.min(left, top, right, bottom) < 0 || Math.max(left, right) > w || Math.max(top, bottom) > h) {
      throw new RangeError(`pad(): symmetric padding [${left}, ${top}, ${right}, ${bottom}] must be between 0 and the image size ${h}×${w}`);
    }
    return tidy(() => img.indexSelect(-2, mirrored(h, top, bottom, img.device)).indexSelect(-1, mirrored(w, left, right, img.device)));
  }
  // libtorch's reflect/replicate padding is for float tensors: round-trip others as torchvision does.
  return onBatch(img, 'pad()', (batch) => tidy(() => {
    const f = batch.dtype === 'float32' || batch.dtype === 'float64' ? batch : batch.to('float32');
    const padded = padTensor(f, [left, right, top, bottom], { mode: mode === 'edge' ? 'replicate' : 'reflect' });
    return padded.to(batch.dtype);
  }));
}

/** Indices that mirror 0..n-1 with the border repeated: before, the original, after. */
function mirrored(n: number, before: number, after: number, device: string): Tensor {
  const indices = [...Array.from({ length: before }, (_, i) => before - 1 - i), ...Array.from({ length: n }, (_, i) => i),
    ...Array.from({ length: after }, (_, i) => n - 1 - i)];
  return tensor(indices, { dtype: 'int64', device });
}

/**
 * torchvision's _get_inverse_affine_matrix: the map from output to input pixels of a rotation by `angle` degrees
 * (clockwise), `scale`, `shear` [x, y] degrees and translation, about `center` (pixels relative to the image centre).
 */
export function inverseAffineMatrix(center: [number, number], angle: number, translate: [number, number], scale: number, shear: [number, number]): number[] {
  const rot = (angle * Math.PI) / 180;
  const sx = (shear[0] * Math.PI) / 180;
  const sy = (shear[1] * Math.PI) / 180;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/** The size [height, width] that holds the whole image after `matrix`, as torchvision's expand=True (and PIL). */
function expandedSize(matrix: number[], w: number, h: number): [number, number] {
  const corners = [[-0.5 * w, -0.5 * h], [-0.5 * w, 0.5 * h], [0.5 * w, 0.5 * h], [0.5 * w, -0.5 * h]];
  const xs = corners.map(([x, y]) => matrix[0] * x + matrix[1] * y + matrix[2]);
  const ys = corners.map(([x, y]) => matrix[3] * x + matrix[4] * y + matrix[5]);
  // Precision cut to 1e-4, so that 1e-15 above an integer does not round up.
  const edge = (values: number[], half: number) =>
    Math.ceil(Math.trunc((Math.max(...values) + half) / 1e-4) * 1e-4) - Math.floor(Math.trunc((Math.min(...values) + half) / 1e-4) * 1e-4);
  return [edge(ys, h * 0.5), edge(xs, w * 0.5)];
}

/**
 * Samples a batch through one inverse affine matrix per image with torchvision's grid (pixel centres, normalized by
 * the input size, align_corners=False). With a fill, pixels from outside take it (torchvision's mask channel).
 */
function gridTransform(batch: Tensor, matrices: number[][], outSize: [number, number], mode: GridInterpolation, fill: Fill | undefined): Tensor {
  return onFloat(batch, (f) => tidy(() => {
    const [n, c, h, w] = f.shape;
    const [oh, ow] = outSize;
    const dtype = f.dtype === 'float64' ? 'float64' : 'float32';
    const options = { dtype, device: f.device } as const;
    const theta = tensor(matrices.map((m) => [m.slice(0, 3), m.slice(3)]), options);
    const xs = linspace(-ow * 0.5 + 0.5, ow * 0.5 + 0.5 - 1, ow, options).expand(oh, ow);
    const ys = linspace(-oh * 0.5 + 0.5, oh * 0.5 + 0.5 - 1, oh, options).unsqueeze(1).expand(oh, ow);
    const base = stack([xs, ys, ones([oh, ow], options)], -1).view(1, oh * ow, 3).expand(n, oh * ow, 3);
    const rescaled = theta.transpose(1, 2).div(tensor([0.5 * w, 0.5 * h], options));
    const grid = base.bmm(rescaled).view(n, oh, ow, 2);
    const input = f.dtype === dtype ? f : f.to(dtype);
    if (fill === undefined) return gridSample(input, grid, { mode, alignCorners: false }).to(f.dtype);
    const fills = Array.isArray(fill) ? fill : [fill];
    if (fills.length !== 1 && fills.length !== c) throw new RangeError(`fill: give one value or one per channel (${c}), got ${fills.length}`);
    const sampled = gridSample(cat([input, ones([n, 1, h, w], options)], 1), grid, { mode, alignCorners: false });
    const image = sampled.narrow(1, 0, c);
    const mask = sampled.narrow(1, c, 1).expandAs(image);
    const fillImage = tensor(fills, options).view(1, fills.length, 1, 1).expandAs(image);
    const out = mode === 'nearest' ? select(mask.lt(0.5), fillImage, image) : image.mul(mask).add(mask.rsub(1).mul(fillImage));
    return out.to(f.dtype);
  }));
}

function centerOffset(img: Tensor, center: [number, number] | undefined, where: string): [number, number] {
  if (center === undefined) return [0, 0];
  if (!isPair(center)) throw new TypeError(`${where}: center must be a pair [x, y] of pixel coordinates, got ${describe(center)}`);
  const [h, w] = size2(img);
  return [center[0] - w * 0.5, center[1] - h * 0.5];
}

export interface RotateOptions {
  /** nearest (torchvision's default) or bilinear. */
  interpolation?: GridInterpolation;
  /** Grow the output to hold the whole rotated image (about the centre; for a batch all angles must give one size). */
  expand?: boolean;
  /** [x, y] in pixels from the top-left corner; default the image centre. */
  center?: [number, number];
  /** The value of pixels from outside the image; undefined samples zeros, as torchvision's fill=None. */
  fill?: Fill;
}

/** Rotates by `angle` degrees counter-clockwise (an array of N angles for a batch), as torchvision's rotate. */
export function rotate(img: Tensor, angle: PerImage<number>, options: RotateOptions = {}): Tensor {
  checkImage(img, 'rotate()');
  const angles = perImage(angle, img, isNumber, 'angle', 'rotate()', 'a number of degrees');
  const mode = checkInterpolation(options.interpolation ?? 'nearest', ['nearest', 'bilinear'] as const, 'rotate()');
  const fill = options.fill === undefined ? undefined : checkFill(options.fill, 'fill', 'rotate()');
  const center = centerOffset(img, options.center, 'rotate()');
  const matrices = angles.map((a) => inverseAffineMatrix(center, -a, [0, 0], 1, [0, 0]));
  const [h, w] = size2(img);
  let outSize: [number, number] = [h, w];
  if (options.expand) {
    const sizes = matrices.map((m) => expandedSize(m, w, h));
    outSize = sizes[0];
    if (sizes.some(([sh, sw]) => sh !== outSize[0] || sw !== outSize[1])) {
      throw new RangeError(`rotate(): expand needs one output size for the whole batch, but the angles [${angles.join(', ')}] give different sizes; rotate the images one by one`);
    }
  }
  return onBatch(img, 'rotate()', (batch) => gridTransform(batch, matrices, outSize, mode, fill));
}

export interface AffineOptions {
  /** Rotation in degrees, clockwise, as torchvision's affine (one per image for a batch). */
  angle?: PerImage<number>;
  /** [dx, dy] in pixels after rotation (an array of N pairs for a batch). */
  translate?: PerImage<[number, number]>;
  /** Overall zoom, > 0. */
  scale?: PerImage<number>;
  /** Shear in degrees: one number (along x) or [x, y]; for a batch an array of N such pairs. */
  shear?: number | [number, number] | [number, number][];
  interpolation?: GridInterpolation;
  fill?: Fill;
  center?: [number, number];
}

/** Rotation, translation, zoom and shear about the centre, as torchvision's affine (same inverse matrix and grid). */
export function affine(img: Tensor, options: AffineOptions = {}): Tensor {
  checkImage(img, 'affine()');
  const where = 'affine()';
  const angles = perImage(options.angle ?? 0, img, isNumber, 'angle', where, 'a number of degrees');
  const translations = perImage<[number, number]>(options.translate ?? [0, 0], img, isPair, 'translate', where, 'a pair [dx, dy]');
  const scales = perImage(options.scale ?? 1, img, isNumber, 'scale', where, 'a positive number');
  const badScale = scales.find((s) => !(s > 0));
  if (badScale !== undefined) throw new RangeError(`${where}: scale must be positive, got ${badScale}`);
  const shear = options.shear ?? [0, 0];
  const shears = isNumber(shear) ? perImage<[number, number]>([shear, 0], img, isPair, 'shear', where, 'a number or a pair [x, y]')
    : perImage(shear as PerImage<[number, number]>, img, isPair, 'shear', where, 'a number or a pair [x, y]');
  const mode = checkInterpolation(options.interpolation ?? 'nearest', ['nearest', 'bilinear'] as const, where);
  const fill = options.fill === undefined ? undefined : checkFill(options.fill, 'fill', where);
  const center = centerOffset(img, options.center, where);
  const matrices = angles.map((a, i) => inverseAffineMatrix(center, a, translations[i], scales[i], shears[i]));
  return onBatch(img, where, (batch) => gridTransform(batch, matrices, size2(img), mode, fill));
}
