// The weights registry against torchvision's own weights API, and its lookups by name.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

import { getModelWeights, getWeights, listModelsWithWeights } from '../../src/hub/registry.js';

const script = fileURLToPath(new URL('../../../test/hub/registry-reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8', maxBuffer: 64 << 20 });
const reference = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = reference ? false : `no torchvision for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

describe('the registry matches torchvision 0.14.1', { skip: noReference }, () => {
  test('every entry of the sampled models: url, preprocessing, parameters, categories, accuracy, DEFAULT', () => {
    for (const model of ['resnet18', 'resnet50', 'mobilenet_v2', 'vgg16', 'vit_b_16', 'convnext_tiny', 'alexnet']) {
      const want = reference[model];
      const weights = getModelWeights(model);
      assert.deepEqual(weights.map((w) => w.name), want.weights.map((w: { name: string }) => w.name), model);
      weights.forEach((w, i) => {
        const r = want.weights[i];
        assert.equal(w.model, model);
        assert.equal(w.url, r.url);
        assert.deepEqual([w.transforms.resizeSize, w.transforms.cropSize, w.transforms.mean, w.transforms.std, w.transforms.interpolation],
          [r.resize, r.crop, r.mean, r.std, r.interpolation], w.name);
        assert.equal(w.meta.numParams, r.numParams);
        assert.deepEqual(w.meta.categories, r.categories);
        assert.equal(w.meta.numClasses, r.categories === null ? null : r.categories.length);
        assert.equal(w.meta.metrics['ImageNet-1K']['acc@1'], r.acc1);
      });
      assert.equal(getWeights('DEFAULT', model).name, want.default);
    }
    assert.equal(getWeights('ResNet50_Weights.DEFAULT').name, reference.get_weight);
  });
});

describe('lookups', () => {
  test('by full name, by entry name with a model, and DEFAULT', () => {
    const r18 = getWeights('ResNet18_Weights.IMAGENET1K_V1');
    assert.equal(r18.url, 'https://download.pytorch.org/models/resnet18-f37072fd.pth');
    assert.equal(r18.fileName, 'resnet18-f37072fd.pth');
    assert.equal(r18.hashPrefix, 'f37072fd');
    assert.deepEqual(r18.transforms, { resizeSize: [256], cropSize: [224], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], interpolation: 'bilinear', antialias: true });
    assert.equal(r18.meta.categories?.[0], 'tench');
    assert.equal(r18.meta.categories?.length, 1000);
    assert.equal(getWeights('IMAGENET1K_V1', 'resnet18'), r18);
    assert.equal(getWeights('DEFAULT', 'resnet50').name, 'ResNet50_Weights.IMAGENET1K_V2');
    assert.equal(getWeights('AlexNet_Weights.IMAGENET1K_V1').hashPrefix, '7be5be79', "torch.hub's rule skips '-owt-'");
    assert.equal(getWeights('ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1').transforms.interpolation, 'bicubic');
    assert.equal(getWeights('VGG16_Weights.IMAGENET1K_FEATURES').meta.categories, null);
  });

  test('every covered model has weights', () => {
    assert.deepEqual(listModelsWithWeights(), ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'mobilenet_v2', 'mobilenet_v3_small',
      'mobilenet_v3_large', 'alexnet', 'vgg11', 'vgg11_bn', 'vgg16', 'vgg16_bn', 'vit_b_16', 'convnext_tiny']);
  });

  test('unknown names say what exists', () => {
    assert.throws(() => getWeights('ResNet18_Weights.IMAGENET1K_V2'), /^Error: getWeights: ResNet18_Weights has no entry 'IMAGENET1K_V2'; it has IMAGENET1K_V1 and DEFAULT \(= IMAGENET1K_V1\)/);
    assert.throws(() => getWeights('ResNet19_Weights.DEFAULT'), /^Error: getWeights: unknown weights enum 'ResNet19_Weights' in 'ResNet19_Weights.DEFAULT'; known: ResNet18_Weights, /);
    assert.throws(() => getWeights('IMAGENET1K_V1'), /needs a model \(getWeights\('IMAGENET1K_V1', 'resnet18'\)\)/);
    assert.throws(() => getWeights('ResNet18_Weights.DEFAULT', 'resnet50'), /'ResNet18_Weights.DEFAULT' are not weights of model 'resnet50'/);
    assert.throws(() => getModelWeights('resnet20'), /^Error: getModelWeights: no published weights for model 'resnet20'; models with weights: resnet18, /);
    assert.throws(() => getWeights(7 as never), /^TypeError: getWeights: name must be a string/);
  });
});
