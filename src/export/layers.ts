// Converters for the layers of nn: each reproduces the layer's eval-mode forward with ONNX operators of opsets 14–17.
import { GELU, Hardsigmoid, Hardswish, LeakyReLU, ReLU, Sigmoid, SiLU, Softmax, Tanh } from '../nn/layers/activation.js';
import { MultiheadAttention } from '../nn/layers/attention.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { DropBlock2d, Dropout, Dropout2d, DropPath } from '../nn/layers/dropout.js';
import { Hardtanh, ReLU6 } from '../nn/layers/hardtanh.js';
import { Linear } from '../nn/layers/linear.js';
import { MixStyle } from '../nn/layers/mix-style.js';
import { LayerNorm } from '../nn/layers/normalization.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../nn/layers/pooling.js';
import { Flatten, Identity } from '../nn/layers/reshape.js';
import { Residual } from '../nn/layers/residual.js';
import type { Module } from '../nn/module.js';
import { ones, zeros } from '../torch/creation.js';
import type { Tensor } from '../torch/tensor.js';
import { registerConverter, type Scope } from './converter.js';
import { float, int, ints } from './graph.js';

type Pair = number | [number, number];
const pair = (x: Pair): [number, number] => (typeof x === 'number' ? [x, x] : x);
/** ONNX pads are [top, left, bottom, right]. */
const pads = ([h, w]: [number, number]) => [h, w, h, w];

/** A layer that eval mode makes the identity (dropout, stochastic depth, MixStyle). */
export const passThrough = (_module: Module, input: string): string => input;

export function sequential(module: Module, input: string, scope: Scope): string {
  return scope.chain(module.namedChildren().map(([name]) => name), input);
}

// ---- containers and shape ----
registerConverter(Sequential, sequential);
registerConverter(Identity, passThrough);
registerConverter(Residual, (m, x, s) => s.op('Add', [s.child('block', x), m.shortcut ? s.child('shortcut', x) : x]));
registerConverter(Flatten, (m, x, s) => flatten(s, x, s.shapes().input, m.startDim, m.endDim));
for (const dropout of [Dropout, Dropout2d, DropBlock2d, DropPath, MixStyle]) registerConverter(dropout, passThrough);

/** torch.flatten(start, end) of a value of `shape` (batch first): ONNX Flatten where it is the same, else Reshape. */
function flatten(scope: Scope, input: string, shape: number[], startDim = 1, endDim = -1): string {
  const rank = shape.length;
  const [start, end] = [startDim < 0 ? startDim + rank : startDim, endDim < 0 ? endDim + rank : endDim];
  if (start === 1 && end === rank - 1) return scope.op('Flatten', [input], [int('axis', 1)]);
  // 0 copies the batch axis; -1 stands for the merged axes when they take the batch in.
  const merged = start === 0 ? -1 : shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
  const target = [...shape.slice(0, start).map((d, i) => (i === 0 ? 0 : d)), merged, ...shape.slice(end + 1)];
  return scope.op('Reshape', [input, scope.constant('int64', target)]);
}

