import assert from 'node:assert/strict';
import { test } from 'node:test';

import { amp, nn, optim, torch } from '../../src/index.js';
import { noReference, reference } from './pytorch-reference.js';

const noCuda = torch.cuda.isAvailable() ? false : 'CUDA is not available to this libtorch';

/** test/amp/reference.py's script: 30 steps, an inf gradient at steps 3 and 4 and a NaN at step 10, growthInterval 3. */
function scripted(device: string) {
  const p = new nn.Parameter(torch.tensor([1, -2, 3, 0.5], { device }));
  const optimizer = new optim.SGD([p], { lr: 0.1 });
  const scaler = new amp.GradScaler({ initScale: 2 ** 16, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3 });
  const scales: number[] = [];
  const stepped: boolean[] = [];
  const skipped: boolean[] = [];
  const live: number[] = [];
  for (let step = 1; step <= 30; step++) {
    torch.tidy(() => {
      optimizer.zeroGrad();
      const x = torch.tensor([0.5, 1, -1.5, 2], { device }).mul(step);
      scaler.scale(p.mul(x).sum().div(10)).backward();
      if ([3, 4, 10].includes(step)) p.grad!.indexPut_([1], step === 10 ? NaN : Infinity);
      const before = p.detach().clone();
      skipped.push(!scaler.step(optimizer));
      scaler.update();
      stepped.push(!before.equal(p.detach()));
      scales.push(scaler.getScale());
    });
    live.push(torch.memory().numTensors);
  }
  const result = { scales, stepped, skipped, param: p.detach().cpu().tolist() as number[], state: scaler.stateDict(), live };
  scaler.dispose();
  optimizer.dispose();
  p.dispose();
  return result;
}

test("GradScaler's scale and skipped steps equal PyTorch's GradScaler on a scripted pattern of inf/NaN gradients", { skip: noReference }, () => {
  const ref = reference!.grad_scaler;
  const ours = scripted('cpu');
  assert.deepEqual(ours.scales, ref.scales);
  assert.deepEqual(ours.stepped, ref.stepped);
  assert.deepEqual(ours.skipped, ref.stepped.map((s: boolean) => !s));
  assert.deepEqual(ours.skipped.flatMap((s, i) => (s ? [i + 1] : [])), [3, 4, 10]);
  ours.param.forEach((v, i) => assert.ok(Math.abs(v - ref.param[i]) < 1e-5, `param[${i}] ${v} vs ${ref.param[i]}`));
  assert.deepEqual(ours.state, ref.state);
  // Memory stays flat: from the first step on, the same tensors live (the scale, its tracker, the gradient).
  assert.deepEqual(new Set(ours.live), new Set([ours.live[0]]));
});

test('GradScaler: PyTorch\'s defaults, its state dict round trip, and the misuse PyTorch refuses', () => {
  const scaler = new amp.GradScaler();
  assert.equal(scaler.getScale(), 65536);
  assert.equal(scaler.getGrowthFactor(), 2);
  assert.equal(scaler.getBackoffFactor(), 0.5);
  assert.equal(scaler.getGrowthInterval(), 2000);
  assert.deepEqual(scaler.stateDict(), { scale: 65536, growth_factor: 2, backoff_factor: 0.5, growth_interval: 2000, _growth_tracker: 0 });
  const p = new nn.Parameter(torch.ones([3]));
  const optimizer = new optim.SGD([p], { lr: 1 });
  assert.throws(() => scaler.update(), /before scale\(loss\)/);
  torch.tidy(() => scaler.scale(p.sum()).backward());
  assert.deepEqual(p.grad!.tolist(), [65536, 65536, 65536]);
  scaler.unscale_(optimizer);
  assert.deepEqual(p.grad!.tolist(), [1, 1, 1]);
  assert.throws(() => scaler.unscale_(optimizer), /already been called on this optimizer since the last update/);
  assert.equal(scaler.step(optimizer), true);
  assert.deepEqual(p.tolist(), [0, 0, 0]);
  assert.throws(() => scaler.step(optimizer), /step\(\) has already been called since the last update/);
  scaler.update();
  const restored = new amp.GradScaler();
  restored.loadStateDict({ scale: 1024, growth_factor: 4, backoff_factor: 0.25, growth_interval: 7, _growth_tracker: 5 });
  assert.deepEqual(restored.stateDict(), { scale: 1024, growth_factor: 4, backoff_factor: 0.25, growth_interval: 7, _growth_tracker: 5 });
  assert.throws(() => restored.loadStateDict({} as never), /holds no scale/);
  assert.throws(() => new amp.GradScaler({ growthInterval: 0 }), /growthInterval must be a positive integer/);
  assert.throws(() => new amp.GradScaler({ backoffFactor: 2 }), /backoffFactor must be below 1/);
  const off = new amp.GradScaler({ enabled: false });
  assert.equal(off.getScale(), 1);
  assert.deepEqual(off.stateDict(), {});
  scaler.dispose();
  optimizer.dispose();
  p.dispose();
});

test('on CUDA: libtorch\'s scaler kernels give the same sequence as on the CPU', { skip: noCuda }, () => {
  const cpu = scripted('cpu');
  const gpu = scripted('cuda');
  assert.deepEqual(gpu.scales, cpu.scales);
  assert.deepEqual(gpu.skipped, cpu.skipped);
  gpu.param.forEach((v, i) => assert.ok(Math.abs(v - cpu.param[i]) < 1e-5));
});
