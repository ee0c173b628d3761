// Bad input to optimizers and schedulers is refused with a line naming the option and what it must be.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { torch } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';

const S = optim.lrScheduler;
const w = () => torch.zeros([2], { requiresGrad: true });

test('optimizers refuse bad hyperparameters', () => {
  const p = [w()];
  const cases: [() => unknown, RegExp][] = [
    [() => new optim.SGD(p, { lr: -1 }), /^RangeError: SGD: lr must be a non-negative number, got -1$/],
    [() => new optim.SGD(p, {}), /^TypeError: SGD: lr is required; give it in the options or in every parameter group$/],
    [() => new optim.SGD(p, { lr: NaN }), /SGD: lr must be a number, got NaN/],
    [() => new optim.SGD(p, { lr: 0.1, momentum: -0.5 }), /SGD: momentum must be a non-negative number, got -0.5/],
    [() => new optim.SGD(p, { lr: 0.1, nesterov: true }), /SGD: nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0/],
    [() => new optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /nesterov needs momentum > 0 and dampening 0/],
    [() => new optim.SGD(p, { lr: 0.1, nesterov: 'yes' as never }), /SGD: nesterov must be true or false, got "yes"/],
    [() => new optim.Adam(p, { lr: -0.001 }), /Adam: lr must be a non-negative number, got -0.001/],
    [() => new optim.Adam(p, { betas: [1, 0.999] }), /^RangeError: Adam: betas\[0\] must be in \[0, 1\), got 1$/],
    [() => new optim.Adam(p, { betas: [0.9, -0.1] }), /Adam: betas\[1\] must be in \[0, 1\), got -0.1/],
    [() => new optim.Adam(p, { betas: [0.9] as never }), /Adam: betas must be an array of two numbers, got \[0.9\]/],
    [() => new optim.AdamW(p, { betas: 0.9 as never }), /AdamW: betas must be an array of two numbers, got 0.9/],
    [() => new optim.AdamW(p, { eps: -1e-8 }), /AdamW: eps must be a non-negative number, got -1e-8/],
    [() => new optim.Adam(p, { weightDecay: -1 }), /Adam: weightDecay must be a non-negative number, got -1/],
    [() => new optim.Adam(p, { amsgrad: 1 as never }), /Adam: amsgrad must be true or false, got 1/],
    [() => new optim.RMSprop(p, { alpha: 1.5 }), /RMSprop: alpha must be in \[0, 1\], got 1.5/],
    [() => new optim.RMSprop(p, { momentum: -1 }), /RMSprop: momentum must be a non-negative number, got -1/],
    [() => new optim.Adam(p, 0.01 as never), /Adam: options must be an object, got 0.01/],
  ];
  for (const [make, message] of cases) assert.throws(make, (e: Error) => message.test(`${e.name}: ${e.message}`), String(message));
});

test('unknown option keys are refused with a line listing the valid ones', () => {
  assert.throws(() => new optim.SGD([w()], { lr: 0.1, mometum: 0.9 } as never),
    /^TypeError: SGD: unknown option 'mometum'; valid options are lr, momentum, dampening, weightDecay, nesterov$/);
  assert.throws(() => new optim.Adam([w()], { beta1: 0.9, weight_decay: 0 } as never),
    /Adam: unknown options 'beta1', 'weight_decay'; valid options are lr, betas, eps, weightDecay, amsgrad/);
  assert.throws(() => new optim.RMSprop([{ params: [w()], lr: 0.1, rho: 0.9 }] as never),
    /RMSprop \(parameter group 0\): unknown option 'rho'; valid options are lr, alpha, eps, weightDecay, momentum, centered/);
  assert.throws(() => new S.StepLR(new optim.SGD([w()], { lr: 1 }), { stepSize: 2, gama: 0.5 } as never),
    /StepLR: unknown option 'gama'; valid options are stepSize, gamma/);
});

