// SyncBatchNorm: batch norm whose training statistics are those of the whole batch across all ranks.
import { noGrad } from '../../torch/autograd.js';
import { cat } from '../../torch/functions.js';
import { full } from '../../torch/creation.js';
import { allReduceSumDifferentiable, defaultGroup, isInitialized, type ProcessGroup } from '../../torch/distributed.js';
import { tidy } from '../../torch/scope.js';
import type { Tensor } from '../../torch/tensor.js';
import { Module } from '../module.js';
import { BatchNorm, type BatchNormOptions } from './batchnorm.js';

export interface SyncBatchNormOptions extends BatchNormOptions {
  /** Default: the process group of distributed.initProcessGroup. */
  group?: ProcessGroup;
}

/**
 * Over N×C×… input (as torch.nn.SyncBatchNorm): in training under a process group of several ranks, the mean and
 * variance are over every rank's batch, and so is the backward. They are made of two differentiable sums over the
 * ranks (of the per-channel sums and counts, then of the squared deviations from the global mean), whose backward
 * sums the gradients over the ranks: autograd then gives batch norm's exact gradient for the global batch.
 * Alone (one rank, no group) or in evaluation, it is BatchNorm.
 */
export class SyncBatchNorm extends BatchNorm {
  protected readonly expectedDims = [2, 3, 4, 5];
  private readonly group: ProcessGroup | undefined;

  constructor(numFeatures: number, options: SyncBatchNormOptions = {}) {
    super(numFeatures, options);
    this.group = options.group;
  }

  forward(input: Tensor): Tensor {
    const group = this.group ?? (isInitialized() ? defaultGroup() : null);
    if (!this.training || !group || group.worldSize === 1) return super.forward(input);
    if (!this.expectedDims.includes(input.ndim)) {
      throw new RangeError(`SyncBatchNorm: expected 2-D or more input, got shape [${input.shape.join(', ')}]`);
    }
    const factor = this.runningStatsFactor();
    return tidy(() => {
      const channels = this.numFeatures;
      const dims = [0, ...Array.from({ length: input.ndim - 2 }, (_, k) => k + 2)];
      const perChannel = [1, channels, ...Array<number>(input.ndim - 2).fill(1)];
      const local = cat([input.sum(dims), full([1], input.numel() / channels, { dtype: input.dtype })]);
      const total = allReduceSumDifferentiable(local, group);
      const count = total.index(channels).item() as number;
      if (count <= 1) throw new RangeError(`SyncBatchNorm: expected more than 1 value per channel over all ranks in training, got input shape [${input.shape.join(', ')}]`);
      const mean = total.narrow(0, 0, channels).div(count);
      const centered = input.sub(mean.view(perChannel));
      const variance = allReduceSumDifferentiable(centered.mul(centered).sum(dims), group).div(count);
      let out = centered.mul(variance.add(this.eps).rsqrt().view(perChannel));
      if (this.weight && this.bias) out = out.mul(this.weight.view(perChannel)).add(this.bias.view(perChannel));
      if (this.running_mean && this.running_var) {
        noGrad(() => {
          this.running_mean!.mul_(1 - factor).add_(mean.mul(factor));
          // The running variance is the unbiased one, as batch norm keeps it.
          this.running_var!.mul_(1 - factor).add_(variance.mul(factor * count / (count - 1)));
        });
      }
      return out;
    });
  }

  /**
   * module with every BatchNorm1d/2d replaced by a SyncBatchNorm that shares its parameters, statistics and mode
   * (torch.nn.SyncBatchNorm.convert_sync_batchnorm); a BatchNorm module itself comes back converted.
   */
  static convertSyncBatchnorm<M extends Module>(module: M, group?: ProcessGroup): M | SyncBatchNorm {
    if (module instanceof BatchNorm && !(module instanceof SyncBatchNorm)) {
      const sync = new SyncBatchNorm(module.numFeatures, {
        eps: module.eps, momentum: module.momentum, affine: module.weight !== null, trackRunningStats: module.running_mean !== null, group,
      });
      sync.dispose();
      sync.weight = module.weight;
      sync.bias = module.bias;
      sync.running_mean = module.running_mean;
      sync.running_var = module.running_var;
      sync.num_batches_tracked = module.num_batches_tracked;
      sync.training = module.training;
      return sync;
    }
    for (const [name, child] of module.namedChildren()) {
      (module as unknown as Record<string, Module>)[name] = SyncBatchNorm.convertSyncBatchnorm(child, group);
    }
    return module;
  }
}
