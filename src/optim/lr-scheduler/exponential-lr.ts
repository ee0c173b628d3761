// ExponentialLR: multiplies the lr by gamma every epoch (torch.optim.lr_scheduler.ExponentialLR).
import { checkNonNegative, withDefaults } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './lr-scheduler.js';

export interface ExponentialLROptions {
  /** Factor per epoch; required. */
  gamma: number;
}

export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: Optimizer, options: Partial<ExponentialLROptions>) {
    super(optimizer, 'ExponentialLR');
    const o = withDefaults(options, { gamma: undefined }, this.name, ['gamma']);
    this.gamma = checkNonNegative(o.gamma, 'gamma', this.name);
    this.step();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.lrs;
    return this.lrs.map((lr) => lr * this.gamma);
  }

  protected closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** this.lastEpoch);
  }

  protected stateKeys(): string[] {
    return [...super.stateKeys(), 'gamma'];
  }
}
