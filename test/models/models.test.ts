import assert from 'node:assert/strict';
import { test } from 'node:test';

import { models, nn, torch } from '../../src/index.js';

test('lecture_cnn: four conv blocks, any input size and channel count, and its switches', () => {
  const plain = models.lectureCnn({ inChannels: 1, numClasses: 10, inputSize: 28 });
  // conv 1→32, 32→64, 64→128, 128→128 (3×3 + bias), dense 128→512, 512→10
  assert.equal(plain.numParameters(), 320 + 18496 + 73856 + 147584 + 66048 + 5130);
  assert.deepEqual(plain.forward(torch.zeros([2, 1, 28, 28])).shape, [2, 10]);
  const big = models.lectureCnn({ inputSize: [150, 120] });
  assert.deepEqual(big.forward(torch.zeros([1, 3, 150, 120])).shape, [1, 2]);
  assert.equal((big.classifier.at(1) as InstanceType<typeof nn.Linear>).inFeatures, 128 * 9 * 7);
  const all = models.lectureCnn({ inChannels: 1, numClasses: 10, inputSize: 28, batchNorm: true, dropout: 0.5, spatialDropout: 0.1, residual: true });
  const types = all.modules().map((m) => m.typeName);
  assert.equal(types.filter((t) => t === 'BatchNorm2d').length, 12); // two per residual block and one per shortcut
  assert.equal(types.filter((t) => t === 'Dropout2d').length, 4);
  assert.equal(types.filter((t) => t === 'Dropout').length, 2);
  assert.equal(types.filter((t) => t === 'Residual').length, 4);
  assert.deepEqual(all.forward(torch.zeros([2, 1, 28, 28])).shape, [2, 10]);
  assert.equal(models.lectureCnn({ batchNorm: true, inChannels: 1, numClasses: 10, inputSize: 28 }).numParameters(), 311434 + 2 * (32 + 64 + 128 + 128));
  assert.throws(() => models.lectureCnn({ inputSize: 8 }), /inputSize must be at least 16×16/);
});

test("resnet20: the CIFAR ResNet's 272,474 parameters (option B shortcuts) and torchvision's names", () => {
  const model = models.resnet20({ numClasses: 10 });
  assert.equal(model.numParameters(), 272474); // as the same network built from torchvision's BasicBlock
  const keys = Object.keys(model.stateDict());
  assert.equal(keys.length, 128);
  assert.deepEqual(keys.slice(0, 8), ['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked', 'layer1.0.conv1.weight', 'layer1.0.bn1.weight']);
  assert.ok(keys.includes('layer2.0.downsample.0.weight') && keys.includes('layer3.0.downsample.1.running_var'));
  assert.deepEqual(model.forward(torch.zeros([2, 3, 32, 32])).shape, [2, 10]);
  assert.throws(() => new models.ResNetCifar({ depth: 21 }), /depth must be 6n \+ 2/);
});

test('getModel and listModels', () => {
  assert.deepEqual(models.listModels(), ['alexnet', 'convnext_tiny', 'lecture_cnn', 'mobilenet_v2', 'mobilenet_v3_large', 'mobilenet_v3_small',
    'resnet101', 'resnet152', 'resnet18', 'resnet20', 'resnet34', 'resnet50', 'vgg11', 'vgg11_bn', 'vgg16', 'vgg16_bn', 'vit_b_16']);
  assert.ok(models.getModel('resnet20', { numClasses: 3 }) instanceof models.ResNetCifar);
  assert.throws(() => models.getModel('vgg99'), /getModel: unknown model 'vgg99'; available: alexnet, convnext_tiny, lecture_cnn, /);
});