test('params must be leaf tensors, each in one group; frozen ones are kept for later unfreezing', () => {
  const a = w();
  const cases: [unknown, RegExp][] = [
    [a, /SGD: params must be an array of tensors or of parameter groups \{params, lr\?, …\}, got a Tensor/],
    [[], /SGD: got an empty parameter list/],
    [[a, 3], /SGD: params\[1\] is not a tensor, got 3/],
    [['w'], /SGD: params\[0\] is not a tensor, got "w"/],
    [[a.mul(2)], /SGD: params\[0\] is not a leaf tensor \(it was computed from others\); optimize the leaves it came from/],
    [[a, a], /SGD: params\[1\] is already in this group \(params\[0\]\); a parameter can be optimized once only/],
    [[{ params: [a] }, { params: [w(), a] }], /SGD \(parameter group 1\): params\[1\] is already in parameter group 0/],
    [[{ params: [a] }, a], /SGD \(parameter group 1\): a parameter group must be an object \{params: Tensor\[\], …options\}, got a Tensor/],
    [[{ params: [a], lr: -2 }], /SGD \(parameter group 0\): lr must be a non-negative number, got -2/],
  ];
  for (const [params, message] of cases) assert.throws(() => new optim.SGD(params as never, { lr: 0.1 }), message, String(message));
  // As in PyTorch, a parameter that does not require grad is accepted and skipped while it has no gradient.
  const frozen = torch.ones([2]);
  new optim.SGD([frozen], { lr: 0.1 }).step();
  assert.deepEqual(frozen.tolist(), [1, 1]);
  assert.throws(() => new optim.SGD([{ params: [w()], lr: 0.1 }, { params: [w()] }], {}), /SGD \(parameter group 1\): lr is required/);
  assert.equal(new optim.SGD([{ params: [w()], lr: 0.1 }, { params: [w()], lr: 0.2 }], {}).paramGroups[1].lr, 0.2);
  const opt = new optim.SGD([a], { lr: 0.1 });
  assert.throws(() => opt.addParamGroup({ params: [a] }), /SGD.addParamGroup: params\[0\] is already in parameter group 0/);
  assert.throws(() => opt.addParamGroup({ params: [w()], momentum: 2, nesterov: true, dampening: 0.5 }), /SGD.addParamGroup: nesterov needs momentum > 0 and dampening 0/);
});

test('groups take the optimizer options they leave out, and lr stays writable', () => {
  const [a, b] = [w(), w()];
  const betas: [number, number] = [0.8, 0.9];
  const opt = new optim.Adam([{ params: [a] }, { params: [b], lr: 0.1, betas }], { lr: 0.01, weightDecay: 0.5 });
  betas[0] = 0.1; // the group keeps its own copy
  assert.deepEqual(opt.paramGroups.map(({ params: _, ...o }) => o), [
    { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.5, amsgrad: false },
    { lr: 0.1, betas: [0.8, 0.9], eps: 1e-8, weightDecay: 0.5, amsgrad: false },
  ]);
  assert.equal(new optim.AdamW([w()]).paramGroups[0].weightDecay, 0.01);
  opt.paramGroups[1].lr = 0;
  b.grad = torch.onesLike(b);
  opt.step();
  assert.deepEqual(b.tolist(), [0, 0]);
  opt.addParamGroup({ params: [w()], lr: 1 });
  assert.equal(opt.paramGroups.length, 3);
  assert.equal(opt.paramGroups[2].eps, 1e-8);
});

test('zeroGrad sets gradients to null by default, or to zeros', () => {
  const a = w();
  const opt = new optim.SGD([a], { lr: 1 });
  a.grad = torch.ones([2]);
  opt.zeroGrad(false);
  assert.deepEqual(a.grad!.tolist(), [0, 0]);
  opt.zeroGrad();
  assert.equal(a.grad, null);
  opt.step(); // no gradient, no change
  assert.deepEqual(a.tolist(), [0, 0]);
});

test('a disposed optimizer refuses to step', () => {
  const opt = new optim.Adam([w()]);
  opt.dispose();
  assert.throws(() => opt.step(), /Adam: step\(\) after dispose\(\)/);
  assert.throws(() => opt.stateDict(), /Adam: stateDict\(\) after dispose\(\)/);
});

