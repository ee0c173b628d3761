// Flatten and Identity.
import type { Tensor } from '../../torch/tensor.js';
import { Module } from '../module.js';

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(input: Tensor): Tensor { return input.flatten(this.startDim, this.endDim); }
  extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}
/** Returns its input; a placeholder where a layer is removed (e.g. a replaced classifier). */
export class Identity extends Module {
  forward(input: Tensor): Tensor { return input; }
}
