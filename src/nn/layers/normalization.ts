// GroupNorm and LayerNorm: statistics per sample, the same in training and evaluation.
import { checkInt } from '../../torch/check.js';
import { ones, zeros } from '../../torch/creation.js';
import type { Tensor } from '../../torch/tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';
import { pyBool, pyFloat } from '../repr.js';
import { Parameter } from '../parameter.js';

export class GroupNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(readonly numGroups: number, readonly numChannels: number, readonly options: { eps?: number; affine?: boolean } = {}) {
    super();
    checkInt(numGroups, 'numGroups', 'GroupNorm', 1);
    if (numChannels % numGroups) throw new RangeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    const affine = options.affine ?? true;
    this.weight = affine ? new Parameter(ones([numChannels])) : null;
    this.bias = affine ? new Parameter(zeros([numChannels])) : null;
  }

  forward(input: Tensor): Tensor {
    return F.groupNorm(input, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.options.eps ?? 1e-5 });
  }

  extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.options.eps ?? 1e-5)}, affine=${pyBool(this.weight !== null)}`;
  }
}

export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];

  constructor(normalizedShape: number | number[], readonly options: { eps?: number; elementwiseAffine?: boolean } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? new Parameter(ones(this.normalizedShape)) : null;
    this.bias = affine ? new Parameter(zeros(this.normalizedShape)) : null;
  }

  forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.options.eps ?? 1e-5 });
  }

  extraRepr(): string {
    return `(${this.normalizedShape.join(', ')},), eps=${pyFloat(this.options.eps ?? 1e-5)}, elementwise_affine=${pyBool(this.weight !== null)}`;
  }
}
