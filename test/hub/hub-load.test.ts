// hub.load / hub.list as torch.hub reads them for 'pytorch/vision', with weights from a local file and from the
// cache under a published name (offline: nothing here reaches the network).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { hub, models, torch, type Tensor } from '../../src/index.js';
import { useIsolatedCaches } from './isolated-caches.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-hub-load-'));
useIsolatedCaches(dir);
after(() => rmSync(dir, { recursive: true, force: true }));

// Weights of our own, under the published file name, as a download would leave them.
torch.manualSeed(7);
const source = models.getModel('mobilenet_v3_small');
const expected = source.stateDict();
const published = hub.getWeights('MobileNet_V3_Small_Weights.IMAGENET1K_V1');
const cached = join(hub.hubDir(), 'checkpoints', published.fileName);
mkdirSync(join(hub.hubDir(), 'checkpoints'), { recursive: true });
hub.savePth(cached, expected);
const local = join(dir, 'local.pth');
hub.savePth(local, expected);

function assertSameState(actual: Record<string, Tensor>): void {
  assert.deepEqual(Object.keys(actual), Object.keys(expected));
  for (const [name, t] of Object.entries(expected)) assert.ok(actual[name].equal(t), name);
}

test('hub.list names the torchvision architectures', () => {
  assert.deepEqual(hub.list('pytorch/vision'), ['alexnet', 'convnext_tiny', 'mobilenet_v2', 'mobilenet_v3_large', 'mobilenet_v3_small',
    'resnet101', 'resnet152', 'resnet18', 'resnet34', 'resnet50', 'vgg11', 'vgg11_bn', 'vgg16', 'vgg16_bn', 'vit_b_16']);
});

test("weights by published name ('IMAGENET1K_V1', 'DEFAULT', the full name) come from the cache", async () => {
  for (const weights of ['IMAGENET1K_V1', 'DEFAULT', 'MobileNet_V3_Small_Weights.IMAGENET1K_V1', published]) {
    const model = await hub.load('pytorch/vision', 'mobilenet_v3_small', { weights, offline: true });
    const state = model.stateDict();
    assertSameState(state);
    torch.dispose(state);
  }
});

test('weights from a local .pth file, with the ref suffix torch.hub accepts', async () => {
  const model = await hub.load('pytorch/vision:v0.14.1', 'mobilenet_v3_small', { weights: local });
  const state = model.stateDict();
  assertSameState(state);
  torch.dispose(state);
});

test('without weights: a fresh model with the requested classes', async () => {
  const model = await hub.load('pytorch/vision', 'mobilenet_v3_small', { numClasses: 10 });
  assert.deepEqual(model.stateDict()['classifier.3.weight'].shape, [10, 1024]);
});

test('weights not yet downloaded, offline: the message says where to put the file', async () => {
  const path = join(hub.hubDir(), 'checkpoints', 'mobilenet_v2-7ebf99e0.pth');
  await assert.rejects(hub.load('pytorch/vision', 'mobilenet_v2', { weights: 'DEFAULT', offline: true }), (e: Error) =>
    e.message.startsWith('downloadWeights: cannot download https://download.pytorch.org/models/mobilenet_v2-7ebf99e0.pth (offline: {offline: true}). ' +
      `Download it where the network is reachable and put it at ${path}; it will be used from there next time`));
});

test('other repositories, unknown models and mismatched weights are refused clearly', async () => {
  await assert.rejects(hub.load('facebookresearch/dino', 'dino_vits16'), {
    message: 'hub.load: repository "facebookresearch/dino" is not supported; cnnkit builds models of pytorch/vision (torchvision) itself and runs no code from other repositories',
  });
  assert.throws(() => hub.list('ultralytics/yolov5'), /^Error: hub\.list: repository "ultralytics\/yolov5" is not supported/);
  await assert.rejects(hub.load('pytorch/vision', 'resnet20'), (e: Error) =>
    e.message.startsWith("hub.load: 'resnet20' is not a model of pytorch/vision; available: alexnet, ") && e.message.endsWith("; cnnkit's own 'resnet20' comes from models.getModel"));
  await assert.rejects(hub.load('pytorch/vision', 'mobilenet_v2', { weights: published }), {
    message: 'hub.load: MobileNet_V3_Small_Weights.IMAGENET1K_V1 are weights of mobilenet_v3_small, not of mobilenet_v2',
  });
  await assert.rejects(hub.load('pytorch/vision', 'mobilenet_v2', { weights: 'IMAGENET1K_V9' }), /^Error: getWeights: MobileNet_V2_Weights has no entry 'IMAGENET1K_V9'/);
});
