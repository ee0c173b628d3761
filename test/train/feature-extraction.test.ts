import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DataLoader } from '../../src/data/dataloader.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { nn, torch } from '../../src/index.js';
import { lectureCnn, resnet20 } from '../../src/models/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { extractFeatures, freeze, headModule, Trainer, trainHead } from '../../src/train/index.js';

function images(n: number, size: number): TensorDataset {
  return torch.tidy(() => new TensorDataset(torch.keep(torch.randn([n, 3, size, size])), torch.keep(torch.randint(0, 3, [n]))));
}

test("extractFeatures gives what the head receives, in eval mode, and leaves the model as it was", async () => {
  torch.manualSeed(0);
  const model = resnet20({ numClasses: 3 });
  const data = images(10, 16);
  assert.equal(headModule(model).name, 'fc');
  const before = torch.memory().numTensors;
  const features = await extractFeatures(model, new DataLoader(data, { batchSize: 4 }));
  assert.deepEqual(features.inputs.shape, [10, 64]);
  assert.ok(features.targets.equal(data.targets));
  assert.equal(model.training, true, 'the mode is restored');
  assert.ok(model.fc instanceof nn.Linear, 'the head is back');
  torch.tidy(() => {
    // The same features by hand: the network up to global average pooling, in eval mode.
    model.eval();
    const stem = model.relu.forward(model.bn1.forward(model.conv1.forward(data.inputs)));
    const expected = model.avgpool.forward(model.layer3.forward(model.layer2.forward(model.layer1.forward(stem)))).flatten(1);
    assert.ok(features.inputs.allclose(expected, 1e-5, 1e-6));
    // And the head on them gives the model's output.
    assert.ok(model.fc.forward(features.inputs).allclose(model.forward(data.inputs), 1e-5, 1e-5));
    model.train();
  });
  torch.dispose([features.inputs, features.targets]);
  assert.equal(torch.memory().numTensors, before, 'nothing left over per batch');
  model.dispose();
  torch.dispose([data.inputs, data.targets]);
});

test('training the head on extracted features equals training the frozen model end to end', async () => {
  const data = images(48, 16);
  const build = () => {
    torch.manualSeed(1);
    const model = lectureCnn({ inputSize: 16, batchNorm: true, numClasses: 3 });
    freeze(model);
    return model;
  };
  const options = { batchSize: 8, seed: 5, epochs: 2 };
  // End to end: the whole network runs forward every step; its frozen batch norms stay in eval mode.
  const endToEnd = build();
  const initialHead = endToEnd.classifier.at(-1).parameters()[0].clone();
  const sgd = new SGD(endToEnd.parameters(), { lr: 0.05, momentum: 0.9 });
  await new Trainer({ model: endToEnd, optimizer: sgd, progress: 'quiet', seed: options.seed })
    .fit(new DataLoader(data, { batchSize: options.batchSize, shuffle: true, seed: options.seed }), { epochs: options.epochs });
  // Features once, then the head alone, in the same batches and order.
  const extracted = build();
  const features = await extractFeatures(extracted, new DataLoader(data, { batchSize: 16 }));
  assert.deepEqual(features.inputs.shape, [48, 128, 1, 1]);
  const head = headModule(extracted).module;
  const headSgd = new SGD(head.parameters(), { lr: 0.05, momentum: 0.9 });
  const history = await trainHead(extracted, features, { ...options, optimizer: headSgd, progress: 'quiet' });
  assert.equal(history.length, 2);
  for (const [name, p] of endToEnd.namedParameters()) {
    const q = extracted.namedParameters().find(([n]) => n === name)![1];
    assert.ok(p.allclose(q, 1e-4, 1e-6), `${name} differs`);
  }
  assert.ok(!endToEnd.classifier.at(-1).parameters()[0].equal(initialHead), 'the head trained');
  torch.tidy(() => assert.ok(extracted.eval().forward(data.inputs).allclose(endToEnd.eval().forward(data.inputs), 1e-4, 1e-5)));
  sgd.dispose();
  headSgd.dispose();
  torch.dispose([features.inputs, features.targets, data.inputs, data.targets, initialHead]);
  endToEnd.dispose();
  extracted.dispose();
});

test('bad input: a clear error naming the function', async () => {
  const model = resnet20();
  await assert.rejects(extractFeatures(model, []), /^Error: extractFeatures: the batches gave no batch/);
  assert.ok(model.fc instanceof nn.Linear, 'the head is back after a failure');
  await assert.rejects(trainHead(model, [] as never, { epochs: 1 }), /^TypeError: trainHead: features must be the TensorDataset that extractFeatures returns/);
  const split = new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 4), new nn.ReLU(), new nn.Linear(4, 2));
  // A plain Sequential: the head group is its last child.
  assert.equal(headModule(split).name, '3');
  model.dispose();
});
