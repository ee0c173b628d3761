import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import type { Batch } from '../../src/data/dataset.js';
import { DataLoader } from '../../src/data/dataloader.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { nn, torch, transforms } from '../../src/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { loadCheckpoint, Trainer } from '../../src/train/index.js';

const noCuda = torch.cuda.isAvailable() ? false : 'CUDA is not available to this libtorch';

/** n noisy 1×8×8 images in 3 classes. */
function images(n: number, seed: number): TensorDataset {
  torch.manualSeed(seed);
  return torch.tidy(() => {
    const labels = torch.randint(0, 3, [n]);
    const x = torch.randn([n, 1, 8, 8]).add(labels.view(n, 1, 1, 1).float().mul(0.7));
    return new TensorDataset(torch.keep(x), torch.keep(labels));
  });
}

/** A CNN without batch norm or dropout, so a batch's gradient is the mean of its samples' and nothing is random. */
function model(seed = 0): nn.Module {
  torch.manualSeed(seed);
  return new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(64, 3));
}

/** The parameters after `epochs` epochs of batches of `batchSize`, the optimizer stepping every `accumulate` batches. */
async function trained(data: TensorDataset, batchSize: number, accumulate: number, epochs = 3) {
  const m = model();
  const optimizer = new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
  let steps = 0;
  const step = optimizer.step.bind(optimizer);
  optimizer.step = () => { steps++; step(); };
  let schedulerSteps = 0;
  const scheduler = { step: () => { schedulerSteps++; } };
  const trainer = new Trainer({ model: m, optimizer, progress: 'quiet', accumulate, scheduler: scheduler as never, schedulerInterval: 'batch' });
  await trainer.fit(new DataLoader(data, { batchSize }), { epochs });
  const params = m.parameters().map((p) => Array.from(p.toTypedArray() as Float32Array));
  optimizer.dispose();
  return { params, steps, schedulerSteps };
}

function assertClose(a: number[][], b: number[][], tolerance: number): void {
  let worst = 0;
  a.forEach((p, i) => p.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - b[i][j])); }));
  assert.ok(worst <= tolerance, `largest difference ${worst} > ${tolerance}`);
}

test('accumulating 4 batches of 8 gives the parameters of one step on the batch of 32, within 1e-6', async () => {
  const data = images(64, 1);
  const accumulated = await trained(data, 8, 4);
  const whole = await trained(data, 32, 1);
  assertClose(accumulated.params, whole.params, 1e-6);
  assert.equal(accumulated.steps, 6); // 2 optimizer steps in each of 3 epochs
  assert.equal(accumulated.schedulerSteps, 6); // a per-batch scheduler steps with the optimizer, not with the batches
  assert.equal(whole.steps, 6);
  // Not vacuous: without accumulation, batches of 8 train elsewhere.
  const unaccumulated = await trained(data, 8, 1);
  assert.equal(unaccumulated.steps, 24);
  assert.throws(() => assertClose(unaccumulated.params, whole.params, 1e-3));
});

test('the last batches of an epoch make a shorter step of their own: 5 batches of 8 with accumulate 4 as batches of 32 and 8', async () => {
  const data = images(40, 2);
  const accumulated = await trained(data, 8, 4);
  const whole = await trained(data, 32, 1);
  assert.equal(accumulated.steps, 6);
  assert.equal(accumulated.schedulerSteps, 6);
  assertClose(accumulated.params, whole.params, 1e-6);
});

test('batches of unknown length that end inside a step still step', async () => {
  const data = images(40, 3);
  const m = model();
  const optimizer = new SGD(m.parameters(), { lr: 0.1 });
  let steps = 0;
  const step = optimizer.step.bind(optimizer);
  optimizer.step = () => { steps++; step(); };
  const loader = new DataLoader(data, { batchSize: 8 });
  // An iterable without a length: the trainer cannot know where the epoch ends.
  const unsized = { async *[Symbol.asyncIterator](): AsyncGenerator<Batch> { yield* loader; } };
  await new Trainer({ model: m, optimizer, progress: 'quiet', accumulate: 4 }).fit(unsized, { epochs: 2 });
  assert.equal(steps, 4);
  optimizer.dispose();
  assert.throws(() => new Trainer({ model: m, optimizer: new SGD(m.parameters(), { lr: 0.1 }), accumulate: 0 }), /accumulate must be a positive integer/);
});

