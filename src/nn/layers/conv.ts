// Conv2d, with PyTorch's default initialization.
import { empty } from '../../torch/creation.js';
import type { Tensor } from '../../torch/tensor.js';
import { checkInt } from '../../torch/check.js';
import * as F from '../functional.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

type Pair = number | [number, number];
export interface Conv2dOptions { stride?: Pair; padding?: Pair | 'same' | 'valid'; dilation?: Pair; groups?: number; bias?: boolean }

const pair = (x: Pair): [number, number] => (typeof x === 'number' ? [x, x] : x);

export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly stride: Pair;
  readonly padding: Pair | 'same' | 'valid';
  readonly dilation: Pair;
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: Pair, options: Conv2dOptions = {}) {
    super();
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true } = options;
    checkInt(inChannels, 'inChannels', 'Conv2d', 1);
    checkInt(outChannels, 'outChannels', 'Conv2d', 1);
    checkInt(groups, 'groups', 'Conv2d', 1);
    if (inChannels % groups || outChannels % groups) {
      throw new RangeError(`Conv2d: inChannels (${inChannels}) and outChannels (${outChannels}) must both be divisible by groups (${groups})`);
    }
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.groups = groups;
    this.weight = new Parameter(empty([outChannels, inChannels / groups, ...pair(kernelSize)]));
    this.bias = bias ? new Parameter(empty([outChannels])) : null;
    this.resetParameters();
  }

  /** kaiming_uniform_(a=√5) for the weight, U(±1/√fan_in) for the bias, drawn in PyTorch's order. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const fanIn = this.weight.numel() / this.outChannels;
      uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
    }
  }

  forward(input: Tensor): Tensor {
    return F.conv2d(input, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  extraRepr(): string {
    const [kh, kw] = pair(this.kernelSize);
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=(${kh}, ${kw}), stride=(${pair(this.stride).join(', ')})`];
    if (this.padding !== 0) parts.push(`padding=${typeof this.padding === 'string' ? this.padding : `(${pair(this.padding).join(', ')})`}`);
    if (this.dilation !== 1) parts.push(`dilation=(${pair(this.dilation).join(', ')})`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push('bias=False');
    return parts.join(', ');
  }
}
