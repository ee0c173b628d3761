// LinearLR: scales the lr linearly from startFactor to endFactor times its initial value over totalIters
// epochs, then keeps it, e.g. for warm-up (torch.optim.lr_scheduler.LinearLR).
import { checkInt } from '../../torch/check.js';
import { checkRange, withDefaults } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './lr-scheduler.js';

export interface LinearLROptions {
  startFactor: number;
  endFactor: number;
  totalIters: number;
}

export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: Optimizer, options: Partial<LinearLROptions> = {}) {
    super(optimizer, 'LinearLR');
    const o = withDefaults(options, { startFactor: 1 / 3, endFactor: 1, totalIters: 5 }, this.name);
    // PyTorch 1.13 accepts startFactor 0 and then divides by zero at the second step.
    this.startFactor = checkRange(o.startFactor, 'startFactor', this.name, { min: 0, max: 1, minOpen: true });
    this.endFactor = checkRange(o.endFactor, 'endFactor', this.name, { min: 0, max: 1 });
    this.totalIters = checkInt(o.totalIters, 'totalIters', this.name, 1);
    this.step();
  }

  protected getLr(): number[] {
    const { lastEpoch: t, startFactor: start, endFactor: end, totalIters: total } = this;
    if (t === 0) return this.lrs.map((lr) => lr * start);
    if (t > total) return this.lrs;
    return this.lrs.map((lr) => lr * (1 + (end - start) / (total * start + (t - 1) * (end - start))));
  }

  protected closedFormLr(): number[] {
    const { lastEpoch: t, startFactor: start, endFactor: end, totalIters: total } = this;
    return this.baseLrs.map((lr) => lr * (start + ((end - start) * Math.min(total, t)) / total));
  }

  protected stateKeys(): string[] {
    return [...super.stateKeys(), 'startFactor', 'endFactor', 'totalIters'];
  }
}
