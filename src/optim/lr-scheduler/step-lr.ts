// StepLR: multiplies the lr by gamma every stepSize epochs (torch.optim.lr_scheduler.StepLR).
import { checkInt } from '../../torch/check.js';
import { checkNonNegative, withDefaults } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './lr-scheduler.js';

export interface StepLROptions {
  /** Epochs between decays; required. */
  stepSize: number;
  gamma: number;
}

export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: Optimizer, options: Partial<StepLROptions>) {
    super(optimizer, 'StepLR');
    const o = withDefaults(options, { stepSize: undefined, gamma: 0.1 }, this.name, ['stepSize']);
    this.stepSize = checkInt(o.stepSize, 'stepSize', this.name, 1);
    this.gamma = checkNonNegative(o.gamma, 'gamma', this.name);
    this.step();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.lrs;
    return this.lrs.map((lr) => lr * this.gamma);
  }

  protected closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }

  protected stateKeys(): string[] {
    return [...super.stateKeys(), 'stepSize', 'gamma'];
  }
}
