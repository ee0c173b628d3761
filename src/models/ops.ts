// torchvision.ops building blocks that its classification models share, with torchvision's names and printed forms.
import { checkInt } from '../torch/check.js';
import type { Tensor } from '../torch/tensor.js';
import { Hardsigmoid, ReLU } from '../nn/layers/activation.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { DropPath } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { LayerNorm } from '../nn/layers/normalization.js';
import { AdaptiveAvgPool2d } from '../nn/layers/pooling.js';
import * as F from '../nn/functional.js';
import { kaimingNormal_, normal_, zeros_ } from '../nn/init.js';
import { Module } from '../nn/module.js';

/**
 * Runs layers in order on input and frees each intermediate as soon as the next layer has used it (as
 * Sequential.forward), so a block's activations do not all wait for the caller's tidy scope.
 */
export function applyInOrder(input: Tensor, layers: Module[]): Tensor {
  let x = input;
  for (const layer of layers) {
    const y = layer.forward(x);
    if (x !== input && x !== y) x.dispose();
    x = y;
  }
  return x;
}

/** a + b, freeing a and b unless they are `keep` (a block's input). */
export function addAndFree(a: Tensor, b: Tensor, keep: Tensor): Tensor {
  const sum = a.add(b);
  for (const t of new Set([a, b])) if (t !== keep) t.dispose();
  return sum;
}

/** Rounds channels to a multiple of divisor, never below 90 % of v (torchvision's _make_divisible). */
export function makeDivisible(v: number, divisor: number, minValue = divisor): number {
  const rounded = Math.max(minValue, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/** A Sequential whose children have names (torchvision's nn.Sequential(OrderedDict(...))), e.g. heads.head. */
export function namedSequential(children: Record<string, Module>): Sequential {
  return Object.assign(new Sequential(), children);
}

export interface Conv2dNormActivationOptions {
  kernelSize?: number;
  stride?: number;
  /** Default (kernelSize − 1) / 2 · dilation: the size is kept at stride 1. */
  padding?: number;
  groups?: number;
  dilation?: number;
  /** The normalization after the convolution (null: none). */
  normLayer?: ((channels: number) => Module) | null;
  /** The activation last (null: none). */
  activationLayer?: (() => Module) | null;
  /** Default: a bias only without normalization. */
  bias?: boolean;
}

/** Convolution → normalization → activation, numbered 0, 1, 2 as torchvision's Conv2dNormActivation. */
export class Conv2dNormActivation extends Sequential {
  constructor(inChannels: number, outChannels: number, options: Conv2dNormActivationOptions = {}) {
    const { kernelSize = 3, stride = 1, groups = 1, dilation = 1, normLayer = null, activationLayer = null } = options;
    const padding = options.padding ?? Math.floor((kernelSize - 1) / 2) * dilation;
    const conv = new Conv2d(inChannels, outChannels, kernelSize, { stride, padding, dilation, groups, bias: options.bias ?? normLayer === null });
    super(conv, ...(normLayer ? [normLayer(outChannels)] : []), ...(activationLayer ? [activationLayer()] : []));
  }
}

/** Squeeze-and-excitation (Hu et al.): channels rescaled by a gate computed from their global average. */
export class SqueezeExcitation extends Module {
  avgpool = new AdaptiveAvgPool2d(1);
  fc1: Conv2d;
  fc2: Conv2d;
  activation: Module;
  scale_activation: Module;

  constructor(inputChannels: number, squeezeChannels: number, activation: () => Module = () => new ReLU(), scaleActivation: () => Module = () => new Hardsigmoid()) {
    super();
    checkInt(squeezeChannels, 'squeezeChannels', 'SqueezeExcitation', 1);
    this.fc1 = new Conv2d(inputChannels, squeezeChannels, 1);
    this.fc2 = new Conv2d(squeezeChannels, inputChannels, 1);
    this.activation = activation();
    this.scale_activation = scaleActivation();
  }

  forward(input: Tensor): Tensor {
    const squeezed = this.fc1.forward(this.avgpool.forward(input));
    const scale = this.scale_activation.forward(this.fc2.forward(this.activation.forward(squeezed)));
    return scale.mul(input);
  }
}

/** LayerNorm over the channels of N×C×H×W input (ConvNeXt's channels-first LayerNorm2d). */
export class LayerNorm2d extends LayerNorm {
  forward(input: Tensor): Tensor {
    if (input.ndim !== 4) throw new RangeError(`LayerNorm2d: expected N×C×H×W input, got shape [${input.shape.join(', ')}]`);
    const normalized = F.layerNorm(input.permute(0, 2, 3, 1), this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.options.eps ?? 1e-5 });
    return normalized.permute(0, 3, 1, 2);
  }
}

/** Reorders dimensions, as torchvision.ops.Permute. */
export class Permute extends Module {
  constructor(readonly dims: number[]) { super(); }
  forward(input: Tensor): Tensor { return input.permute(this.dims); }
}

/** torchvision's name for stochastic depth (nn.DropPath), so models print as torchvision's. */
export class StochasticDepth extends DropPath {}

/**
 * The He initialization torchvision's CNNs share: convolutions kaiming_normal (fan_out, ReLU gain) with zero bias;
 * with linearStd, Linear weights normal(0, linearStd) with zero bias (batch norms start at 1 and 0 already).
 */
export function initConvNets(model: Module, linearStd?: number): void {
  for (const m of model.modules()) {
    if (m instanceof Conv2d) {
      kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      if (m.bias) zeros_(m.bias);
    } else if (m instanceof Linear && linearStd !== undefined) {
      normal_(m.weight, 0, linearStd);
      if (m.bias) zeros_(m.bias);
    }
  }
}
