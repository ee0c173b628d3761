// stateDict / loadStateDict: resuming from a checkpoint (through a safetensors file and JSON) continues
// exactly as the uninterrupted run; state dicts that do not fit are refused and change nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { torch, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';
import { grad, values } from './reference.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-optim-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SHAPES = [[3, 2], [4]];
const gradsAt = (step: number) => SHAPES.map((shape, k) => values(shape.reduce((a, b) => a * b), step + 5 * k, 1 + (step % 4)));

function makeParams(): Tensor[] {
  return SHAPES.map((shape, k) => torch.tensor(values(shape.reduce((a, b) => a * b), 10 + k), { dtype: 'float32' }).reshape(shape).requiresGrad_(true));
}

function run(opt: optim.Optimizer, params: Tensor[], from: number, to: number): void {
  for (let step = from; step < to; step++) {
    torch.tidy(() => gradsAt(step).forEach((g, k) => { params[k].grad = grad(g, params[k]); }));
    opt.step();
  }
}

/** A checkpoint as a training loop would write it: buffers as safetensors, the rest as JSON metadata. */
function roundTrip(sd: optim.OptimizerStateDict, name: string): optim.OptimizerStateDict {
  const path = join(dir, `${name}.safetensors`);
  torch.save(sd.tensors, path, { optimizer: JSON.stringify({ paramGroups: sd.paramGroups, state: sd.state }) });
  torch.dispose(sd.tensors);
  const { tensors, metadata } = torch.loadWithMetadata(path);
  return { ...JSON.parse(metadata.optimizer), tensors };
}

