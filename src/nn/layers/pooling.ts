// Pooling layers.
import type { Tensor } from '../../torch/tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';
import { pyBool } from '../repr.js';

type Pair = number | [number, number];
const show = (x: Pair) => (typeof x === 'number' ? String(x) : `(${x.join(', ')})`);

export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: F.MaxPool2dOptions = {}) { super(); }
  forward(input: Tensor): Tensor { return F.maxPool2d(input, this.kernelSize, this.options); }
  extraRepr(): string {
    const o = this.options;
    return `kernel_size=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}, dilation=${show(o.dilation ?? 1)}, ceil_mode=${pyBool(o.ceilMode ?? false)}`;
  }
}
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: F.AvgPool2dOptions = {}) { super(); }
  forward(input: Tensor): Tensor { return F.avgPool2d(input, this.kernelSize, this.options); }
  extraRepr(): string { return `kernel_size=${show(this.kernelSize)}, stride=${show(this.options.stride ?? this.kernelSize)}, padding=${show(this.options.padding ?? 0)}`; }
}
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) { super(); }
  forward(input: Tensor): Tensor { return F.adaptiveAvgPool2d(input, this.outputSize); }
  extraRepr(): string { return `output_size=${show(this.outputSize)}`; }
}
