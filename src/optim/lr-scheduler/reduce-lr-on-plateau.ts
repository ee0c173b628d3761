// ReduceLROnPlateau: multiplies the lr by factor when a metric (validation loss, accuracy) has stopped
// improving for patience epochs (torch.optim.lr_scheduler.ReduceLROnPlateau).
import { checkInt, describe } from '../../torch/check.js';
import { Tensor } from '../../torch/tensor.js';
import { checkChoice, checkNonNegative, checkRange, perGroup, withDefaults } from '../options.js';
import type { Optimizer } from '../optimizer.js';
import { checkOptimizer, loadFields, saveFields, type SchedulerStateDict } from './lr-scheduler.js';

export interface ReduceLROnPlateauOptions {
  /** 'min': lower is better (a loss); 'max': higher is better (an accuracy). */
  mode: 'min' | 'max';
  factor: number;
  /** Epochs without improvement tolerated before the lr falls. */
  patience: number;
  /** The least change that counts as an improvement: relative ('rel') or absolute ('abs'). */
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted. */
  cooldown: number;
  /** The lowest lr, one for all groups or one per group. */
  minLr: number | number[];
  /** Changes of the lr smaller than this are skipped. */
  eps: number;
}

const DEFAULTS = {
  mode: 'min',
  factor: 0.1,
  patience: 10,
  threshold: 1e-4,
  thresholdMode: 'rel',
  cooldown: 0,
  minLr: 0 as number | number[],
  eps: 1e-8,
};

const STATE_KEYS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLrs', 'eps',
  'best', 'numBadEpochs', 'cooldownCounter', 'lastEpoch', 'lastLr'];

export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  /** The best metric so far (Infinity in 'min' mode, -Infinity in 'max' mode before the first). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: Partial<ReduceLROnPlateauOptions> = {}) {
    const where = 'ReduceLROnPlateau';
    this.optimizer = checkOptimizer(optimizer, where);
    const o = withDefaults(options, DEFAULTS, where);
    this.mode = checkChoice(o.mode, 'mode', where, ['min', 'max'] as const);
    this.factor = checkRange(o.factor, 'factor', where, { min: 0, max: 1, maxOpen: true });
    this.patience = checkInt(o.patience, 'patience', where, 0);
    this.threshold = checkNonNegative(o.threshold, 'threshold', where);
    this.thresholdMode = checkChoice(o.thresholdMode, 'thresholdMode', where, ['rel', 'abs'] as const);
    this.cooldown = checkInt(o.cooldown, 'cooldown', where, 0);
    this.minLrs = perGroup(o.minLr, 'minLr', where, optimizer.paramGroups.length, (x, name) => checkNonNegative(x, name, where));
    this.eps = checkNonNegative(o.eps, 'eps', where);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((group) => group.lr);
  }

  /** Records one epoch's metric (a number or a one-element tensor) and lowers the lr on a plateau. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? Number(metric.item()) : metric;
    if (typeof current !== 'number') throw new TypeError(`ReduceLROnPlateau.step: metric must be a number or a one-element tensor, got ${describe(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((group, i) => {
        const lr = Math.max(group.lr * this.factor, this.minLrs[i]);
        if (group.lr - lr > this.eps) group.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Plain JSON; an infinite `best` (no metric yet) is written as the string 'Infinity' or '-Infinity'. */
  stateDict(): SchedulerStateDict {
    const stateDict = saveFields(this, STATE_KEYS);
    if (!Number.isFinite(this.best)) stateDict.best = String(this.best);
    return stateDict;
  }

  loadStateDict(stateDict: SchedulerStateDict): void {
    const best = stateDict?.best;
    const decoded = best === 'Infinity' || best === '-Infinity' ? { ...stateDict, best: Number(best) } : stateDict;
    loadFields(this, STATE_KEYS, decoded, 'ReduceLROnPlateau.loadStateDict');
  }

  private isBetter(value: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? value < best * (1 - threshold) : value < best - threshold;
    return this.thresholdMode === 'rel' ? value > best * (threshold + 1) : value > best + threshold;
  }
}
