// The learning-rate schedulers against PyTorch 1.13: the lr of every group after construction and after
// each of 30 steps, within 1e-9 (and OneCycleLR's momentum or beta1).
import { test } from 'node:test';

import { torch } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';
import { assertClose, pytorchSkip, reference } from './reference.js';

const STEPS = 30;

interface SchedulerSpec {
  type: keyof typeof optim.lrScheduler;
  options: Record<string, unknown>;
}
interface Case {
  name: string;
  optimizer: 'SGD' | 'Adam';
  lrs: number[];
  scheduler: SchedulerSpec;
  metrics?: number[];
}

const sched = (type: SchedulerSpec['type'], options: Record<string, unknown>): SchedulerSpec => ({ type, options });
/** A validation loss that improves, stalls, improves a little (below the threshold), then worsens. */
const LOSSES = Array.from({ length: STEPS }, (_, i) => (i < 8 ? 1 - 0.1 * i : i < 20 ? 0.3 + 0.00001 * (i % 3) : 0.3 + 0.01 * (i - 20)));
/** An accuracy that rises in jumps. */
const ACCURACIES = Array.from({ length: STEPS }, (_, i) => 0.5 + 0.1 * Math.floor(i / 6) + 0.01 * (i % 2));

const CASES: Case[] = [
  { name: 'StepLR, two groups', optimizer: 'SGD', lrs: [0.1, 0.02], scheduler: sched('StepLR', { stepSize: 7, gamma: 0.5 }) },
  { name: 'MultiStepLR with a repeated milestone', optimizer: 'SGD', lrs: [0.1], scheduler: sched('MultiStepLR', { milestones: [12, 5, 12, 20], gamma: 0.3 }) },
  { name: 'ExponentialLR', optimizer: 'Adam', lrs: [0.01, 0.1], scheduler: sched('ExponentialLR', { gamma: 0.9 }) },
  { name: 'CosineAnnealingLR past tMax (down and up again)', optimizer: 'SGD', lrs: [0.1, 0.05], scheduler: sched('CosineAnnealingLR', { tMax: 10, etaMin: 0.001 }) },
  { name: 'CosineAnnealingLR over the whole run', optimizer: 'SGD', lrs: [0.1], scheduler: sched('CosineAnnealingLR', { tMax: 30 }) },
  { name: 'LinearLR warm-up', optimizer: 'SGD', lrs: [0.1], scheduler: sched('LinearLR', { startFactor: 0.25, totalIters: 8 }) },
  { name: 'LinearLR decay with its defaults', optimizer: 'Adam', lrs: [0.1], scheduler: sched('LinearLR', {}) },
  { name: 'LinearLR falling to endFactor', optimizer: 'SGD', lrs: [0.1], scheduler: sched('LinearLR', { startFactor: 1, endFactor: 0.1, totalIters: 10 }) },
  { name: 'OneCycleLR with its defaults, cycling SGD momentum', optimizer: 'SGD', lrs: [0.1], scheduler: sched('OneCycleLR', { maxLr: 0.5, totalSteps: 30 }) },
  {
    name: 'OneCycleLR three-phase, linear, per-group maxLr, cycling Adam beta1',
    optimizer: 'Adam',
    lrs: [0.001, 0.001],
    scheduler: sched('OneCycleLR', { maxLr: [0.01, 0.02], totalSteps: 30, pctStart: 0.25, annealStrategy: 'linear', threePhase: true, baseMomentum: 0.8, maxMomentum: 0.9 }),
  },
  {
    name: 'OneCycleLR from epochs and stepsPerEpoch, without momentum',
    optimizer: 'SGD',
    lrs: [0.1],
    scheduler: sched('OneCycleLR', { maxLr: 1, epochs: 3, stepsPerEpoch: 10, cycleMomentum: false, divFactor: 10, finalDivFactor: 100 }),
  },
  {
    name: 'ReduceLROnPlateau on a loss (rel threshold, cooldown, minLr)',
    optimizer: 'SGD',
    lrs: [0.1, 0.05],
    scheduler: sched('ReduceLROnPlateau', { factor: 0.5, patience: 2, cooldown: 1, minLr: [0.01, 0.02] }),
    metrics: LOSSES,
  },
  {
    name: 'ReduceLROnPlateau on an accuracy (max mode, abs threshold)',
    optimizer: 'Adam',
    lrs: [0.01],
    scheduler: sched('ReduceLROnPlateau', { mode: 'max', thresholdMode: 'abs', threshold: 0.05, patience: 1, factor: 0.3 }),
    metrics: ACCURACIES,
  },
  {
    name: 'SequentialLR: LinearLR warm-up then CosineAnnealingLR',
    optimizer: 'SGD',
    lrs: [0.1, 0.01],
    scheduler: sched('SequentialLR', { schedulers: [sched('LinearLR', { startFactor: 0.1, totalIters: 5 }), sched('CosineAnnealingLR', { tMax: 25 })], milestones: [5] }),
  },
  {
    name: 'SequentialLR of ExponentialLR, StepLR and MultiStepLR',
    optimizer: 'SGD',
    lrs: [0.1],
    scheduler: sched('SequentialLR', {
      schedulers: [sched('ExponentialLR', { gamma: 0.8 }), sched('StepLR', { stepSize: 4, gamma: 0.5 }), sched('MultiStepLR', { milestones: [3, 6] })],
      milestones: [6, 15],
    }),
  },
];

const expected = reference({ schedulers: CASES.map((c) => ({ ...c, steps: STEPS })) })?.schedulers;

type Scheduler = { step(metric?: number): void; getLastLr(): number[] };

function make(spec: SchedulerSpec, opt: optim.Optimizer): Scheduler {
  const options = spec.type === 'SequentialLR'
    ? { ...spec.options, schedulers: (spec.options.schedulers as SchedulerSpec[]).map((s) => make(s, opt)) }
    : spec.options;
  const Class = optim.lrScheduler[spec.type] as unknown as new (o: optim.Optimizer, options: unknown) => Scheduler;
  return new Class(opt, options);
}

const momentumOf = (group: optim.ParamGroup) => {
  const g = group as unknown as { momentum?: number; betas?: number[] };
  return g.betas ? g.betas[0] : g.momentum!;
};

for (const c of CASES) {
  test(`${c.name} gives PyTorch's lr sequence`, { skip: pytorchSkip }, () => {
    const params = c.lrs.map(() => torch.zeros([1], { requiresGrad: true }));
    const groups = params.map((p, i) => ({ params: [p], lr: c.lrs[i] }));
    const opt = c.optimizer === 'SGD' ? new optim.SGD(groups, {}) : new optim.Adam(groups);
    const scheduler = make(c.scheduler, opt);
    const lrs = [opt.paramGroups.map((g) => g.lr)];
    const momenta = [opt.paramGroups.map(momentumOf)];
    for (let step = 0; step < STEPS; step++) {
      opt.step();
      scheduler.step(c.metrics?.[step]);
      lrs.push(opt.paramGroups.map((g) => g.lr));
      momenta.push(opt.paramGroups.map(momentumOf));
      assertClose(scheduler.getLastLr(), lrs.at(-1), 0, `${c.name}: getLastLr() after step ${step + 1}`);
    }
    assertClose(lrs, expected[c.name].lr, 1e-9, `${c.name}: lr`);
    assertClose(momenta, expected[c.name].momentum, 1e-9, `${c.name}: momentum`);
  });
}
