// fastai's fine_tune recipe for a pretrained model whose head was replaced:
//   freeze; fit_one_cycle(freezeEpochs, baseLr, pct_start 0.99); baseLr /= 2; unfreeze;
//   fit_one_cycle(epochs, slice(baseLr / lrMult, baseLr), pct_start 0.3, div 5)
// The nearly all-rising first cycle warms the new head up gently; the second trains everything, early layers
// lrMult times slower than the head.
import type { Module } from '../nn/module.js';
import { AdamW } from '../optim/adamw.js';
import { OneCycleLR } from '../optim/lr-scheduler/one-cycle-lr.js';
import type { Optimizer, ParamGroupInput } from '../optim/optimizer.js';
import { paramGroupsFor, evenMults } from './discriminative-lr.js';
import { freeze, unfreeze, type FreezeOptions } from './freeze.js';
import type { EpochLogs } from './logs.js';
import { optimizerStepsPerEpoch, Trainer, type Batches, type TrainerOptions } from './trainer.js';

export interface FineTuneOptions extends Omit<TrainerOptions, 'model' | 'optimizer' | 'scheduler' | 'schedulerInterval'> {
  /** Epochs with everything trainable (after the frozen ones). */
  epochs: number;
  /** Epochs training the head only, first (default 1; 0 skips the phase). */
  freezeEpochs?: number;
  /** The head's peak lr in the frozen phase; the unfrozen phase peaks at half of it (default 2e-3). */
  baseLr?: number;
  /** How many times slower the first layer group learns than the head when unfrozen (default 100). */
  lrMult?: number;
  /** The rising share of the unfrozen phase's cycle (default 0.3). */
  pctStart?: number;
  /** The unfrozen cycle starts at its peak lr / div (default 5). */
  div?: number;
  validation?: Batches;
  /** Makes the optimizer from parameter groups; default AdamW with fastai's settings (betas 0.9, 0.99, eps 1e-5, weight decay 0.01). */
  optimizer?: (groups: ParamGroupInput[]) => Optimizer;
  /** How the head-only phase freezes (bnEval, trainBn); see FreezeOptions. */
  freeze?: FreezeOptions;
}

/** fastai's final lr of a one-cycle: the peak / 1e5 (PyTorch's OneCycleLR divides the start lr instead). */
const FINAL_DIV = 1e5;

function checkPositive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`fineTune: ${name} must be a number above 0, got ${String(value)}`);
  return value;
}

/** Trains with the recipe; returns the history of both phases, epochs numbered on from the frozen ones. */
export async function fineTune(model: Module, train: Batches, options: FineTuneOptions): Promise<EpochLogs[]> {
  const { epochs, freezeEpochs = 1, baseLr = 2e-3, lrMult = 100, div = 5, optimizer: makeOptimizer } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`fineTune: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(freezeEpochs) || freezeEpochs < 0) throw new RangeError(`fineTune: freezeEpochs must be an integer ≥ 0, got ${freezeEpochs}`);
  checkPositive(baseLr, 'baseLr');
  if (typeof lrMult !== 'number' || !(lrMult >= 1)) throw new RangeError(`fineTune: lrMult must be a number of at least 1, got ${String(lrMult)}`);
  checkPositive(div, 'div');
  const batches = train.length;
  if (typeof batches !== 'number' || !(batches > 0)) {
    throw new TypeError('fineTune: the training batches need a length (batches per epoch) for the one-cycle schedules; a DataLoader has one');
  }
  const stepsPerEpoch = optimizerStepsPerEpoch(batches, options.accumulate);
  const groups = paramGroupsFor(model, { lr: baseLr });
  const optimizer = makeOptimizer ? makeOptimizer(groups) : new AdamW(groups, { betas: [0.9, 0.99], eps: 1e-5, weightDecay: 0.01 });
  try {
    return await runPhases(model, train, optimizer, stepsPerEpoch, options);
  } finally {
    optimizer.dispose(); // made here, so its state goes with the call
  }
}

async function runPhases(model: Module, train: Batches, optimizer: Optimizer, stepsPerEpoch: number, options: FineTuneOptions): Promise<EpochLogs[]> {
  const { epochs, freezeEpochs = 1, baseLr = 2e-3, lrMult = 100, pctStart = 0.3, div = 5, validation, optimizer: _, freeze: freezeOptions, ...trainerOptions } = options;
  const groups = optimizer.paramGroups;
  const history: EpochLogs[] = [];
  if (freezeEpochs > 0) {
    freeze(model, freezeOptions);
    // fastai's slice(baseLr): the head at baseLr, frozen groups (which do not train) at a tenth.
    const maxLr = groups.map((_, i) => (i === groups.length - 1 ? baseLr : baseLr / 10));
    const scheduler = new OneCycleLR(optimizer, { maxLr, totalSteps: freezeEpochs * stepsPerEpoch, pctStart: 0.99, divFactor: 25, finalDivFactor: FINAL_DIV / 25 });
    const frozen = new Trainer({ ...trainerOptions, model, optimizer, scheduler, schedulerInterval: 'batch' });
    history.push(...(await frozen.fit(train, { epochs: freezeEpochs, validation })));
  }
  unfreeze(model);
  const peak = baseLr / 2;
  const maxLr = evenMults(peak / lrMult, peak, groups.length);
  const scheduler = new OneCycleLR(optimizer, { maxLr, totalSteps: epochs * stepsPerEpoch, pctStart, divFactor: div, finalDivFactor: FINAL_DIV / div });
  // Seeded once, at the start of the first phase; the second continues the epoch count and the history.
  const { seed, ...rest } = trainerOptions;
  const unfrozen = new Trainer({ ...rest, ...(freezeEpochs > 0 ? {} : { seed }), model, optimizer, scheduler, schedulerInterval: 'batch' });
  unfrozen.epoch = freezeEpochs;
  unfrozen.history.push(...history);
  return unfrozen.fit(train, { epochs: freezeEpochs + epochs, validation });
}
