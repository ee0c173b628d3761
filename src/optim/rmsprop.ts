// RMSprop, optionally centered and with momentum (torch.optim.RMSprop).
import type { Tensor } from '../torch/tensor.js';
import { checkBoolean, checkNonNegative, checkRange } from './options.js';
import { Optimizer, type OptimizerSpec, type ParamGroup, type Params, type ParamState } from './optimizer.js';

export interface RMSpropOptions {
  lr: number;
  /** Decay rate of the running average of the squared gradient. */
  alpha: number;
  eps: number;
  /** L2 penalty, added to the gradient. */
  weightDecay: number;
  momentum: number;
  /** Divides by the variance of the gradient (its running mean subtracted) instead of its raw second moment. */
  centered: boolean;
}

const SPEC: OptimizerSpec<RMSpropOptions> = {
  name: 'RMSprop',
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
  state: { step: 'counter', squareAvg: 'buffer', momentumBuffer: 'buffer', gradAvg: 'buffer' },
};

export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, options, SPEC);
  }

  protected checkOptions(o: RMSpropOptions, where: string): void {
    checkRange(o.alpha, 'alpha', where, { min: 0, max: 1 });
    checkNonNegative(o.eps, 'eps', where);
    checkNonNegative(o.weightDecay, 'weightDecay', where);
    checkNonNegative(o.momentum, 'momentum', where);
    checkBoolean(o.centered, 'centered', where);
  }

  // PyTorch 1.13's _single_tensor_rmsprop.
  protected update(param: Tensor, grad: Tensor, group: ParamGroup<RMSpropOptions>, state: ParamState): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = group;
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    const g = weightDecay !== 0 ? grad.add(param, weightDecay) : grad;
    const squareAvg = this.buffer(state, 'squareAvg', param).mul_(alpha).addcmul_(g, g, 1 - alpha);
    let avg: Tensor;
    if (centered) {
      const gradAvg = this.buffer(state, 'gradAvg', param).mul_(alpha).add_(g, 1 - alpha);
      avg = squareAvg.addcmul(gradAvg, gradAvg, -1).sqrt_();
    } else {
      avg = squareAvg.sqrt();
    }
    avg.add_(eps);
    if (momentum > 0) {
      const buf = this.buffer(state, 'momentumBuffer', param).mul_(momentum).addcdiv_(g, avg);
      param.add_(buf, -lr);
    } else {
      param.addcdiv_(g, avg, -lr);
    }
  }
}
