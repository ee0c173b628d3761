import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DataLoader } from '../../src/data/dataloader.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { nn, torch } from '../../src/index.js';
import { resnet20, VisionTransformer } from '../../src/models/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { freeze, freezeByName, freezeTo, Trainer, unfreeze } from '../../src/train/index.js';

const trainable = (model: nn.Module) => model.namedParameters().filter(([, p]) => p.requiresGrad).map(([name]) => name);
const prefixes = (names: string[]) => [...new Set(names.map((n) => n.split('.')[0]))];
const snapshot = (model: nn.Module) => new Map([...model.namedParameters(), ...model.namedBuffers()].map(([name, t]) => [name, t.clone()]));

test('freeze, freezeTo and unfreeze work on layer groups with fastai semantics', () => {
  const model = resnet20();
  freeze(model);
  assert.deepEqual(trainable(model), ['fc.weight', 'fc.bias']);
  freezeTo(model, 1);
  assert.deepEqual(prefixes(trainable(model)), ['layer2', 'layer3', 'fc']);
  freezeTo(model, -2); // the same as 1 for three groups
  assert.deepEqual(prefixes(trainable(model)), ['layer2', 'layer3', 'fc']);
  freezeTo(model, 3);
  assert.deepEqual(trainable(model), []);
  unfreeze(model);
  assert.equal(trainable(model).length, model.parameters().length);
  model.dispose();
});

test("the model's own parameters (ViT's class token) freeze with the first group", () => {
  const vit = new VisionTransformer({ imageSize: 32, patchSize: 16, numLayers: 1, numHeads: 2, hiddenDim: 8, mlpDim: 16 });
  freeze(vit);
  assert.deepEqual(trainable(vit), ['heads.head.weight', 'heads.head.bias']);
  assert.equal(vit.class_token.requiresGrad, false);
  unfreeze(vit);
  assert.equal(vit.class_token.requiresGrad, true);
  vit.dispose();
});

test('trainBn keeps the batch norms of frozen groups trainable', () => {
  const model = resnet20();
  freeze(model, { trainBn: true });
  const names = trainable(model);
  assert.ok(names.includes('bn1.weight') && names.includes('layer2.0.bn2.bias') && names.includes('fc.weight'));
  assert.ok(!names.some((n) => n.includes('conv')));
  model.dispose();
});

test('freezeByName freezes by dotted prefix, also a single parameter', () => {
  const model = resnet20();
  freezeByName(model, ['conv1', 'bn1', 'layer1']);
  assert.deepEqual(prefixes(trainable(model)), ['layer2', 'layer3', 'fc']);
  freezeByName(model, ['fc.bias', 'layer3.2']);
  const names = trainable(model);
  assert.ok(!names.includes('fc.bias') && names.includes('fc.weight') && !names.some((n) => n.startsWith('layer3.2.')) && names.includes('layer3.1.conv1.weight'));
  model.dispose();
});

test('frozen batch norms keep their running statistics through Trainer.fit; the others learn them', async () => {
  torch.manualSeed(0);
  const model = resnet20({ numClasses: 3 });
  freezeTo(model, 1); // conv1, bn1 and layer1 frozen
  const inputs = torch.randn([32, 3, 16, 16]).mul(2).add(0.5);
  const data = new TensorDataset(inputs, torch.randint(0, 3, [32]));
  const before = snapshot(model);
  const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const trainer = new Trainer({ model, optimizer, progress: 'quiet', seed: 0 });
  await trainer.fit(new DataLoader(data, { batchSize: 8, shuffle: true, seed: 1 }), { epochs: 1 });
  const frozen = (name: string) => ['conv1', 'bn1', 'layer1'].includes(name.split('.')[0]);
  for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
    const same = t.equal(before.get(name)!);
    if (frozen(name)) assert.ok(same, `${name} is frozen but changed`);
    else assert.ok(!same, `${name} trains but did not change`);
  }
  // The pinned batch norms ignore train(); the rest follow it.
  model.train();
  assert.equal(model.bn1.training, false);
  assert.equal(model.layer2.at(0).training, true);
  unfreeze(model);
  assert.equal(model.bn1.training, true, 'unfreeze gives the batch norm back to the model\'s mode');
  model.eval();
  assert.equal(model.bn1.training, false);
  model.train();
  assert.equal(model.bn1.training, true);
  optimizer.dispose();
  torch.dispose([before, inputs, data.targets]);
  model.dispose();
});

test('bnEval: false lets frozen batch norms update their statistics', async () => {
  torch.manualSeed(0);
  const model = resnet20({ numClasses: 3 });
  freeze(model, { bnEval: false });
  const mean = model.bn1.running_mean!.clone();
  torch.tidy(() => model.train().forward(torch.randn([4, 3, 16, 16]).add(1)));
  assert.ok(!model.bn1.running_mean!.equal(mean));
  assert.equal(model.bn1.weight!.requiresGrad, false);
  torch.dispose(mean);
  model.dispose();
});

test('bad input: a clear error naming the function', () => {
  const model = resnet20();
  assert.throws(() => freezeTo(model, 4), /^RangeError: freezeTo: n must be an integer from -3 to 3 \(ResNetCifar has 3 layer groups\), got 4/);
  assert.throws(() => freezeTo(model, -4), /freezeTo: n must be/);
  assert.throws(() => freezeTo(model, 0.5), /freezeTo: n must be an integer/);
  assert.throws(() => freeze({} as never), /^TypeError: freezeTo: expected an nn.Module/);
  assert.throws(() => freezeByName(model, ['layer9']), /^RangeError: freezeByName: ResNetCifar has no submodule or parameter 'layer9'; its top-level submodules are conv1, bn1, relu, layer1/);
  assert.throws(() => freezeByName(model, 'layer1' as never), /^TypeError: freezeByName: prefixes must be an array/);
  assert.equal(trainable(model).length, model.parameters().length, 'a refused call changes nothing');
  model.dispose();
});
