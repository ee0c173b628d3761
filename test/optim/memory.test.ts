// Optimizers, schedulers and clipping do not leak: 1000 training steps leave torch.memory() as one step
// left it, and dispose() frees the optimizer's state.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { F, torch, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';

const OPTIMIZERS: [string, (params: Tensor[]) => optim.Optimizer][] = [
  ['SGD with nesterov momentum and weightDecay', (p) => new optim.SGD(p, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 })],
  ['Adam with amsgrad and weightDecay', (p) => new optim.Adam(p, { amsgrad: true, weightDecay: 1e-4 })],
  ['AdamW in two groups', (p) => new optim.AdamW([{ params: [p[0]] }, { params: [p[1]], weightDecay: 0 }])],
  ['RMSprop centered with momentum', (p) => new optim.RMSprop(p, { momentum: 0.9, centered: true, weightDecay: 1e-4 })],
];

for (const [name, make] of OPTIMIZERS) {
  for (const setToNone of [true, false]) {
    test(`${name}: 1000 steps with OneCycleLR and clipGradNorm_ (zeroGrad(${setToNone})) leave memory unchanged`, () => {
      torch.manualSeed(0);
      const x = torch.randn([16, 4]);
      const y = torch.randn([16, 3]);
      const weight = torch.randn([3, 4]).requiresGrad_(true);
      const bias = torch.zeros([3], { requiresGrad: true });
      const start = torch.memory();
      const opt = make([weight, bias]);
      const scheduler = new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.01, totalSteps: 1000 });
      let norm = 0;
      const trainStep = () => {
        opt.zeroGrad(setToNone);
        torch.tidy(() => F.mseLoss(F.linear(x, weight, bias), y).backward());
        norm = optim.clipGradNorm_([weight, bias], 1);
        opt.step();
        scheduler.step();
      };
      trainStep();
      const afterOne = torch.memory();
      assert.ok(afterOne.numBytes > start.numBytes, 'the state is counted');
      for (let i = 1; i < 1000; i++) trainStep();
      assert.deepEqual(torch.memory(), afterOne);
      assert.ok(Number.isFinite(norm));
      opt.zeroGrad();
      opt.dispose();
      assert.deepEqual(torch.memory(), start, 'dispose() frees the state');
      torch.dispose([x, y, weight, bias]);
    });
  }
}

test('stateDict() and loadStateDict() in a loop leave memory unchanged', () => {
  const p = torch.ones([5], { requiresGrad: true });
  const opt = new optim.Adam([p]);
  p.grad = torch.onesLike(p);
  opt.step();
  const before = torch.memory();
  for (let i = 0; i < 200; i++) {
    torch.tidy(() => opt.loadStateDict(opt.stateDict()));
  }
  assert.deepEqual(torch.memory(), before);
  opt.dispose();
});
