// The base of the epoch-driven learning-rate schedulers (torch.optim.lr_scheduler._LRScheduler), and the
// plain-JSON state dicts that all schedulers share.
import { describe } from '../../torch/check.js';
import { isPlainObject } from '../options.js';
import { Optimizer } from '../optimizer.js';

/** A scheduler's state for resuming: plain JSON (JSON.stringify it, e.g. into a checkpoint's metadata). */
export type SchedulerStateDict = Record<string, unknown>;

/**
 * Sets each group's lr from the epoch count. The constructor takes the first step, as PyTorch's, so call
 * step() after each optimizer.step() (per epoch or per batch, as the schedule is counted).
 * Subclasses give PyTorch's chainable form (getLr, from the groups' current lr) and, where PyTorch has one,
 * the closed form (from baseLrs), which restart() uses.
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** Each group's lr at the start of the schedule (its `initialLr`). */
  baseLrs: number[];
  /** Steps taken since the start; the constructor's first step makes it 0. */
  lastEpoch = -1;
  protected lastLr: number[] = [];

  protected constructor(optimizer: Optimizer, protected readonly name: string) {
    this.optimizer = checkOptimizer(optimizer, name);
    // The first scheduler on an optimizer records the lr it started from; later ones (SequentialLR's) share it.
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.baseLrs = optimizer.paramGroups.map((group) => group.initialLr!);
  }

  /** Advances the schedule one epoch and sets each group's lr. */
  step(): void {
    this.lastEpoch += 1;
    this.apply(this.getLr());
  }

  /** Starts the schedule again at epoch 0, as PyTorch's step(0) (SequentialLR calls it at a milestone). */
  restart(): void {
    this.lastEpoch = 0;
    this.apply(this.closedFormLr());
  }

  /** The lr of each group set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return saveFields(this, this.stateKeys());
  }

  loadStateDict(stateDict: SchedulerStateDict): void {
    loadFields(this, this.stateKeys(), stateDict, `${this.name}.loadStateDict`);
  }

  /** The lrs of epoch lastEpoch, from the groups' current lrs (PyTorch's chainable get_lr). */
  protected abstract getLr(): number[];

  /** The lrs of epoch lastEpoch from baseLrs alone, where the schedule has such a form. */
  protected closedFormLr(): number[] {
    return this.getLr();
  }

  /** The fields a state dict holds: these and the subclass's hyperparameters. */
  protected stateKeys(): string[] {
    return ['lastEpoch', 'baseLrs', 'lastLr'];
  }

  protected get lrs(): number[] {
    return this.optimizer.paramGroups.map((group) => group.lr);
  }

  private apply(lrs: number[]): void {
    this.optimizer.paramGroups.forEach((group, i) => { group.lr = lrs[i]; });
    this.lastLr = this.lrs;
  }
}

export function checkOptimizer(optimizer: unknown, where: string): Optimizer {
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${where}: optimizer must be an Optimizer (SGD, Adam, …), got ${describe(optimizer)}`);
  return optimizer;
}

/** The named fields of a scheduler, copied into a JSON object. */
export function saveFields(scheduler: object, keys: string[]): SchedulerStateDict {
  const fields = scheduler as Record<string, unknown>;
  return Object.fromEntries(keys.map((key) => [key, structuredClone(fields[key])]));
}

/** Restores saveFields(); refuses a state dict with missing or unknown keys or values of another type. */
export function loadFields(scheduler: object, keys: string[], stateDict: unknown, where: string): void {
  if (!isPlainObject(stateDict)) throw new TypeError(`${where}: expected an object as stateDict() returns, got ${describe(stateDict)}`);
  const missing = keys.filter((key) => !(key in stateDict));
  const unknown = Object.keys(stateDict).filter((key) => !keys.includes(key));
  if (missing.length > 0 || unknown.length > 0) {
    const problems = [missing.length > 0 && `missing ${missing.join(', ')}`, unknown.length > 0 && `unknown ${unknown.join(', ')}`];
    throw new RangeError(`${where}: the state dict does not fit (${problems.filter(Boolean).join('; ')}); expected keys ${keys.join(', ')}`);
  }
  const fields = scheduler as Record<string, unknown>;
  const kind = (value: unknown) => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);
  for (const key of keys) {
    if (kind(stateDict[key]) !== kind(fields[key])) {
      throw new TypeError(`${where}: ${key} must be a ${kind(fields[key])}, got ${describe(stateDict[key])}`);
    }
  }
  for (const key of keys) fields[key] = structuredClone(stateDict[key]);
}
