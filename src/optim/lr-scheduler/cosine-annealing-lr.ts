// CosineAnnealingLR: the lr follows half a cosine from its initial value down to etaMin over tMax epochs,
// then back up, periodically (torch.optim.lr_scheduler.CosineAnnealingLR, without restarts).
import { checkInt, checkNumber } from '../../torch/check.js';
import { withDefaults } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './lr-scheduler.js';

export interface CosineAnnealingLROptions {
  /** Epochs from the initial lr to etaMin; required (PyTorch's T_max). */
  tMax: number;
  /** The lowest lr (PyTorch's eta_min). */
  etaMin: number;
}

export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: Optimizer, options: Partial<CosineAnnealingLROptions>) {
    super(optimizer, 'CosineAnnealingLR');
    const o = withDefaults(options, { tMax: undefined, etaMin: 0 }, this.name, ['tMax']);
    this.tMax = checkInt(o.tMax, 'tMax', this.name, 1);
    this.etaMin = checkNumber(o.etaMin, 'etaMin', this.name);
    this.step();
  }

  // PyTorch's recursive form: each lr from the previous one, so other changes to the lr carry on.
  protected getLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    if (t === 0) return this.lrs;
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      // Just past the bottom of the cosine, where the ratio below would divide by zero.
      return this.lrs.map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax));
    return this.lrs.map((lr) => ratio * (lr - etaMin) + etaMin);
  }

  protected closedFormLr(): number[] {
    return this.baseLrs.map((lr) => this.etaMin + ((lr - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }

  protected stateKeys(): string[] {
    return [...super.stateKeys(), 'tMax', 'etaMin'];
  }
}
