// MultiStepLR: multiplies the lr by gamma at each milestone epoch (torch.optim.lr_scheduler.MultiStepLR).
import { checkInt, describe } from '../../torch/check.js';
import { checkNonNegative, withDefaults } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './lr-scheduler.js';

export interface MultiStepLROptions {
  /** Epochs at which the lr decays; required. A milestone given twice decays twice, as in PyTorch. */
  milestones: number[];
  gamma: number;
}

export class MultiStepLR extends LRScheduler {
  /** Sorted, with repeats. */
  milestones: number[];
  gamma: number;

  constructor(optimizer: Optimizer, options: Partial<MultiStepLROptions>) {
    super(optimizer, 'MultiStepLR');
    const o = withDefaults(options, { milestones: undefined as number[] | undefined, gamma: 0.1 }, this.name, ['milestones']);
    if (!Array.isArray(o.milestones)) throw new TypeError(`${this.name}: milestones must be an array of epochs, got ${describe(o.milestones)}`);
    this.milestones = o.milestones.map((m, i) => checkInt(m, `milestones[${i}]`, this.name, 0)).sort((a, b) => a - b);
    this.gamma = checkNonNegative(o.gamma, 'gamma', this.name);
    this.step();
  }

  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.lrs;
    return this.lrs.map((lr) => lr * this.gamma ** count);
  }

  protected closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((lr) => lr * this.gamma ** passed);
  }

  protected stateKeys(): string[] {
    return [...super.stateKeys(), 'milestones', 'gamma'];
  }
}
