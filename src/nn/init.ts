// nn.init: PyTorch's weight initializations, in place, drawing from libtorch's generator in PyTorch's order.
import { noGrad } from '../torch/autograd.js';
import { tensor } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';

export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv2d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new TypeError(`calculateGain: unknown nonlinearity '${nonlinearity as string}'`);
  }
}

/** fan_in and fan_out of a weight: in and out features times the receptive field. */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  const shape = t.shape;
  if (shape.length < 2) throw new RangeError(`fans: a weight needs at least 2 dimensions to have fan in and fan out, got shape [${shape.join(', ')}]`);
  const field = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * field, fanOut: shape[0] * field };
}

const fanOf = (t: Tensor, mode: FanMode) => (mode === 'fan_in' ? fans(t).fanIn : fans(t).fanOut);

export const uniform_ = (t: Tensor, a = 0, b = 1): Tensor => noGrad(() => t.uniform_(a, b));
export const normal_ = (t: Tensor, mean = 0, std = 1): Tensor => noGrad(() => t.normal_(mean, std));
export const constant_ = (t: Tensor, value: number): Tensor => noGrad(() => t.fill_(value));
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

export interface KaimingOptions { a?: number; mode?: FanMode; nonlinearity?: Nonlinearity }
/** He initialization, uniform: bound = gain · √(3 / fan). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = options;
  const bound = Math.sqrt(3) * (calculateGain(nonlinearity, a) / Math.sqrt(fanOf(t, mode)));
  return uniform_(t, -bound, bound);
}
/** He initialization, normal: std = gain / √fan. */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = options;
  return normal_(t, 0, calculateGain(nonlinearity, a) / Math.sqrt(fanOf(t, mode)));
}
/** Glorot initialization, uniform: bound = gain · √(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}
/** Normal values redrawn into [a, b] by the inverse-CDF method PyTorch uses. */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  const cdf = (x: number) => tidy(() => (1 + (tensor([x / Math.SQRT2], { dtype: 'float64' }).erf().item() as number)) / 2);
  const [low, high] = [cdf((a - mean) / std), cdf((b - mean) / std)];
  return noGrad(() => t.uniform_(2 * low - 1, 2 * high - 1).erfinv_().mul_(std * Math.SQRT2).add_(mean).clamp_(a, b));
}
