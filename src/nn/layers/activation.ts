// Activation layers: stateless wrappers of the functional forms.
import type { Tensor } from '../../torch/tensor.js';
import { Module } from '../module.js';
import { pyFloat } from '../repr.js';

export class ReLU extends Module {
  forward(input: Tensor): Tensor { return input.relu(); }
}
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  forward(input: Tensor): Tensor { return input.leakyRelu(this.negativeSlope); }
  extraRepr(): string { return `negative_slope=${pyFloat(this.negativeSlope)}`; }
}
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') { super(); }
  forward(input: Tensor): Tensor { return input.gelu(this.approximate); }
  extraRepr(): string { return `approximate='${this.approximate}'`; }
}
export class SiLU extends Module {
  forward(input: Tensor): Tensor { return input.silu(); }
}
export class Hardswish extends Module {
  forward(input: Tensor): Tensor { return input.hardswish(); }
}
export class Hardsigmoid extends Module {
  forward(input: Tensor): Tensor { return input.hardsigmoid(); }
}
export class Sigmoid extends Module {
  forward(input: Tensor): Tensor { return input.sigmoid(); }
}
export class Tanh extends Module {
  forward(input: Tensor): Tensor { return input.tanh(); }
}
export class Softmax extends Module {
  constructor(readonly dim: number) { super(); }
  forward(input: Tensor): Tensor { return input.softmax(this.dim); }
  extraRepr(): string { return `dim=${this.dim}`; }
}
