// nn.functional (F): PyTorch's functional layers and losses, with options objects for keyword arguments.
import { checkInt, checkNumber } from '../torch/check.js';
import { native } from '../torch/native.js';
import { Tensor } from '../torch/tensor.js';

type Pair = number | [number, number];
export type Reduction = 'mean' | 'sum' | 'none';

const pair = (x: Pair, name: string, where: string): [number, number] => {
  const [a, b] = typeof x === 'number' ? [x, x] : x;
  checkInt(a, name, where);
  checkInt(b, name, where);
  return [a, b];
};
const handleOf = (t?: Tensor | null) => t?.handle;

function checkProbability(p: number, where: string): number {
  checkNumber(p, 'p', where);
  if (p < 0 || p > 1) throw new RangeError(`${where}: dropout probability p must be between 0 and 1, got ${p}`);
  return p;
}

export interface Conv2dOptions { stride?: Pair; padding?: Pair | 'same' | 'valid'; dilation?: Pair; groups?: number }
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  const s = pair(stride, 'stride', 'conv2d()');
  const d = pair(dilation, 'dilation', 'conv2d()');
  checkInt(groups, 'groups', 'conv2d()', 1);
  if (typeof padding === 'string') {
    if (padding !== 'same' && padding !== 'valid') throw new TypeError(`conv2d(): padding must be a number, a pair, 'same' or 'valid', got '${padding}'`);
    return new Tensor(native.conv2dPadMode(input.handle, weight.handle, handleOf(bias), s, padding, d, groups));
  }
  return new Tensor(native.conv2d(input.handle, weight.handle, handleOf(bias), s, pair(padding, 'padding', 'conv2d()'), d, groups));
}

export interface ConvTranspose2dOptions { stride?: Pair; padding?: Pair; outputPadding?: Pair; groups?: number; dilation?: Pair }
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  const { stride = 1, padding = 0, outputPadding = 0, groups = 1, dilation = 1 } = options;
  const w = 'convTranspose2d()';
  return new Tensor(native.convTranspose2d(input.handle, weight.handle, handleOf(bias), pair(stride, 'stride', w), pair(padding, 'padding', w),
    pair(outputPadding, 'outputPadding', w), checkInt(groups, 'groups', w, 1), pair(dilation, 'dilation', w)));
}