test('schedulers refuse bad options', () => {
  const sgd = new optim.SGD([w()], { lr: 0.1 });
  const cases: [() => unknown, RegExp][] = [
    [() => new S.StepLR({} as never, { stepSize: 1 }), /StepLR: optimizer must be an Optimizer \(SGD, Adam, …\), got a Object/],
    [() => new S.StepLR(sgd, {}), /StepLR: stepSize is required/],
    [() => new S.StepLR(sgd, { stepSize: 0 }), /StepLR: stepSize must be at least 1, got 0/],
    [() => new S.StepLR(sgd, { stepSize: 1.5 }), /StepLR: stepSize must be an integer, got 1.5/],
    [() => new S.MultiStepLR(sgd, { milestones: 3 as never }), /MultiStepLR: milestones must be an array of epochs, got 3/],
    [() => new S.MultiStepLR(sgd, { milestones: [2, -1] }), /MultiStepLR: milestones\[1\] must be at least 0, got -1/],
    [() => new S.ExponentialLR(sgd, {}), /ExponentialLR: gamma is required/],
    [() => new S.CosineAnnealingLR(sgd, { tMax: 0 }), /CosineAnnealingLR: tMax must be at least 1, got 0/],
    [() => new S.LinearLR(sgd, { startFactor: 0 }), /LinearLR: startFactor must be in \(0, 1\], got 0/],
    [() => new S.LinearLR(sgd, { endFactor: 1.5 }), /LinearLR: endFactor must be in \[0, 1\], got 1.5/],
    [() => new S.OneCycleLR(sgd, { totalSteps: 10 }), /OneCycleLR: maxLr is required/],
    [() => new S.OneCycleLR(sgd, { maxLr: 1 }), /OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/],
    [() => new S.OneCycleLR(sgd, { maxLr: 1, totalSteps: 10, pctStart: 1.5 }), /OneCycleLR: pctStart must be in \[0, 1\], got 1.5/],
    [() => new S.OneCycleLR(sgd, { maxLr: 1, totalSteps: 10, pctStart: 0.1 }), /OneCycleLR: with pctStart 0.1 and totalSteps 10, phase 1 of the cycle has no steps/],
    [() => new S.OneCycleLR(sgd, { maxLr: 1, totalSteps: 10, annealStrategy: 'exp' as never }), /OneCycleLR: annealStrategy must be one of 'cos', 'linear', got "exp"/],
    [() => new S.OneCycleLR(sgd, { maxLr: [1, 2], totalSteps: 10 }), /OneCycleLR: maxLr has 2 values but the optimizer has 1 parameter groups/],
    [() => new S.OneCycleLR(sgd, { maxLr: 1, totalSteps: 10, maxMomentum: 1 }), /OneCycleLR: maxMomentum must be in \[0, 1\), got 1/],
    [() => new S.ReduceLROnPlateau(sgd, { factor: 1 }), /ReduceLROnPlateau: factor must be in \[0, 1\), got 1/],
    [() => new S.ReduceLROnPlateau(sgd, { mode: 'avg' as never }), /ReduceLROnPlateau: mode must be one of 'min', 'max', got "avg"/],
    [() => new S.ReduceLROnPlateau(sgd, { patience: -1 }), /ReduceLROnPlateau: patience must be at least 0, got -1/],
    [() => new S.SequentialLR(sgd, { schedulers: [], milestones: [] }), /SequentialLR: schedulers must be a non-empty array of schedulers/],
    [() => new S.SequentialLR(sgd, { schedulers: [new S.StepLR(sgd, { stepSize: 2 })], milestones: [3] }), /SequentialLR: milestones must be an array of 0 epochs \(one fewer than the schedulers\), got an array of 1/],
    [() => new S.SequentialLR(sgd, { schedulers: [new S.StepLR(sgd, { stepSize: 2 }), new S.StepLR(new optim.SGD([w()], { lr: 1 }), { stepSize: 2 })], milestones: [3] }), /SequentialLR: schedulers\[1\] was made on another optimizer/],
    [() => new S.SequentialLR(sgd, { schedulers: [new S.StepLR(sgd, { stepSize: 2 }), new S.ReduceLROnPlateau(sgd) as never], milestones: [3] }), /SequentialLR: schedulers\[1\] must be an LRScheduler \(StepLR, LinearLR, …\), got a ReduceLROnPlateau/],
    [() => new S.SequentialLR(sgd, { schedulers: [new S.StepLR(sgd, { stepSize: 2 }), new S.StepLR(sgd, { stepSize: 2 }), new S.StepLR(sgd, { stepSize: 2 })], milestones: [5, 5] }), /SequentialLR: milestones\[1\] must be at least 6, got 5/],
  ];
  for (const [make, message] of cases) assert.throws(make, message, String(message));
  assert.throws(() => new S.ReduceLROnPlateau(sgd).step('low' as never), /ReduceLROnPlateau.step: metric must be a number or a one-element tensor, got "low"/);
});

test('OneCycleLR refuses to step past totalSteps, as PyTorch', () => {
  const s = new S.OneCycleLR(new optim.SGD([w()], { lr: 0.1 }), { maxLr: 1, totalSteps: 5 });
  for (let i = 0; i < 5; i++) s.step();
  assert.throws(() => s.step(), /OneCycleLR: tried to step 7 times; totalSteps is 5/);
  assert.equal(s.lastEpoch, 5);
});

test('cycleMomentum needs momentum or betas', () => {
  class Plain extends optim.Optimizer {
    constructor(params: optim.Params) { super(params, { lr: 0.1 }, { name: 'Plain', defaults: { lr: undefined }, state: {} }); }
    protected checkOptions(): void {}
    protected update(): void {}
  }
  assert.throws(() => new S.OneCycleLR(new Plain([w()]), { maxLr: 1, totalSteps: 10 }), /OneCycleLR: cycleMomentum needs an optimizer with momentum or betas; pass cycleMomentum: false/);
  const s = new S.OneCycleLR(new Plain([w()]), { maxLr: 1, totalSteps: 10, cycleMomentum: false });
  assert.ok(Math.abs(s.getLastLr()[0] - 1 / 25) < 1e-15);
});
