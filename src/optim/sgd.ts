// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay (torch.optim.SGD).
import { keep } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { checkBoolean, checkNonNegative, checkRange } from './options.js';
import { Optimizer, type OptimizerSpec, type ParamGroup, type Params, type ParamState } from './optimizer.js';

export interface SGDOptions {
  /** Learning rate; required, in the options or in every parameter group. */
  lr: number;
  momentum: number;
  dampening: number;
  /** L2 penalty, added to the gradient. */
  weightDecay: number;
  nesterov: boolean;
}

const SPEC: OptimizerSpec<SGDOptions> = {
  name: 'SGD',
  defaults: { lr: undefined, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  state: { momentumBuffer: 'buffer' },
};

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions>) {
    super(params, options, SPEC);
  }

  protected checkOptions(o: SGDOptions, where: string): void {
    checkNonNegative(o.momentum, 'momentum', where);
    checkRange(o.dampening, 'dampening', where, { min: 0, max: 1 });
    checkNonNegative(o.weightDecay, 'weightDecay', where);
    if (checkBoolean(o.nesterov, 'nesterov', where) && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new RangeError(`${where}: nesterov needs momentum > 0 and dampening 0, got momentum ${o.momentum} and dampening ${o.dampening}`);
    }
  }

  // PyTorch 1.13's _single_tensor_sgd.
  protected update(param: Tensor, grad: Tensor, group: ParamGroup<SGDOptions>, state: ParamState): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = group;
    let d = weightDecay !== 0 ? grad.add(param, weightDecay) : grad;
    if (momentum !== 0) {
      let buf = state.momentumBuffer as Tensor | undefined;
      // The first step starts the buffer at the gradient itself, without dampening.
      if (buf === undefined) buf = state.momentumBuffer = keep(d.clone());
      else buf.mul_(momentum).add_(d, 1 - dampening);
      d = nesterov ? d.add(buf, momentum) : buf;
    }
    param.add_(d, -lr);
  }
}