test('bf16 on the CPU with channels_last: autocast trains, the weights stay float32 in NHWC, memory stays flat', async () => {
  const data = images(192, 4);
  const m = model();
  const optimizer = new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-bf16-'));
  const trainer = new Trainer({ model: m, optimizer, progress: 'quiet', precision: 'bf16', channelsLast: true, seed: 0 });
  const history = await trainer.fit(new DataLoader(data, { batchSize: 32, shuffle: true, seed: 1 }), { epochs: 4 });
  const before = torch.memory().numTensors;
  await trainer.fit(new DataLoader(data, { batchSize: 32, shuffle: true, seed: 1 }), { epochs: 5 });
  assert.equal(torch.memory().numTensors, before);
  assert.ok(history[3].train_loss < history[0].train_loss * 0.8, `the loss falls: ${history.map((h) => h.train_loss.toFixed(3)).join(', ')}`);
  assert.ok(history[3].train_acc > 0.6, `train accuracy ${history[3].train_acc} (chance: 0.33)`);
  const conv = m.parameters()[0];
  assert.equal(conv.dtype, 'float32');
  assert.ok(conv.isContiguous('channels_last'), `conv weight strides ${conv.stride()}`);
  assert.equal(torch.isAutocastEnabled('cpu'), false);
  trainer.saveCheckpoint(join(dir, 'last.safetensors'));
  const checkpoint = loadCheckpoint(join(dir, 'last.safetensors'));
  assert.equal(checkpoint.info.gradScaler, undefined); // only fp16 has a scaler
  torch.dispose(checkpoint);
  optimizer.dispose();
});

test('batch-level augmentation (Mixup, CutMix) runs on the batch\'s device, also under bf16 autocast', async () => {
  const data = images(64, 5);
  for (const mixing of [new transforms.Mixup({ alpha: 0.4, numClasses: 3 }), new transforms.CutMix({ alpha: 1, numClasses: 3 })]) {
    const devices: string[] = [];
    const seen = { forward: (batch: Batch) => { devices.push(batch.inputs.device, batch.targets.device); return batch; } };
    const m = model();
    const optimizer = new SGD(m.parameters(), { lr: 0.05 });
    const device = torch.cuda.isAvailable() ? 'cuda' : 'cpu';
    const trainer = new Trainer({ model: m, optimizer, progress: 'quiet', precision: 'bf16', device, seed: 0, mixingTransforms: [mixing, seen as never] });
    const history = await trainer.fit(new DataLoader(data, { batchSize: 16 }), { epochs: 1 });
    assert.ok(Number.isFinite(history[0].train_loss));
    assert.deepEqual(new Set(devices), new Set([device === 'cuda' ? 'cuda:0' : 'cpu']));
    optimizer.dispose();
  }
});

test('precision fp16 needs CUDA: a clear error on the CPU', { skip: !noCuda }, () => {
  const m = model();
  assert.throws(() => new Trainer({ model: m, optimizer: new SGD(m.parameters(), { lr: 0.1 }), precision: 'fp16' }), /fp16 needs CUDA/);
  assert.throws(() => new Trainer({ model: m, optimizer: new SGD(m.parameters(), { lr: 0.1 }), precision: '16' as never }), /precision must be one of 32, bf16, fp16/);
});

test('on CUDA: fp16 with the GradScaler trains, batches arrive from pinned memory, and the scaler state resumes', { skip: noCuda }, async () => {
  const data = images(128, 6);
  const m = model();
  const optimizer = new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-fp16-'));
  const trainer = new Trainer({ model: m, optimizer, progress: 'quiet', device: 'cuda', precision: 'fp16', channelsLast: true, accumulate: 2, seed: 0 });
  const history = await trainer.fit(new DataLoader(data, { batchSize: 16 }), { epochs: 3 });
  assert.ok(history[2].train_loss < history[0].train_loss);
  assert.equal(trainer.gradScaler!.getScale(), 65536); // 12 good steps, far below the growth interval
  trainer.saveCheckpoint(join(dir, 'last.safetensors'));
  const again = model();
  const resumed = new Trainer({ model: again, optimizer: new SGD(again.parameters(), { lr: 0.1, momentum: 0.9 }), progress: 'quiet', device: 'cuda', precision: 'fp16' });
  resumed.resume(join(dir, 'last.safetensors'));
  assert.deepEqual(resumed.gradScaler!.stateDict(), trainer.gradScaler!.stateDict());
  const pinned = torch.ones([4]).pinMemory();
  assert.equal(pinned.isPinned(), true);
  assert.equal(pinned.to({ device: 'cuda', nonBlocking: true }).device, 'cuda:0');
  optimizer.dispose();
});
