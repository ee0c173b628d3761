// Adam and its AMSGrad variant, with L2 weight decay added to the gradient (torch.optim.Adam).
import type { Tensor } from '../torch/tensor.js';
import { checkBoolean, checkNonNegative, checkRange } from './options.js';
import { Optimizer, type OptimizerSpec, type ParamGroup, type Params, type ParamState } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square, each in [0, 1). */
  betas: [number, number];
  eps: number;
  /** L2 penalty, added to the gradient (AdamW decouples it instead). */
  weightDecay: number;
  amsgrad: boolean;
}

const SPEC: OptimizerSpec<AdamOptions> = {
  name: 'Adam',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false },
  state: { step: 'counter', expAvg: 'buffer', expAvgSq: 'buffer', maxExpAvgSq: 'buffer' },
};

/** The checks Adam and AdamW share. */
export function checkAdamOptions(o: AdamOptions, where: string): void {
  if (!Array.isArray(o.betas) || o.betas.length !== 2) {
    throw new TypeError(`${where}: betas must be an array of two numbers, got ${JSON.stringify(o.betas) ?? String(o.betas)}`);
  }
  o.betas.forEach((beta, i) => checkRange(beta, `betas[${i}]`, where, { min: 0, max: 1, maxOpen: true }));
  checkNonNegative(o.eps, 'eps', where);
  checkNonNegative(o.weightDecay, 'weightDecay', where);
  checkBoolean(o.amsgrad, 'amsgrad', where);
}

/**
 * The moment updates and the step of Adam and AdamW (PyTorch 1.13's _single_tensor_adam without capturable):
 * `grad` already carries Adam's L2 term; AdamW has decayed the parameter before.
 */
export function adamStep(param: Tensor, grad: Tensor, group: AdamOptions, state: ParamState, buffer: (name: string) => Tensor): void {
  const { lr, betas: [beta1, beta2], eps, amsgrad } = group;
  const step = (state.step = ((state.step as number | undefined) ?? 0) + 1);
  const expAvg = buffer('expAvg');
  const expAvgSq = buffer('expAvgSq');
  expAvg.mul_(beta1).add_(grad, 1 - beta1);
  expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
  const stepSize = lr / (1 - beta1 ** step);
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
  let second = expAvgSq;
  if (amsgrad) second = buffer('maxExpAvgSq').maximum_(expAvgSq);
  param.addcdiv_(expAvg, second.sqrt().div_(biasCorrection2Sqrt).add_(eps), -stepSize);
}

export class Adam extends Optimizer<AdamOptions> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, options, SPEC);
  }

  protected checkOptions(o: AdamOptions, where: string): void {
    checkAdamOptions(o, where);
  }

  protected update(param: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>, state: ParamState): void {
    const g = group.weightDecay !== 0 ? grad.add(param, group.weightDecay) : grad;
    adamStep(param, g, group, state, (name) => this.buffer(state, name, param));
  }
}
