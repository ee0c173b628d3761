import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DataLoader } from '../../src/data/dataloader.js';
import type { Batch, WorkerSpec } from '../../src/data/dataset.js';
import { currentEpoch, currentRandom } from '../../src/torch/random.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { nn, torch } from '../../src/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { Trainer } from '../../src/train/index.js';
import { MixingTransform, type MixingContext } from '../../src/transforms/transform.js';

/** Mixup written out: λ and the partner order from currentRandom(), soft targets N×2. Records what it saw. */
class RecordingMix extends MixingTransform {
  readonly seen: { lambda: number; epoch: number | undefined; contextEpoch: number | undefined; model: unknown; size: number }[] = [];
  forward(batch: Batch, context?: MixingContext): Batch {
    const random = currentRandom();
    const lambda = random.uniform();
    const n = batch.inputs.shape[0];
    this.seen.push({ lambda, epoch: currentEpoch(), contextEpoch: context?.epoch, model: context?.model, size: n });
    const order = torch.tensor(Array.from(random.permutation(n)), { dtype: 'int64' });
    const soft = torch.oneHot(batch.targets, 2).float();
    return {
      inputs: batch.inputs.mul(lambda).add(batch.inputs.indexSelect(0, order).mul(1 - lambda)),
      targets: soft.mul(lambda).add(soft.indexSelect(0, order).mul(1 - lambda)),
    };
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'RecordingMix', args: [] };
  }
  toString(): string {
    return 'RecordingMix()';
  }
}

/** Hands the batch on as it is. */
class Identity extends MixingTransform {
  forward(batch: Batch): Batch {
    return batch;
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'Identity', args: [] };
  }
  toString(): string {
    return 'Identity()';
  }
}

const data = torch.tidy(() => {
  torch.manualSeed(5);
  const labels = torch.randint(0, 2, [96]);
  const images = torch.randn([96, 1, 6, 6]).add(labels.view(96, 1, 1, 1).float().mul(1.5));
  return new TensorDataset(torch.keep(images), torch.keep(labels));
});

function run(mixingTransforms: MixingTransform[] | undefined, seed = 0) {
  torch.manualSeed(seed);
  const model = new nn.Sequential(new nn.Conv2d(1, 3, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(48, 2));
  const optimizer = new SGD(model.parameters(), { lr: 0.05 });
  const trainer = new Trainer({ model, optimizer, progress: 'quiet', seed, mixingTransforms });
  const loader = new DataLoader(data, { batchSize: 32, shuffle: true, seed: 1 });
  return { model, trainer, loader };
}

const weights = (model: nn.Module): number[] => torch.tidy(() => model.parameters().flatMap((p) => Array.from(p.detach().flatten().toTypedArray() as Float32Array)));

test('mixing transforms draw from Random(seed, epoch, batch): two seeded runs see the same λ and end with the same weights', async () => {
  const a = run([new RecordingMix()]);
  const b = run([new RecordingMix()]);
  const historyA = await a.trainer.fit(a.loader, { epochs: 2 });
  const historyB = await b.trainer.fit(b.loader, { epochs: 2 });
  const mixA = a.trainer.options.mixingTransforms![0] as RecordingMix;
  const mixB = b.trainer.options.mixingTransforms![0] as RecordingMix;
  assert.equal(mixA.seen.length, 6, '3 batches × 2 epochs');
  assert.deepEqual(mixA.seen.map((s) => s.lambda), mixB.seen.map((s) => s.lambda));
  assert.equal(new Set(mixA.seen.map((s) => s.lambda)).size, 6, 'every batch draws its own λ');
  assert.deepEqual(historyA.map((h) => h.train_loss), historyB.map((h) => h.train_loss));
  assert.deepEqual(weights(a.model), weights(b.model));
  const other = run([new RecordingMix()], 1);
  await other.trainer.fit(other.loader, { epochs: 1 });
  assert.notDeepEqual((other.trainer.options.mixingTransforms![0] as RecordingMix).seen.map((s) => s.lambda), mixA.seen.slice(0, 3).map((s) => s.lambda));
});

test('the context holds the model being trained and the 0-based epoch, as currentEpoch() does', async () => {
  const mix = new RecordingMix();
  const { model, trainer, loader } = run([mix]);
  await trainer.fit(loader, { epochs: 2 });
  assert.deepEqual(mix.seen.map((s) => s.epoch), [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(mix.seen.map((s) => s.contextEpoch), [0, 0, 0, 1, 1, 1]);
  assert.ok(mix.seen.every((s) => s.model === model));
  assert.deepEqual(mix.seen.map((s) => s.size), [32, 32, 32, 32, 32, 32]);
});

test('soft targets train with the default loss, and train accuracy counts the argmax of the mixed target', async () => {
  const { trainer, loader } = run([new RecordingMix()]);
  const history = await trainer.fit(loader, { epochs: 3 });
  for (const h of history) {
    assert.ok(Number.isFinite(h.train_loss) && h.train_loss > 0, `loss ${h.train_loss}`);
    assert.ok(h.train_acc >= 0 && h.train_acc <= 1 && Number.isInteger(Math.round(h.train_acc * 96 * 1e6) / 1e6), `accuracy ${h.train_acc} is a count over 96 images`);
  }
});

test('an identity transform changes nothing: the same weights as a run without transforms', async () => {
  const plain = run(undefined);
  const identity = run([new Identity()]);
  await plain.trainer.fit(plain.loader, { epochs: 2 });
  await identity.trainer.fit(identity.loader, { epochs: 2 });
  assert.deepEqual(weights(identity.model), weights(plain.model));
});

test('memory stays flat across epochs with a mixing transform, and validation is not transformed', async () => {
  const mix = new RecordingMix();
  const { trainer, loader } = run([mix]);
  const validation = new DataLoader(data, { batchSize: 48 });
  await trainer.fit(loader, { epochs: 1, validation });
  const before = torch.memory().numTensors;
  await trainer.fit(loader, { epochs: 4, validation });
  assert.equal(torch.memory().numTensors, before);
  assert.equal(mix.seen.length, 12, 'only the 3 training batches of each of 4 epochs');
});

test('mixingTransforms must be mixing transforms', () => {
  const model = new nn.Linear(2, 2);
  const optimizer = new SGD(model.parameters(), { lr: 0.1 });
  assert.throws(() => new Trainer({ model, optimizer, mixingTransforms: [{}] as never }), /^TypeError: Trainer: mixingTransforms must be an array of mixing transforms/);
  assert.throws(() => new Trainer({ model, optimizer, mixingTransforms: 'mixup' as never }), /Trainer: mixingTransforms must be an array/);
});

test('the library Mixup and CutMix train through the Trainer with flat memory', async () => {
  const { Mixup, CutMix } = await import('../../src/transforms/mixing.js');
  const { trainer, loader } = run([new Mixup({ alpha: 0.4, numClasses: 2 }), new CutMix({ alpha: 1, numClasses: 2, p: 0.5 })]);
  await trainer.fit(loader, { epochs: 1 });
  const before = torch.memory().numTensors;
  const history = await trainer.fit(loader, { epochs: 3 });
  assert.equal(torch.memory().numTensors, before);
  assert.ok(history.every((h) => Number.isFinite(h.train_loss)));
});
