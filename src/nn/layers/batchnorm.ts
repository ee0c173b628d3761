// BatchNorm1d and BatchNorm2d: batch statistics in training, running statistics in evaluation.
import { checkInt } from '../../torch/check.js';
import { ones, tensor, zeros } from '../../torch/creation.js';
import { noGrad } from '../../torch/autograd.js';
import type { Tensor } from '../../torch/tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';
import { pyBool, pyFloat } from '../repr.js';
import { Buffer, Parameter } from '../parameter.js';

export interface BatchNormOptions {
  eps?: number;
  /** The running statistics' update rate; null averages over all batches seen (cumulative). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** What BatchNorm1d, BatchNorm2d and SyncBatchNorm share. */
export abstract class BatchNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  running_mean: Buffer | null;
  running_var: Buffer | null;
  num_batches_tracked: Buffer | null;
  readonly eps: number;
  readonly momentum: number | null;

  protected abstract readonly expectedDims: number[];

  constructor(readonly numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkInt(numFeatures, 'numFeatures', this.constructor.name, 1);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures])) : null;
    this.running_mean = trackRunningStats ? new Buffer(zeros([numFeatures])) : null;
    this.running_var = trackRunningStats ? new Buffer(ones([numFeatures])) : null;
    this.num_batches_tracked = trackRunningStats ? new Buffer(tensor(0)) : null;
  }

  forward(input: Tensor): Tensor {
    if (!this.expectedDims.includes(input.ndim)) {
      throw new RangeError(`${this.typeName}: expected ${this.expectedDims.join('-D or ')}-D input, got shape [${input.shape.join(', ')}]`);
    }
    const factor = this.runningStatsFactor();
    // Batch statistics while training, and also in evaluation when no running ones are tracked.
    return F.batchNorm(input, this.running_mean, this.running_var, {
      weight: this.weight, bias: this.bias, training: this.training || this.running_mean === null, momentum: factor, eps: this.eps,
    });
  }

  /** Counts a training batch and gives the running statistics' update rate for it. */
  protected runningStatsFactor(): number {
    let factor = this.momentum ?? 0;
    if (this.training && this.num_batches_tracked) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      if (this.momentum === null) factor = 1 / (this.num_batches_tracked.item() as number);
    }
    return factor;
  }

  extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, affine=${pyBool(this.weight !== null)}, track_running_stats=${pyBool(this.running_mean !== null)}`;
  }
}

/** Over N×C or N×C×L input. */
export class BatchNorm1d extends BatchNorm {
  protected readonly expectedDims = [2, 3];
}
/** Over N×C×H×W input, per channel. */
export class BatchNorm2d extends BatchNorm {
  protected readonly expectedDims = [4];
}