// ---- convolution, dense, normalization ----
registerConverter(Conv2d, (m, x, s) => {
  const kernel = pair(m.kernelSize);
  const dilation = pair(m.dilation);
  let padding: number[];
  if (m.padding === 'valid') padding = [0, 0, 0, 0];
  else if (m.padding === 'same') {
    // As PyTorch: the total d·(k − 1) split with the smaller half first.
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    padding = [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
  } else padding = pads(pair(m.padding));
  return s.op('Conv', [x, s.tensor(m.weight), ...(m.bias ? [s.tensor(m.bias)] : [])], [
    ints('kernel_shape', kernel), ints('strides', pair(m.stride)), ints('pads', padding), ints('dilations', dilation), int('group', m.groups),
  ]);
});

/** x·Wᵀ + b: Gemm on a matrix, MatMul (broadcast over the leading axes) and Add on higher ranks. */
export function linear(scope: Scope, input: string, rank: number, weight: Tensor, bias: Tensor | null, name: string): string {
  if (rank === 2) return scope.op('Gemm', [input, scope.tensor(weight, `${name}.weight`), ...(bias ? [scope.tensor(bias, `${name}.bias`)] : [])], [int('transB', 1)]);
  const product = scope.op('MatMul', [input, scope.tensor(weight.t(), `${name}.weight.T`)]);
  return bias ? scope.op('Add', [product, scope.tensor(bias, `${name}.bias`)]) : product;
}
const stateName = (s: Scope, suffix: string) => (s.path ? `${s.path}.${suffix}` : suffix);
registerConverter(Linear, (m, x, s) => linear(s, x, s.shapes().input.length, m.weight, m.bias, s.path || 'linear'));

function batchNorm(m: BatchNorm1d | BatchNorm2d, x: string, s: Scope): string {
  if (!m.running_mean || !m.running_var) throw s.error('without running statistics (trackRunningStats: false) it normalizes with each batch\'s own, which ONNX inference does not');
  const scale = m.weight ? s.tensor(m.weight) : s.tensor(ones([m.numFeatures]), stateName(s, 'weight'));
  const shift = m.bias ? s.tensor(m.bias) : s.tensor(zeros([m.numFeatures]), stateName(s, 'bias'));
  return s.op('BatchNormalization', [x, scale, shift, s.tensor(m.running_mean), s.tensor(m.running_var)], [float('epsilon', m.eps)]);
}
registerConverter(BatchNorm1d, batchNorm);
registerConverter(BatchNorm2d, batchNorm);

/** LayerNorm over the last `axes` axes: LayerNormalization from opset 17, its definition in primitive operators before. */
export function layerNorm(scope: Scope, input: string, axes: number, weight: Tensor | null, bias: Tensor | null, eps: number, shape: number[]): string {
  const scale = weight ? scope.tensor(weight) : scope.tensor(ones(shape), stateName(scope, 'weight'));
  const shift = bias ? scope.tensor(bias) : scope.tensor(zeros(shape), stateName(scope, 'bias'));
  if (scope.opset >= 17) return scope.op('LayerNormalization', [input, scale, shift], [int('axis', -axes), float('epsilon', eps)]);
  const reduce = Array.from({ length: axes }, (_, i) => -1 - i);
  const mean = (x: string) => scope.op('ReduceMean', [x], [ints('axes', reduce), int('keepdims', 1)]);
  const centred = scope.op('Sub', [input, mean(input)]);
  const variance = mean(scope.op('Mul', [centred, centred]));
  const deviation = scope.op('Sqrt', [scope.op('Add', [variance, scope.constant('float', [eps], [])])]);
  return scope.op('Add', [scope.op('Mul', [scope.op('Div', [centred, deviation]), scale]), shift]);
}
registerConverter(LayerNorm, (m, x, s) => layerNorm(s, x, m.normalizedShape.length, m.weight, m.bias, m.options.eps ?? 1e-5, m.normalizedShape));

// ---- activations ----
registerConverter(ReLU, (_m, x, s) => s.op('Relu', [x]));
registerConverter(LeakyReLU, (m, x, s) => s.op('LeakyRelu', [x], [float('alpha', m.negativeSlope)]));
registerConverter(Sigmoid, (_m, x, s) => s.op('Sigmoid', [x]));
registerConverter(Tanh, (_m, x, s) => s.op('Tanh', [x]));
registerConverter(Softmax, (m, x, s) => s.op('Softmax', [x], [int('axis', m.dim)]));
registerConverter(SiLU, (_m, x, s) => s.op('Mul', [x, s.op('Sigmoid', [x])]));
registerConverter(Hardswish, (_m, x, s) => s.op('HardSwish', [x]));
// PyTorch's hardsigmoid is relu6(x + 3) / 6: HardSigmoid's α = 1/6, β = 1/2.
registerConverter(Hardsigmoid, (_m, x, s) => s.op('HardSigmoid', [x], [float('alpha', 1 / 6), float('beta', 0.5)]));
const clip = (m: Hardtanh, x: string, s: Scope) => s.op('Clip', [x, s.constant('float', [m.minVal], []), s.constant('float', [m.maxVal], [])]);
registerConverter(Hardtanh, clip);
registerConverter(ReLU6, clip);
registerConverter(GELU, (m, x, s) => {
  const half = s.op('Mul', [x, s.constant('float', [0.5], [])]);
  if (m.approximate === 'tanh') {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const cube = s.op('Mul', [s.op('Mul', [x, x]), x]);
    const inner = s.op('Mul', [s.op('Add', [x, s.op('Mul', [cube, s.constant('float', [0.044715], [])])]), s.constant('float', [Math.sqrt(2 / Math.PI)], [])]);
    return s.op('Mul', [half, s.op('Add', [s.op('Tanh', [inner]), s.constant('float', [1], [])])]);
  }
  // 0.5·x·(1 + erf(x/√2)); ONNX has Gelu only from opset 20.
  const erf = s.op('Erf', [s.op('Div', [x, s.constant('float', [Math.SQRT2], [])])]);
  return s.op('Mul', [half, s.op('Add', [erf, s.constant('float', [1], [])])]);
});

// ---- pooling ----
registerConverter(MaxPool2d, (m, x, s) => {
  const o = m.options;
  return s.op('MaxPool', [x], [
    ints('kernel_shape', pair(m.kernelSize)), ints('strides', pair(o.stride ?? m.kernelSize)), ints('pads', pads(pair(o.padding ?? 0))),
    ints('dilations', pair(o.dilation ?? 1)), int('ceil_mode', o.ceilMode ? 1 : 0),
  ]);
});
registerConverter(AvgPool2d, (m, x, s) => {
  const o = m.options;
  if (o.divisorOverride !== undefined) throw s.error('divisorOverride has no ONNX AveragePool equivalent');
  return s.op('AveragePool', [x], [
    ints('kernel_shape', pair(m.kernelSize)), ints('strides', pair(o.stride ?? m.kernelSize)), ints('pads', pads(pair(o.padding ?? 0))),
    int('ceil_mode', o.ceilMode ? 1 : 0), int('count_include_pad', o.countIncludePad ?? true ? 1 : 0),
  ]);
});
registerConverter(AdaptiveAvgPool2d, (m, x, s) => adaptiveAvgPool2d(s, x, s.shapes().input, pair(m.outputSize)));

/**
 * PyTorch's adaptive average pooling of an N×C×H×W value to `size`: GlobalAveragePool to 1×1, AveragePool where the
 * sizes divide, otherwise P_h·X·P_wᵀ with the matrices of its windows [⌊i·H/h⌋, ⌈(i+1)·H/h⌉) (e.g. 1×1 to 7×7 in VGG
 * on small images).
 */
export function adaptiveAvgPool2d(scope: Scope, input: string, inputShape: number[], [oh, ow]: [number, number]): string {
  const [h, w] = inputShape.slice(-2);
  if (oh === 1 && ow === 1) return scope.op('GlobalAveragePool', [input]);
  if (h === oh && w === ow) return input;
  if (h % oh === 0 && w % ow === 0) {
    const kernel = [h / oh, w / ow];
    return scope.op('AveragePool', [input], [ints('kernel_shape', kernel), ints('strides', kernel)]);
  }
  /** The weight of input k in output i, at [i, k] (or at [k, i] when transposed). */
  const windows = (out: number, size: number, transposed: boolean) => {
    const values = new Array<number>(out * size).fill(0);
    for (let i = 0; i < out; i++) {
      const [start, end] = [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
      for (let k = start; k < end; k++) values[transposed ? k * out + i : i * size + k] = 1 / (end - start);
    }
    return scope.constant('float', values, transposed ? [size, out] : [out, size]);
  };
  const rows = scope.op('MatMul', [windows(oh, h, false), input]);
  return scope.op('MatMul', [rows, windows(ow, w, true)]);
}

// ---- attention ----
/**
 * Self-attention (query = key = value) as MultiheadAttention.forward computes it: the joint projection split into
 * q, k, v, heads N×H×L×d, softmax(q/√d · kᵀ)·v, the heads joined and out_proj.
 */
registerConverter(MultiheadAttention, (m, x, s) => {
  const e = m.embedDim;
  const tokens = m.batchFirst ? x : s.op('Transpose', [x], [ints('perm', [1, 0, 2])]);
  const name = s.path || 'attention';
  const project = (k: number, label: string) => linear(s, tokens, 3, m.in_proj_weight.narrow(0, k * e, e), m.in_proj_bias?.narrow(0, k * e, e) ?? null, `${name}.in_proj.${label}`);
  const heads = (value: string, perm: number[]) => s.op('Transpose', [s.op('Reshape', [value, s.constant('int64', [0, 0, m.numHeads, m.headDim])])], [ints('perm', perm)]);
  const q = s.op('Div', [heads(project(0, 'q'), [0, 2, 1, 3]), s.constant('float', [Math.sqrt(m.headDim)], [])]);
  const kT = heads(project(1, 'k'), [0, 2, 3, 1]);
  const v = heads(project(2, 'v'), [0, 2, 1, 3]);
  const weights = s.op('Softmax', [s.op('MatMul', [q, kT])], [int('axis', -1)]);
  const attended = s.op('Reshape', [s.op('Transpose', [s.op('MatMul', [weights, v])], [ints('perm', [0, 2, 1, 3])]), s.constant('int64', [0, 0, e])]);
  const out = s.child('out_proj', attended);
  return m.batchFirst ? out : s.op('Transpose', [out], [ints('perm', [1, 0, 2])]);
});
