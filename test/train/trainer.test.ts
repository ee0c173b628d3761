import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { DataLoader } from '../../src/data/dataloader.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { nn, torch } from '../../src/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { CSVLogger, EarlyStopping, learningCurvesSvg, loadCheckpoint, ModelCheckpoint, Trainer } from '../../src/train/index.js';

/** Horizontal (0) or vertical (1) bars in noisy 8×8 images. */
function bars(n: number, seed: number): TensorDataset {
  torch.manualSeed(seed);
  return torch.tidy(() => {
    const labels = torch.randint(0, 2, [n]);
    const where = torch.randint(0, 8, [n]).view(n, 1, 1);
    const positions = torch.arange(8);
    const image = torch.where(labels.view(n, 1, 1).eq(1), positions.view(1, 1, 8).eq(where), positions.view(1, 8, 1).eq(where)).float();
    return new TensorDataset(torch.keep(image.add(torch.randn([n, 8, 8]).mul(0.5)).unsqueeze(1)), torch.keep(labels));
  });
}

function setup(options: { lr?: number; seed?: number; dir?: string; callbacks?: unknown[] } = {}) {
  torch.manualSeed(options.seed ?? 0);
  const model = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Dropout(0.2), new nn.Linear(64, 2));
  const optimizer = new SGD(model.parameters(), { lr: options.lr ?? 0.05, momentum: 0.9 });
  const trainer = new Trainer({ model, optimizer, progress: 'quiet', seed: options.seed ?? 0, callbacks: options.callbacks as never });
  return { model, optimizer, trainer };
}

const train = bars(256, 1);
const val = bars(128, 2);
const loaders = () => ({ train: new DataLoader(train, { batchSize: 32, shuffle: true, seed: 3 }), val: new DataLoader(val, { batchSize: 64 }) });

test('fit trains, validates, logs every column and writes the run files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-run-'));
  const { trainer } = setup({ callbacks: [new CSVLogger(join(dir, 'metrics.csv')), new ModelCheckpoint(dir)] });
  const { train: t, val: v } = loaders();
  const history = await trainer.fit(t, { epochs: 4, validation: v });
  assert.equal(history.length, 4);
  assert.ok(history[3].train_loss < history[0].train_loss, 'the loss falls');
  assert.ok(history[3].val_acc! > 0.8, `validation accuracy ${history[3].val_acc} (chance: 0.5)`);
  const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'epoch,train_loss,train_acc,val_loss,val_acc,penalty,lr,seconds,rss_mb');
  assert.equal(csv.length, 5);
  assert.ok(existsSync(join(dir, 'best.safetensors')) && existsSync(join(dir, 'last.safetensors')));
  const last = loadCheckpoint(join(dir, 'last.safetensors'));
  assert.equal(last.info.epoch, 4);
  assert.ok(last.rng && Object.keys(last.optimizerTensors).length > 0);
  const best = loadCheckpoint(join(dir, 'best.safetensors'));
  assert.equal(best.info.optimizer, undefined);
  assert.match(learningCurvesSvg(history), /^<svg[\s\S]*Loss[\s\S]*Accuracy[\s\S]*<\/svg>\n$/);
  const evaluation = await trainer.evaluate(v);
  assert.equal(evaluation.confusion.counts.flat().reduce((a, b) => a + b, 0), 128);
  assert.ok(Math.abs(evaluation.accuracy - history[3].val_acc!) < 1e-9);
});

test('resuming from last.safetensors continues the same run exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-resume-'));
  const straight = setup();
  const a = loaders();
  await straight.trainer.fit(a.train, { epochs: 4, validation: a.val });

  const first = setup({ callbacks: [new ModelCheckpoint(dir)] });
  const b = loaders();
  await first.trainer.fit(b.train, { epochs: 2, validation: b.val });
  const second = setup({ seed: 99 }); // a different start, replaced by the checkpoint
  const c = loaders();
  second.trainer.resume(join(dir, 'last.safetensors'), [c.train]);
  const history = await second.trainer.fit(c.train, { epochs: 4, validation: c.val });
  assert.deepEqual(history.map((h) => h.epoch), [1, 2, 3, 4]);
  for (const [name, p] of straight.model.namedParameters()) {
    const resumed = second.model.namedParameters().find(([n]) => n === name)![1];
    assert.ok(p.allclose(resumed, 1e-5, 1e-6), `${name} differs after resuming`);
  }
  assert.ok(Math.abs(history[3].train_loss - straight.trainer.history[3].train_loss) < 1e-5);
});

test('EarlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
  const stopper = new EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
  const { trainer, model } = setup({ lr: 0, callbacks: [stopper] }); // lr 0: nothing improves after epoch 1
  const { train: t, val: v } = loaders();
  const history = await trainer.fit(t, { epochs: 10, validation: v });
  assert.equal(history.length, 3);
  assert.equal(stopper.stoppedEpoch, 3);
  assert.equal(stopper.bestEpoch, 1);
  assert.equal(model.training, true);
  await assert.rejects(setup({ callbacks: [new EarlyStopping({ monitor: 'val_acc' })] }).trainer.fit(loaders().train, { epochs: 1 }), /cannot monitor 'val_acc': it is not logged/);
});

test('regularizers are added to the loss and reported apart; clipping and top-k run', async () => {
  torch.manualSeed(0);
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(64, 2));
  const trainer = new Trainer({ model, optimizer: new SGD(model.parameters(), { lr: 0.1 }), progress: 'quiet', regularizers: [nn.regularizers.l2(0.01)], clipGradNorm: 1, topK: 2 });
  const [logs] = await trainer.fit(loaders().train, { epochs: 1 });
  assert.ok(logs.penalty > 0 && logs.penalty < 1, `penalty ${logs.penalty}`);
  assert.equal(logs.top2_acc, 1);
});

test('memory (live tensors and RSS) stays flat across many epochs', async () => {
  const { trainer } = setup();
  const { train: t, val: v } = loaders();
  await trainer.fit(t, { epochs: 2, validation: v });
  const before = torch.memory();
  const rssBefore = process.memoryUsage().rss;
  await trainer.fit(t, { epochs: 22, validation: v });
  assert.deepEqual(torch.memory(), before);
  const rss = process.memoryUsage().rss;
  assert.ok(Math.abs(rss - rssBefore) <= 0.1 * rssBefore, `RSS went from ${rssBefore} to ${rss}`);
});
