// Hardtanh and its special case ReLU6 (min(max(x, 0), 6)), the activation of MobileNetV2.
import { checkNumber } from '../../torch/check.js';
import type { Tensor } from '../../torch/tensor.js';
import { Module } from '../module.js';
import { pyFloat } from '../repr.js';

/** Clamps to [minVal, maxVal]. */
export class Hardtanh extends Module {
  constructor(readonly minVal = -1, readonly maxVal = 1) {
    super();
    checkNumber(minVal, 'minVal', this.constructor.name);
    checkNumber(maxVal, 'maxVal', this.constructor.name);
    if (minVal >= maxVal) throw new RangeError(`${this.constructor.name}: minVal (${minVal}) must be less than maxVal (${maxVal})`);
  }
  forward(input: Tensor): Tensor { return input.hardtanh(this.minVal, this.maxVal); }
  extraRepr(): string { return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`; }
}

export class ReLU6 extends Hardtanh {
  constructor() { super(0, 6); }
  extraRepr(): string { return ''; }
}
