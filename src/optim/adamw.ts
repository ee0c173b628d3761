// AdamW: Adam with weight decay decoupled from the gradient, applied to the parameter (torch.optim.AdamW).
import type { Tensor } from '../torch/tensor.js';
import { adamStep, checkAdamOptions, type AdamOptions } from './adam.js';
import { Optimizer, type OptimizerSpec, type ParamGroup, type Params, type ParamState } from './optimizer.js';

export type AdamWOptions = AdamOptions;

const SPEC: OptimizerSpec<AdamWOptions> = {
  name: 'AdamW',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false },
  state: { step: 'counter', expAvg: 'buffer', expAvgSq: 'buffer', maxExpAvgSq: 'buffer' },
};

export class AdamW extends Optimizer<AdamWOptions> {
  constructor(params: Params<AdamWOptions>, options: Partial<AdamWOptions> = {}) {
    super(params, options, SPEC);
  }

  protected checkOptions(o: AdamWOptions, where: string): void {
    checkAdamOptions(o, where);
  }

  // PyTorch 1.13's _single_tensor_adamw: the decay multiplies the parameter before the Adam step.
  protected update(param: Tensor, grad: Tensor, group: ParamGroup<AdamWOptions>, state: ParamState): void {
    param.mul_(1 - group.lr * group.weightDecay);
    adamStep(param, grad, group, state, (name) => this.buffer(state, name, param));
  }
}
