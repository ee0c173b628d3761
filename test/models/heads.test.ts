import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { nn, torch } from '../../src/index.js';
import { headOf, layerGroups, lectureCnn, mobilenetV2, replaceHead, resnet18, resnet20, VisionTransformer } from '../../src/models/index.js';

const names = (model: nn.Module) => layerGroups(model).map((g) => g.names);

// torchvision's heads drawn by Debian's PyTorch (test/models/heads_reference.py); skipped without it.
const script = fileURLToPath(new URL('../../../test/models/heads_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8' });
const reference = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = reference ? false : `no PyTorch for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

test("the lecture's way: model.classifier.set(1, new nn.Linear(1280, 2)) on MobileNetV2", () => {
  const model = mobilenetV2();
  model.classifier.set(1, new nn.Linear(1280, 2));
  const out = torch.tidy(() => model.eval().forward(torch.randn([1, 3, 64, 64])).shape);
  assert.deepEqual(out, [1, 2]);
  model.dispose();
});

test('replaceHead swaps the final Linear of each architecture, keeping its input features', () => {
  torch.manualSeed(0);
  const cases: [nn.Module, string, number[]][] = [
    [resnet18(), 'fc', [1, 3, 64, 64]],
    [resnet20(), 'fc', [1, 3, 32, 32]],
    [lectureCnn({ inputSize: 32 }), 'classifier.3', [1, 3, 32, 32]],
    [mobilenetV2(), 'classifier.1', [1, 3, 64, 64]],
  ];
  for (const [model, path, input] of cases) {
    const before = headOf(model);
    const head = replaceHead(model, 7);
    assert.equal(head.inFeatures, before.inFeatures, model.typeName);
    assert.equal(head.outFeatures, 7);
    assert.equal(headOf(model), head);
    assert.ok(model.namedModules().some(([name, m]) => name === path && m === head), `${model.typeName}: the head is at ${path}`);
    assert.deepEqual(torch.tidy(() => model.eval().forward(torch.randn(input)).shape), [1, 7]);
    model.dispose();
  }
});

test("a new head is initialized as torchvision initializes that architecture's", () => {
  torch.manualSeed(0);
  // MobileNetV2 (as VGG, MobileNetV3): N(0, 0.01) weights, zero bias.
  const mobile = mobilenetV2();
  const head = replaceHead(mobile, 500);
  const std = head.weight.std().item() as number;
  assert.ok(Math.abs(std - 0.01) < 0.0005, `std ${std}`);
  assert.equal(head.bias!.abs().sum().item(), 0);
  mobile.dispose();
  // ResNet (as AlexNet, LectureCnn): nn.Linear's own U(±1/√fanIn) bounds.
  const resnet = resnet18();
  const fc = replaceHead(resnet, 10);
  const bound = 1 / Math.sqrt(512);
  assert.ok((fc.weight.abs().max().item() as number) <= bound && (fc.weight.abs().max().item() as number) > 0.9 * bound);
  assert.ok((fc.bias!.abs().max().item() as number) <= bound && (fc.bias!.abs().sum().item() as number) > 0);
  resnet.dispose();
  // ViT: zeros.
  const vit = new VisionTransformer({ imageSize: 32, patchSize: 16, numLayers: 1, numHeads: 2, hiddenDim: 8, mlpDim: 16, numClasses: 5 });
  const vitHead = replaceHead(vit, 3);
  assert.ok(vit.namedModules().some(([name, m]) => name === 'heads.head' && m === vitHead));
  assert.equal(vitHead.weight.abs().sum().item(), 0);
  vit.dispose();
});

test('a new head draws the same numbers as torchvision after the same seed', { skip: noReference }, () => {
  for (const [name, build] of [['resnet18', resnet18], ['mobilenet_v2', mobilenetV2]] as const) {
    const model = build();
    torch.manualSeed(0);
    const head = replaceHead(model, 7);
    const expected = reference![name];
    (head.weight.index(torch.slice(0, 2), torch.slice(0, 6)).tolist() as number[][]).flat().forEach((v, i) =>
      assert.ok(Math.abs(v - expected.weight.flat()[i]) < 1e-7, `${name} weight ${i}: ${v} vs ${expected.weight.flat()[i]}`));
    assert.ok(Math.abs((head.weight.double().sum().item() as number) - expected.weightSum) < 1e-5, name);
    assert.ok(Math.abs((head.bias!.double().sum().item() as number) - expected.biasSum) < 1e-6, name);
    model.dispose();
  }
});

test('replaceHead keeps the dtype and the mode of the old head', () => {
  const model = resnet20().to('float64').eval();
  const before = torch.memory().numTensors;
  const head = replaceHead(model, 3);
  assert.equal(torch.memory().numTensors, before, 'the old head is freed and nothing else is left');
  assert.equal(head.weight.dtype, 'float64');
  assert.equal(head.training, false);
  model.dispose();
});

test("layer groups follow fastai's splits and hold every parameter once", () => {
  const resnet = resnet18();
  assert.deepEqual(names(resnet), [['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2'], ['layer3', 'layer4'], ['avgpool', 'fc']]);
  const cifar = resnet20();
  assert.deepEqual(names(cifar), [['conv1', 'bn1', 'relu', 'layer1'], ['layer2', 'layer3'], ['avgpool', 'fc']]);
  const lecture = lectureCnn();
  assert.deepEqual(names(lecture), [['features.0', 'features.1'], ['features.2', 'features.3'], ['classifier']]);
  const mobile = mobilenetV2();
  assert.deepEqual(names(mobile), [['features'], ['classifier']]);
  // A plain Sequential: the head is the child holding the last Linear.
  const plain = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 4));
  assert.deepEqual(names(plain), [['0', '1', '2', '3', '4'], ['5']]);
  // ViT: the class token (a parameter of the model itself) goes with the first group.
  const vit = new VisionTransformer({ imageSize: 32, patchSize: 16, numLayers: 1, numHeads: 2, hiddenDim: 8, mlpDim: 16 });
  const vitGroups = layerGroups(vit);
  assert.deepEqual(vitGroups.map((g) => g.names), [['conv_proj', 'encoder'], ['heads']]);
  assert.ok(vitGroups[0].params.includes(vit.class_token));
  for (const model of [resnet, cifar, lecture, mobile, plain, vit]) {
    const grouped = layerGroups(model).flatMap((g) => g.params);
    assert.equal(grouped.length, model.parameters().length, model.typeName);
    assert.equal(new Set(grouped).size, grouped.length);
    model.dispose();
  }
});

test('bad input: a clear error naming the function', () => {
  const model = resnet20();
  assert.throws(() => replaceHead(model, 0), /^RangeError: replaceHead: numClasses must be/);
  assert.throws(() => replaceHead(model, 2.5), /replaceHead: numClasses/);
  assert.throws(() => replaceHead(null as never, 2), /^TypeError: replaceHead: expected an nn.Module, got null/);
  assert.throws(() => layerGroups(new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU())), /layerGroups: Sequential has no Linear layer/);
  model.dispose();
});
