// Linear (fully connected), with PyTorch's default initialization.
import { checkInt } from '../../torch/check.js';
import { empty } from '../../torch/creation.js';
import type { Tensor } from '../../torch/tensor.js';
import * as F from '../functional.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { pyBool } from '../repr.js';
import { Parameter } from '../parameter.js';

export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    checkInt(inFeatures, 'inFeatures', 'Linear', 1);
    checkInt(outFeatures, 'outFeatures', 'Linear', 1);
    this.weight = new Parameter(empty([outFeatures, inFeatures]));
    this.bias = options.bias ?? true ? new Parameter(empty([outFeatures])) : null;
    this.resetParameters();
  }

  /** kaiming_uniform_(a=√5) for the weight, U(±1/√in_features) for the bias, drawn in PyTorch's order. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) uniform_(this.bias, -1 / Math.sqrt(this.inFeatures), 1 / Math.sqrt(this.inFeatures));
  }

  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