const OPTIMIZERS: [string, (params: Tensor[]) => optim.Optimizer][] = [
  ['SGD with nesterov momentum', (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ['Adam with amsgrad', (p) => new optim.Adam(p, { lr: 0.01, amsgrad: true })],
  ['AdamW in two groups', (p) => new optim.AdamW([{ params: [p[0]] }, { params: [p[1]], lr: 0.003, weightDecay: 0 }], { lr: 0.01 })],
  ['RMSprop centered with momentum', (p) => new optim.RMSprop(p, { lr: 0.01, momentum: 0.5, centered: true })],
];

for (const [name, make] of OPTIMIZERS) {
  test(`${name}: resuming from stateDict() gives the same next steps`, () => {
    const straight = makeParams();
    const straightOpt = make(straight);
    run(straightOpt, straight, 0, 10);

    const first = makeParams();
    const firstOpt = make(first);
    run(firstOpt, first, 0, 5);
    const sd = roundTrip(firstOpt.stateDict(), name);
    const resumed = first.map((p) => p.detach().clone().requiresGrad_(true));
    const resumedOpt = make(resumed);
    resumedOpt.paramGroups[0].lr = 123; // loading restores the saved options too
    resumedOpt.loadStateDict(sd);
    torch.dispose(sd.tensors);
    assert.deepEqual(resumedOpt.paramGroups.map((g) => g.lr), firstOpt.paramGroups.map((g) => g.lr));
    run(resumedOpt, resumed, 5, 10);
    resumed.forEach((p, k) => assert.deepEqual(p.tolist(), straight[k].tolist(), `${name}: parameter ${k}`));
    [straightOpt, firstOpt, resumedOpt].forEach((o) => o.dispose());
  });
}

test('stateDict() follows the documented layout and hands out copies', () => {
  const params = makeParams();
  const opt = new optim.Adam([{ params: [params[0]] }, { params: [params[1]], lr: 0.1 }], { lr: 0.01 });
  params[0].grad = torch.onesLike(params[0]); // only the first parameter gets a state
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(sd.paramGroups, [
    { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, params: [0] },
    { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, params: [1] },
  ]);
  assert.deepEqual(sd.state, { 0: { step: 1 } });
  assert.deepEqual(Object.keys(sd.tensors).sort(), ['state.0.expAvg', 'state.0.expAvgSq']);
  sd.tensors['state.0.expAvg'].fill_(7);
  torch.dispose(sd.tensors);
  const again = opt.stateDict();
  assert.ok(Math.abs((again.tensors['state.0.expAvg'].sum().item() as number) - 0.6) < 1e-6, 'the optimizer kept its own buffer');
  torch.dispose(again.tensors);
  opt.dispose();
});

test('loadStateDict refuses a state dict that does not fit, and changes nothing', () => {
  const params = makeParams();
  const opt = new optim.SGD(params, { lr: 0.1, momentum: 0.9 });
  run(opt, params, 0, 2);
  const good = opt.stateDict();
  const adam = new optim.Adam(makeParams());
  run(adam, adam.paramGroups[0].params, 0, 1);
  const bad: [string, optim.OptimizerStateDict, RegExp][] = [
    ['not a state dict', 3 as never, /SGD.loadStateDict: expected \{paramGroups, state, tensors\} as stateDict\(\) returns, got 3/],
    ['two groups', { ...good, paramGroups: [good.paramGroups[0], good.paramGroups[0]] }, /has 2 parameter groups, this optimizer 1/],
    ['one parameter', { ...good, paramGroups: [{ ...good.paramGroups[0], params: [0] }] }, /parameter group 0\): the state dict has 1 parameters, this optimizer 2/],
    ['an unknown option', { ...good, paramGroups: [{ ...good.paramGroups[0], betas: [0.9, 0.9] }] }, /unknown option 'betas'; valid options are lr, momentum, dampening, weightDecay, nesterov/],
    ['a bad lr', { ...good, paramGroups: [{ ...good.paramGroups[0], lr: -1 }] }, /lr must be a non-negative number, got -1/],
    ['a wrong shape', { ...good, tensors: { 'state.0.momentumBuffer': torch.zeros([2]) } }, /'state.0.momentumBuffer' has shape \[2\] but its parameter has shape \[3, 2\]/],
    ['a bad name', { ...good, tensors: { momentum: torch.zeros([2]) } }, /tensor 'momentum' is not named state.<index>.<buffer>/],
    ['a parameter index no group has', { ...good, tensors: { 'state.9.momentumBuffer': torch.zeros([4]) } }, /is for parameter 9, which no group has/],
    ["Adam's state", adam.stateDict(), /SGD.loadStateDict \(parameter group 0\): unknown options 'betas', 'eps', 'amsgrad'; valid options are lr, momentum/],
    ["Adam's buffers", { ...good, tensors: { 'state.0.expAvg': torch.zeros([3, 2]) } }, /'state.0.expAvg' is not a buffer of SGD; its buffers are momentumBuffer/],
    ["Adam's counters", { ...good, state: { 0: { step: 1 } } }, /state\[0\].step is not a counter of SGD; its counters are none/],
  ];
  const before = params.map((p) => p.tolist());
  const buffersBefore = torch.tidy(() => Object.values(opt.stateDict().tensors).map((t) => t.tolist()));
  const memoryBefore = torch.memory().numTensors;
  for (const [what, sd, message] of bad) {
    assert.throws(() => opt.loadStateDict(sd), message, what);
  }
  assert.equal(torch.memory().numTensors, memoryBefore, 'a refused load frees what it made');
  assert.equal(opt.paramGroups[0].lr, 0.1);
  assert.deepEqual(torch.tidy(() => Object.values(opt.stateDict().tensors).map((t) => t.tolist())), buffersBefore);
  assert.deepEqual(params.map((p) => p.tolist()), before);
  bad.forEach(([, sd]) => torch.dispose(sd));
  opt.dispose();
  adam.dispose();
});

type Scheduler = { step(metric?: number): void; getLastLr(): number[]; stateDict(): Record<string, unknown>; loadStateDict(sd: Record<string, unknown>): void };
const S = optim.lrScheduler;
const SCHEDULERS: [string, (opt: optim.Optimizer) => Scheduler][] = [
  ['StepLR', (o) => new S.StepLR(o, { stepSize: 3, gamma: 0.5 })],
  ['MultiStepLR', (o) => new S.MultiStepLR(o, { milestones: [4, 12] })],
  ['ExponentialLR', (o) => new S.ExponentialLR(o, { gamma: 0.9 })],
  ['CosineAnnealingLR', (o) => new S.CosineAnnealingLR(o, { tMax: 7, etaMin: 0.001 })],
  ['LinearLR', (o) => new S.LinearLR(o, { startFactor: 0.2, totalIters: 15 })],
  ['OneCycleLR', (o) => new S.OneCycleLR(o, { maxLr: 0.5, totalSteps: 25, threePhase: true })],
  ['ReduceLROnPlateau', (o) => new S.ReduceLROnPlateau(o, { patience: 1, factor: 0.5 }) as Scheduler],
  ['SequentialLR', (o) => new S.SequentialLR(o, { schedulers: [new S.LinearLR(o, { totalIters: 4 }), new S.CosineAnnealingLR(o, { tMax: 12 })], milestones: [8] })],
];
const metricAt = (step: number) => 1 / (1 + (step % 5));

for (const [name, make] of SCHEDULERS) {
  test(`${name}: resuming from stateDict() gives the same lr sequence`, () => {
    const optimizerOf = () => new optim.SGD([{ params: [torch.zeros([1], { requiresGrad: true })], lr: 0.1 }, { params: [torch.zeros([1], { requiresGrad: true })], lr: 0.03 }], { lr: 1 });
    const steps = (opt: optim.Optimizer, s: Scheduler, from: number, to: number) => {
      const lrs: number[][] = [];
      for (let step = from; step < to; step++) {
        s.step(metricAt(step));
        lrs.push([...s.getLastLr(), ...opt.paramGroups.map((g) => (g as unknown as { momentum: number }).momentum)]);
      }
      return lrs;
    };
    const straightOpt = optimizerOf();
    const straight = steps(straightOpt, make(straightOpt), 0, 20);

    const firstOpt = optimizerOf();
    const first = make(firstOpt);
    steps(firstOpt, first, 0, 10);
    const checkpoint = JSON.parse(JSON.stringify({ optimizer: firstOpt.stateDict(), scheduler: first.stateDict() }));
    const resumedOpt = optimizerOf();
    const resumed = make(resumedOpt);
    resumedOpt.loadStateDict(checkpoint.optimizer);
    resumed.loadStateDict(checkpoint.scheduler);
    assert.deepEqual(resumed.getLastLr(), first.getLastLr());
    assert.deepEqual(steps(resumedOpt, resumed, 10, 20), straight.slice(10));
  });
}

test("ReduceLROnPlateau's state dict is JSON even before the first metric (best is Infinity)", () => {
  const opt = new optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1 });
  const s = new S.ReduceLROnPlateau(opt, { mode: 'max' });
  const sd = JSON.parse(JSON.stringify(s.stateDict()));
  assert.equal(sd.best, '-Infinity');
  s.best = 5;
  s.loadStateDict(sd);
  assert.equal(s.best, -Infinity);
});

test('scheduler loadStateDict refuses a state dict that does not fit', () => {
  const opt = new optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1 });
  const s = new S.StepLR(opt, { stepSize: 3 });
  const sd = s.stateDict();
  assert.throws(() => s.loadStateDict({ ...sd, extra: 1 }), /StepLR.loadStateDict: the state dict does not fit \(unknown extra\); expected keys lastEpoch, baseLrs, lastLr, stepSize, gamma/);
  const { gamma: _, ...missing } = sd;
  assert.throws(() => s.loadStateDict(missing), /\(missing gamma\)/);
  assert.throws(() => s.loadStateDict({ ...sd, stepSize: '3' }), /StepLR.loadStateDict: stepSize must be a number, got "3"/);
  assert.throws(() => s.loadStateDict(null as never), /expected an object as stateDict\(\) returns, got null/);
  const seq = new S.SequentialLR(opt, { schedulers: [s, new S.ExponentialLR(opt, { gamma: 0.5 })], milestones: [2] });
  assert.throws(() => seq.loadStateDict({ ...seq.stateDict(), schedulers: [sd] }), /SequentialLR.loadStateDict: expected the state dicts of 2 schedulers, got an array of 1/);
});
