// SequentialLR: runs one scheduler after another, switching at milestone epochs, e.g. a LinearLR warm-up
// then CosineAnnealingLR (torch.optim.lr_scheduler.SequentialLR).
import { checkInt, describe } from '../../torch/check.js';
import { withDefaults } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { checkOptimizer, loadFields, LRScheduler, saveFields, type SchedulerStateDict } from './lr-scheduler.js';

export interface SequentialLROptions {
  /** The schedulers, all made on this optimizer; required. */
  schedulers: LRScheduler[];
  /** The epochs at which the next scheduler takes over, increasing, one fewer than the schedulers; required. */
  milestones: number[];
}

export class SequentialLR {
  readonly optimizer: Optimizer;
  readonly schedulers: LRScheduler[];
  milestones: number[];
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: Partial<SequentialLROptions>) {
    const where = 'SequentialLR';
    this.optimizer = checkOptimizer(optimizer, where);
    const o = withDefaults(options, { schedulers: undefined as LRScheduler[] | undefined, milestones: undefined as number[] | undefined }, where, ['schedulers', 'milestones']);
    if (!Array.isArray(o.schedulers) || o.schedulers.length === 0) {
      throw new TypeError(`${where}: schedulers must be a non-empty array of schedulers, got ${describe(o.schedulers)}`);
    }
    o.schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new TypeError(`${where}: schedulers[${i}] must be an LRScheduler (StepLR, LinearLR, …), got ${describe(s)}`);
      if (s.optimizer !== optimizer) throw new RangeError(`${where}: schedulers[${i}] was made on another optimizer`);
    });
    if (!Array.isArray(o.milestones) || o.milestones.length !== o.schedulers.length - 1) {
      throw new RangeError(`${where}: milestones must be an array of ${o.schedulers.length - 1} epochs (one fewer than the schedulers), got ${describe(o.milestones)}`);
    }
    o.milestones.forEach((m, i, all) => checkInt(m, `milestones[${i}]`, where, i === 0 ? 1 : all[i - 1] + 1));
    this.schedulers = [...o.schedulers];
    this.milestones = [...o.milestones];
    // As PyTorch: undo the schedulers' own first steps, then take the first scheduler's from the initial lr.
    for (const group of optimizer.paramGroups) group.lr = group.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].step();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  step(): void {
    this.lastEpoch += 1;
    const k = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const scheduler = this.schedulers[k];
    if (k > 0 && this.milestones[k - 1] === this.lastEpoch) scheduler.restart();
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Plain JSON, with the state dict of each scheduler in `schedulers`. */
  stateDict(): SchedulerStateDict {
    return { ...saveFields(this, ['lastEpoch', 'milestones', 'lastLr']), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  loadStateDict(stateDict: SchedulerStateDict): void {
    const where = 'SequentialLR.loadStateDict';
    const { schedulers, ...own } = stateDict ?? {};
    if (!Array.isArray(schedulers) || schedulers.length !== this.schedulers.length) {
      throw new RangeError(`${where}: expected the state dicts of ${this.schedulers.length} schedulers, got ${describe(schedulers)}`);
    }
    loadFields(this, ['lastEpoch', 'milestones', 'lastLr'], own, where);
    schedulers.forEach((s, i) => this.schedulers[i].loadStateDict(s));
  }
}