/** y = x Wᵀ + b. */
export const linear = (input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor =>
  new Tensor(native.linear(input.handle, weight.handle, handleOf(bias)));

export interface MaxPool2dOptions { stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean }
export function maxPool2d(input: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): Tensor {
  return new Tensor(native.maxPool2d(input.handle, ...poolArgs(kernelSize, options, 'maxPool2d()')));
}
/** Max pooling that also returns the flat index of each maximum (for unpooling or CAMs). */
export function maxPool2dWithIndices(input: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): { values: Tensor; indices: Tensor } {
  const [values, indices] = native.maxPool2dWithIndices(input.handle, ...poolArgs(kernelSize, options, 'maxPool2dWithIndices()'));
  return { values: new Tensor(values), indices: new Tensor(indices) };
}
function poolArgs(kernelSize: Pair, options: MaxPool2dOptions, where: string) {
  const k = pair(kernelSize, 'kernelSize', where);
  return [k, pair(options.stride ?? k, 'stride', where), pair(options.padding ?? 0, 'padding', where),
    pair(options.dilation ?? 1, 'dilation', where), options.ceilMode ?? false] as const;
}

export interface AvgPool2dOptions { stride?: Pair; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number }
export function avgPool2d(input: Tensor, kernelSize: Pair, options: AvgPool2dOptions = {}): Tensor {
  const k = pair(kernelSize, 'kernelSize', 'avgPool2d()');
  return new Tensor(native.avgPool2d(input.handle, k, pair(options.stride ?? k, 'stride', 'avgPool2d()'), pair(options.padding ?? 0, 'padding', 'avgPool2d()'),
    options.ceilMode ?? false, options.countIncludePad ?? true, options.divisorOverride));
}
export const adaptiveAvgPool2d = (input: Tensor, outputSize: Pair): Tensor =>
  new Tensor(native.adaptiveAvgPool2d(input.handle, pair(outputSize, 'outputSize', 'adaptiveAvgPool2d()')));
export const adaptiveMaxPool2d = (input: Tensor, outputSize: Pair): Tensor =>
  new Tensor(native.adaptiveMaxPool2d(input.handle, pair(outputSize, 'outputSize', 'adaptiveMaxPool2d()')));

export interface BatchNormOptions { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number }
/** Batch normalization; in training it updates runningMean and runningVar in place (momentum as PyTorch). */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const { weight, bias, training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (!training && (!runningMean || !runningVar)) throw new TypeError('batchNorm(): evaluation (training: false) needs runningMean and runningVar');
  return new Tensor(native.batchNorm(input.handle, handleOf(runningMean), handleOf(runningVar), handleOf(weight), handleOf(bias), training, momentum, eps));
}
export function layerNorm(input: Tensor, normalizedShape: number[], options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  return new Tensor(native.layerNorm(input.handle, normalizedShape, handleOf(options.weight), handleOf(options.bias), options.eps ?? 1e-5));
}
export function groupNorm(input: Tensor, numGroups: number, options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  checkInt(numGroups, 'numGroups', 'groupNorm()', 1);
  return new Tensor(native.groupNorm(input.handle, numGroups, handleOf(options.weight), handleOf(options.bias), options.eps ?? 1e-5));
}

/** Inverted dropout: zeroes elements with probability p and scales the rest by 1/(1-p) while training. */
export const dropout = (input: Tensor, options: { p?: number; training?: boolean } = {}): Tensor =>
  new Tensor(native.dropout(input.handle, checkProbability(options.p ?? 0.5, 'dropout()'), options.training ?? true));
/** Spatial dropout: zeroes whole channels of an N×C×H×W input. */
export const dropout2d = (input: Tensor, options: { p?: number; training?: boolean } = {}): Tensor =>
  new Tensor(native.featureDropout(input.handle, checkProbability(options.p ?? 0.5, 'dropout2d()'), options.training ?? true));

export const softmax = (input: Tensor, dim: number): Tensor => input.softmax(dim);
export const logSoftmax = (input: Tensor, dim: number): Tensor => input.logSoftmax(dim);
export const relu = (input: Tensor): Tensor => input.relu();
export const leakyRelu = (input: Tensor, negativeSlope = 0.01): Tensor => input.leakyRelu(negativeSlope);
export const gelu = (input: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => input.gelu(approximate);
export const silu = (input: Tensor): Tensor => input.silu();
export const sigmoid = (input: Tensor): Tensor => input.sigmoid();
export const tanh = (input: Tensor): Tensor => input.tanh();
export const hardswish = (input: Tensor): Tensor => input.hardswish();
export const hardsigmoid = (input: Tensor): Tensor => input.hardsigmoid();
export const elu = (input: Tensor, alpha = 1): Tensor => input.elu(alpha);
export const softplus = (input: Tensor, beta = 1, threshold = 20): Tensor => input.softplus(beta, threshold);

export interface CrossEntropyOptions { weight?: Tensor | null; reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number }
/** Cross entropy of logits against class indices (int64) or class probabilities (same shape as input). */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight, reduction = 'mean', ignoreIndex = -100, labelSmoothing = 0 } = options;
  checkNumber(labelSmoothing, 'labelSmoothing', 'crossEntropy()');
  if (labelSmoothing < 0 || labelSmoothing > 1) throw new RangeError(`crossEntropy(): labelSmoothing must be between 0 and 1, got ${labelSmoothing}`);
  return new Tensor(native.crossEntropy(input.handle, target.handle, handleOf(weight), reduction, ignoreIndex, labelSmoothing));
}
export function nllLoss(input: Tensor, target: Tensor, options: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): Tensor {
  const { weight, reduction = 'mean', ignoreIndex = -100 } = options;
  return new Tensor(native.nllLoss(input.handle, target.handle, handleOf(weight), reduction, ignoreIndex));
}
export const mseLoss = (input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor =>
  new Tensor(native.mseLoss(input.handle, target.handle, options.reduction ?? 'mean'));
export const l1Loss = (input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor =>
  new Tensor(native.l1Loss(input.handle, target.handle, options.reduction ?? 'mean'));
export const smoothL1Loss = (input: Tensor, target: Tensor, options: { reduction?: Reduction; beta?: number } = {}): Tensor =>
  new Tensor(native.smoothL1Loss(input.handle, target.handle, options.reduction ?? 'mean', options.beta ?? 1));
export const binaryCrossEntropy = (input: Tensor, target: Tensor, options: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor =>
  new Tensor(native.binaryCrossEntropy(input.handle, target.handle, handleOf(options.weight), options.reduction ?? 'mean'));
export const binaryCrossEntropyWithLogits = (input: Tensor, target: Tensor,
  options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}): Tensor =>
  new Tensor(native.binaryCrossEntropyWithLogits(input.handle, target.handle, handleOf(options.weight), handleOf(options.posWeight), options.reduction ?? 'mean'));

export interface InterpolateOptions {
  size?: Pair;
  scaleFactor?: number | [number, number];
  mode?: 'nearest' | 'bilinear' | 'bicubic' | 'nearest-exact';
  alignCorners?: boolean;
  recomputeScaleFactor?: boolean;
  /** Low-pass filter when shrinking (bilinear and bicubic only), as PIL and torchvision's resize(antialias=True). */
  antialias?: boolean;
}
/** Resizes N×C×H×W input to `size` or by `scaleFactor`, as PyTorch's F.interpolate. */
export function interpolate(input: Tensor, options: InterpolateOptions): Tensor {
  const { size, scaleFactor, mode = 'nearest', alignCorners, recomputeScaleFactor, antialias } = options;
  if (antialias && mode !== 'bilinear' && mode !== 'bicubic') throw new TypeError(`interpolate(): antialias only goes with the bilinear and bicubic modes, not '${mode}'`);
  if ((size === undefined) === (scaleFactor === undefined)) throw new TypeError('interpolate(): give exactly one of size and scaleFactor');
  if (alignCorners !== undefined && (mode === 'nearest' || mode === 'nearest-exact')) {
    throw new TypeError(`interpolate(): alignCorners only goes with the bilinear and bicubic modes, not '${mode}'`);
  }
  const shape = input.shape;
  if (shape.length !== 4) throw new RangeError(`interpolate(): expects a 4-D N×C×H×W input, got shape [${shape.join(', ')}]`);
  let outSize: [number, number];
  let scales: [number | undefined, number | undefined] = [undefined, undefined];
  if (size !== undefined) {
    outSize = pair(size, 'size', 'interpolate()');
  } else {
    const [sh, sw] = typeof scaleFactor === 'number' ? [scaleFactor, scaleFactor] : scaleFactor!;
    outSize = [Math.floor(shape[2] * sh), Math.floor(shape[3] * sw)];
    // PyTorch hands the scale to the kernel unless asked to recompute it from the sizes.
    if (!recomputeScaleFactor) scales = [sh, sw];
  }
  if (antialias) return new Tensor(native.upsample2dAntialias(input.handle, mode, outSize, alignCorners ?? false));
  return new Tensor(native.upsample2d(input.handle, mode, outSize, alignCorners, scales[0], scales[1]));
}

export interface GridSampleOptions { mode?: 'bilinear' | 'nearest' | 'bicubic'; paddingMode?: 'zeros' | 'border' | 'reflection'; alignCorners?: boolean }
/** Samples input at the (x, y) locations of grid (N×H×W×2, in [-1, 1]). */
export const gridSample = (input: Tensor, grid: Tensor, options: GridSampleOptions = {}): Tensor =>
  new Tensor(native.gridSample(input.handle, grid.handle, options.mode ?? 'bilinear', options.paddingMode ?? 'zeros', options.alignCorners ?? false));
/** The sampling grid of the affine maps theta (N×2×3) for an output of `size` [N, C, H, W]. */
export const affineGrid = (theta: Tensor, size: number[], options: { alignCorners?: boolean } = {}): Tensor =>
  new Tensor(native.affineGrid(theta.handle, size, options.alignCorners ?? false));
/** Pads the last dims: pad = [left, right, top, bottom, …]; mode constant, reflect, replicate or circular. */
export const pad = (input: Tensor, padding: number[], options: { mode?: 'constant' | 'reflect' | 'replicate' | 'circular'; value?: number } = {}): Tensor =>
  new Tensor(native.pad(input.handle, padding, options.mode ?? 'constant', options.value));
export { oneHot } from '../torch/functions.js';
