import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DataLoader } from '../../src/data/dataloader.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { nn, torch } from '../../src/index.js';
import { resnet20 } from '../../src/models/index.js';
import { evenMults, fineTune, type Callback, type Trainer } from '../../src/train/index.js';

/** Two classes told apart by the mean brightness of 16×16 images. */
function brightness(n: number): TensorDataset {
  return torch.tidy(() => {
    const targets = torch.randint(0, 2, [n]);
    const inputs = torch.randn([n, 3, 16, 16]).add(targets.float().mul(1.5).view(n, 1, 1, 1));
    return new TensorDataset(torch.keep(inputs), torch.keep(targets));
  });
}

/** Each batch's group lrs, and which parameters have changed at the end of each epoch. */
class Recorder implements Callback {
  lrs: number[][] = [];
  changed: string[][] = [];
  private start: Map<string, nn.Parameter>;
  constructor(private readonly model: nn.Module) {
    this.start = new Map(model.namedParameters().map(([name, p]) => [name, p.clone()]));
  }
  onBatchEnd(_: number, __: unknown, trainer: Trainer) {
    this.lrs.push(trainer.optimizer.paramGroups.map((g) => g.lr));
  }
  onEpochEnd() {
    this.changed.push(this.model.namedParameters().filter(([name, p]) => !p.equal(this.start.get(name)!)).map(([name]) => name.split('.')[0]));
  }
  dispose() {
    torch.dispose([...this.start.values()]);
  }
}

test("fineTune follows fastai's recipe: head only with a 0.99 warm-up, then everything with slice(lr/2/100, lr/2)", async () => {
  torch.manualSeed(0);
  const data = brightness(64);
  const model = resnet20({ numClasses: 2 });
  const recorder = new Recorder(model);
  const loader = new DataLoader(data, { batchSize: 8, shuffle: true, seed: 0 });
  const tensorsBefore = torch.memory().numTensors;
  const history = await fineTune(model, loader, { epochs: 2, freezeEpochs: 1, baseLr: 2e-3, callbacks: [recorder], progress: 'quiet', seed: 0 });
  assert.deepEqual(history.map((h) => h.epoch), [1, 2, 3]);
  assert.equal(torch.memory().numTensors, tensorsBefore, 'the optimizer made inside is freed');

  // PyTorch's OneCycleLR (cosine, two phases) with fastai's final lr peak / 1e5; the lr logged after batch k is
  // the one the schedule set for step k (the last one past the cycle's end, as in PyTorch).
  const cos = (from: number, to: number, pct: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1);
  const oneCycle = (t: number, peak: number, total: number, pctStart: number, div: number) => {
    const rise = pctStart * total - 1;
    return t <= rise ? cos(peak / div, peak, t / rise) : cos(peak, peak / 1e5, (t - rise) / (total - 1 - rise));
  };
  const check = (lrs: number[][], peaks: number[], pctStart: number, div: number) => lrs.forEach((row, k) => row.forEach((lr, g) => {
    const expected = oneCycle(k + 1, peaks[g], lrs.length, pctStart, div);
    assert.ok(Math.abs(lr - expected) <= 1e-9 * peaks[g], `step ${k + 1} group ${g}: ${lr} vs ${expected}`);
  }));
  // Phase 1: 8 steps, only the head trains, at slice(2e-3) (the head 2e-3, the frozen groups a tenth), rising over 99 %.
  assert.deepEqual([...new Set(recorder.changed[0])], ['fc']);
  assert.equal(recorder.lrs.length, 8 + 16);
  check(recorder.lrs.slice(0, 8), [2e-4, 2e-4, 2e-3], 0.99, 25);
  assert.ok(recorder.lrs[5][2] > 1.9e-3, 'near the peak just before the end');
  // Phase 2: 16 steps; every group trains at slice(1e-3 / 100, 1e-3), starting at peak / 5, rising over 30 %.
  assert.deepEqual([...new Set(recorder.changed[1])].sort(), ['bn1', 'conv1', 'fc', 'layer1', 'layer2', 'layer3']);
  check(recorder.lrs.slice(8), evenMults(1e-5, 1e-3, 3), 0.3, 5);
  assert.ok(Math.abs(recorder.lrs[8 + 14][2] - 1e-3 / 1e5) < 1e-12, 'ends at the peak / 1e5');
  recorder.dispose();
  model.dispose();
  torch.dispose([data.inputs, data.targets]);
});

test('fineTune with freezeEpochs 0 trains everything from the start', async () => {
  torch.manualSeed(0);
  const data = brightness(32);
  const model = resnet20({ numClasses: 2 });
  const recorder = new Recorder(model);
  const history = await fineTune(model, new DataLoader(data, { batchSize: 4 }), { epochs: 1, freezeEpochs: 0, callbacks: [recorder], progress: 'quiet' });
  assert.equal(history.length, 1);
  assert.ok(recorder.changed[0].includes('conv1'));
  recorder.dispose();
  model.dispose();
  torch.dispose([data.inputs, data.targets]);
});

test('fineTune: bad options are refused before training', async () => {
  const model = resnet20();
  const loader = new DataLoader(brightness(4), { batchSize: 2 });
  await assert.rejects(fineTune(model, loader, { epochs: 0 }), /^RangeError: fineTune: epochs must be a positive integer, got 0/);
  await assert.rejects(fineTune(model, loader, { epochs: 1, freezeEpochs: -1 }), /fineTune: freezeEpochs must be an integer ≥ 0/);
  await assert.rejects(fineTune(model, loader, { epochs: 1, baseLr: 0 }), /fineTune: baseLr must be a number above 0, got 0/);
  await assert.rejects(fineTune(model, loader, { epochs: 1, lrMult: 0.5 }), /fineTune: lrMult must be a number of at least 1, got 0.5/);
  await assert.rejects(fineTune(model, [] as never, { epochs: 1 }), /^TypeError: fineTune: the training batches need a length/);
  model.dispose();
});
