// OneCycleLR: the 1cycle policy. The lr rises from maxLr/divFactor to maxLr over the first pctStart of the
// steps, then falls to maxLr/(divFactor·finalDivFactor); momentum (or Adam's beta1) moves the opposite way
// (torch.optim.lr_scheduler.OneCycleLR). Step it after every batch.
import { checkInt } from '../../torch/check.js';
import { checkBoolean, checkChoice, checkNonNegative, checkRange, perGroup, withDefaults } from '../options.js';
import type { Optimizer, ParamGroup } from '../optimizer.js';
import { LRScheduler } from './lr-scheduler.js';

export interface OneCycleLROptions {
  /** The peak lr, one for all groups or one per group; required. */
  maxLr: number | number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps: number;
  epochs: number;
  stepsPerEpoch: number;
  /** The fraction of the steps spent raising the lr. */
  pctStart: number;
  annealStrategy: 'cos' | 'linear';
  /** Moves momentum (SGD, RMSprop) or beta1 (Adam, AdamW) inversely to the lr. */
  cycleMomentum: boolean;
  baseMomentum: number | number[];
  maxMomentum: number | number[];
  /** The initial lr is maxLr / divFactor. */
  divFactor: number;
  /** The final lr is the initial lr / finalDivFactor. */
  finalDivFactor: number;
  /** A third phase: up, down to the initial lr, then down to the final lr (fastai's shape otherwise). */
  threePhase: boolean;
}

const DEFAULTS = {
  maxLr: undefined as number | number[] | undefined,
  totalSteps: undefined as number | undefined,
  epochs: undefined as number | undefined,
  stepsPerEpoch: undefined as number | undefined,
  pctStart: 0.3,
  annealStrategy: 'cos',
  cycleMomentum: true,
  baseMomentum: 0.85 as number | number[],
  maxMomentum: 0.95 as number | number[],
  divFactor: 25,
  finalDivFactor: 1e4,
  threePhase: false,
};

export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  pctStart: number;
  threePhase: boolean;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  /** Whether momentum is Adam's beta1 rather than a `momentum` option. */
  useBeta1: boolean;
  maxLrs: number[];
  minLrs: number[];
  maxMomentums: number[];
  baseMomentums: number[];

  constructor(optimizer: Optimizer, options: Partial<OneCycleLROptions>) {
    super(optimizer, 'OneCycleLR');
    const where = this.name;
    const o = withDefaults(options, DEFAULTS, where, ['maxLr']);
    if (o.totalSteps !== undefined) this.totalSteps = checkInt(o.totalSteps, 'totalSteps', where, 1);
    else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
      this.totalSteps = checkInt(o.epochs, 'epochs', where, 1) * checkInt(o.stepsPerEpoch, 'stepsPerEpoch', where, 1);
    } else throw new TypeError(`${where}: give totalSteps, or epochs and stepsPerEpoch`);
    this.pctStart = checkRange(o.pctStart, 'pctStart', where, { min: 0, max: 1 });
    this.threePhase = checkBoolean(o.threePhase, 'threePhase', where);
    this.annealStrategy = checkChoice(o.annealStrategy, 'annealStrategy', where, ['cos', 'linear'] as const);
    this.cycleMomentum = checkBoolean(o.cycleMomentum, 'cycleMomentum', where);
    this.useBeta1 = 'betas' in optimizer.defaults;
    if (this.cycleMomentum && !this.useBeta1 && !('momentum' in optimizer.defaults)) {
      throw new TypeError(`${where}: cycleMomentum needs an optimizer with momentum or betas; pass cycleMomentum: false`);
    }
    const groups = optimizer.paramGroups.length;
    const momentum = (x: unknown, name: string) => checkRange(x, name, where, { min: 0, max: 1, maxOpen: true });
    this.maxLrs = perGroup(o.maxLr, 'maxLr', where, groups, (x, name) => checkNonNegative(x, name, where));
    this.maxMomentums = perGroup(o.maxMomentum, 'maxMomentum', where, groups, momentum);
    this.baseMomentums = perGroup(o.baseMomentum, 'baseMomentum', where, groups, momentum);
    const divFactor = checkRange(o.divFactor, 'divFactor', where, { min: 0, minOpen: true });
    const finalDivFactor = checkRange(o.finalDivFactor, 'finalDivFactor', where, { min: 0, minOpen: true });
    this.baseLrs = this.maxLrs.map((lr) => lr / divFactor);
    this.minLrs = this.baseLrs.map((lr) => lr / finalDivFactor);
    optimizer.paramGroups.forEach((group, i) => { group.initialLr = this.baseLrs[i]; });
    // PyTorch divides by zero on a phase without steps; say so now instead.
    this.phaseEnds().forEach((end, k, ends) => {
      if (end <= (k === 0 ? 0 : ends[k - 1])) {
        throw new RangeError(`${where}: with pctStart ${this.pctStart} and totalSteps ${this.totalSteps}, phase ${k + 1} of the cycle has no steps`);
      }
    });
    this.step();
  }

  /** One step; the cycle allows totalSteps of them after the constructor's, as PyTorch's. */
  step(): void {
    if (this.lastEpoch + 1 > this.totalSteps) {
      throw new RangeError(`${this.name}: tried to step ${this.lastEpoch + 2} times; totalSteps is ${this.totalSteps}`);
    }
    super.step();
  }

  protected getLr(): number[] {
    const ends = this.phaseEnds();
    const t = this.lastEpoch;
    const found = ends.findIndex((end) => t <= end);
    const k = found === -1 ? ends.length - 1 : found;
    const start = k === 0 ? 0 : ends[k - 1];
    const pct = (t - start) / (ends[k] - start);
    return this.optimizer.paramGroups.map((group, i) => {
      const [initial, peak, final] = [this.baseLrs[i], this.maxLrs[i], this.minLrs[i]];
      const [high, low] = [this.maxMomentums[i], this.baseMomentums[i]];
      const lrs = this.threePhase ? [[initial, peak], [peak, initial], [initial, final]] : [[initial, peak], [peak, final]];
      const momenta = this.threePhase ? [[high, low], [low, high], [high, high]] : [[high, low], [low, high]];
      if (this.cycleMomentum) this.setMomentum(group, this.anneal(momenta[k], pct));
      return this.anneal(lrs[k], pct);
    });
  }

  protected stateKeys(): string[] {
    return [...super.stateKeys(), 'totalSteps', 'pctStart', 'threePhase', 'annealStrategy', 'cycleMomentum', 'useBeta1',
      'maxLrs', 'minLrs', 'maxMomentums', 'baseMomentums'];
  }

  /** The last step of each phase, fractional as in PyTorch. */
  private phaseEnds(): number[] {
    const rise = this.pctStart * this.totalSteps;
    return this.threePhase ? [rise - 1, 2 * rise - 2, this.totalSteps - 1] : [rise - 1, this.totalSteps - 1];
  }

  private anneal([from, to]: number[], pct: number): number {
    if (this.annealStrategy === 'linear') return (to - from) * pct + from;
    return to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  private setMomentum(group: ParamGroup, momentum: number): void {
    const options = group as unknown as { momentum?: number; betas?: [number, number] };
    if (this.useBeta1) options.betas = [momentum, options.betas![1]];
    else options.momentum = momentum;
  }
}
