// Grad-CAM against PyTorch: grad_cam_reference.py builds torchvision's ResNet-18 (and a small ViT) with a fixed seed,
// saves the weights and computes Grad-CAM with hooks on the same layer; cnnkit loads those weights and must give the
// same raw maps and normalized heatmaps within 1e-4. Then every zoo architecture's default layer gives a map.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { interpret, models, nn, torch } from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { loadPth } from '../../src/hub/pth.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-grad-cam-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const script = fileURLToPath(new URL('../../../test/interpret/grad_cam_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script, dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
const reference = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = reference ? false : `no torchvision reference: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;
const GIVEN = [7, 0, 3];

/** The reference script's inputs: image k is sin(0.37 i + k) over 3×size×size. */
const inputs = (size: number): Tensor => torch.tidy(() => {
  const index = torch.arange(0, 3 * size * size);
  return torch.stack([0, 1, 2].map((k) => index.mul(0.37).add(k).sin().reshape(3, size, size)));
});

const build: Record<string, () => nn.Module> = {
  resnet18: () => models.resnet18({ numClasses: 10 }),
  vit_small: () => new models.VisionTransformer({ imageSize: 32, patchSize: 8, numLayers: 2, numHeads: 2, hiddenDim: 32, mlpDim: 64, numClasses: 10 }),
};

function largestDifference(actual: Tensor, expected: number[][][]): number {
  return torch.tidy(() => actual.sub(torch.tensor(expected, { dtype: 'float32' })).abs().max().item() as number);
}

for (const name of Object.keys(build)) {
  test(`${name}: Grad-CAM equals PyTorch's with hooks on the same layer, raw and normalized, within 1e-4`, { skip: noReference }, (t) => {
    const expected = reference[name];
    const model = build[name]();
    const state = loadPth(join(dir, `${name}.pth`));
    model.loadStateDict(state);
    torch.dispose(state);
    model.eval();
    assert.equal(interpret.defaultCamLayer(model), expected.layer);
    const x = inputs(expected.size);
    for (const [mode, options] of [['predicted', {}], ['given', { targetClasses: GIVEN }]] as const) {
      const result = interpret.gradCam(model, x, options);
      assert.deepEqual(result.classes, expected[mode].classes);
      assert.deepEqual(result.heatmap.shape, [3, expected.size, expected.size]);
      const raw = largestDifference(result.cam, expected[mode].cam);
      const normalized = largestDifference(result.heatmap, expected[mode].heatmap);
      t.diagnostic(`${name}, ${mode} classes: largest difference ${raw.toExponential(2)} (raw map ${result.cam.shape.join('×')}), ${normalized.toExponential(2)} (normalized heatmap)`);
      assert.ok(raw <= 1e-4 && normalized <= 1e-4, `${mode}: raw map off by ${raw}, heatmap off by ${normalized}`);
      torch.dispose([result.cam, result.heatmap, result.logits]);
    }
    x.dispose();
    model.dispose();
  });
}

// name → input side; the big ones with CNNKIT_FULL_PARITY=1, as the torchvision parity tests.
const ZOO: Record<string, number> = { lecture_cnn: 32, resnet20: 32, resnet18: 64, mobilenet_v2: 64, mobilenet_v3_small: 64, convnext_tiny: 64 };
const FULL_ZOO: Record<string, number> = { resnet34: 64, resnet50: 64, resnet101: 64, resnet152: 64, mobilenet_v3_large: 64, alexnet: 64, vgg11: 32, vgg11_bn: 32, vgg16: 32, vgg16_bn: 32, vit_b_16: 224 };
const zoo = process.env.CNNKIT_FULL_PARITY ? { ...ZOO, ...FULL_ZOO } : ZOO;

test('every zoo architecture has a default layer, and Grad-CAM there gives a map in [0, 1] for each image', () => {
  assert.deepEqual(Object.keys({ ...ZOO, ...FULL_ZOO }).sort(), models.listModels().sort(), 'the lists cover the zoo');
  for (const [name, size] of Object.entries(zoo)) {
    torch.manualSeed(0);
    const model = models.getModel(name, { numClasses: 4, inputSize: size }).eval();
    const result = interpret.gradCam(model, torch.tidy(() => torch.randn([2, 3, size, size])));
    assert.deepEqual(result.heatmap.shape, [2, size, size], name);
    const [low, high] = torch.tidy(() => [result.heatmap.min().item() as number, result.heatmap.max().item() as number]);
    assert.ok(low >= 0 && high <= 1 && (result.cam.max().item() as number) >= 0, `${name}: heatmap in [${low}, ${high}]`);
    torch.dispose([result.cam, result.heatmap, result.logits]);
    model.dispose();
  }
});

test('a layer option picks any module; bad layers, modes and classes are named', () => {
  torch.manualSeed(0);
  const model = models.resnet20({ numClasses: 3 }).eval();
  const x = torch.randn([1, 3, 32, 32]);
  const result = interpret.gradCam(model, x, { layer: 'layer2.0', targetClasses: 2 });
  assert.deepEqual([result.cam.shape, result.classes], [[1, 16, 16], [2]]);
  torch.dispose([result.cam, result.heatmap, result.logits]);
  assert.throws(() => interpret.gradCam(model, x, { layer: 'layer9' }), /gradCam: ResNetCifar has no module 'layer9'; its modules include conv1, bn1/);
  assert.throws(() => interpret.gradCam(model, x, { layer: 'fc' }), /gradCam: the output of 'fc' has shape \[1, 3\]; Grad-CAM needs a feature map/);
  assert.throws(() => interpret.gradCam(model, x, { targetClasses: 3 }), /gradCam: targetClasses must be below the model's 3 classes, got 3/);
  assert.throws(() => interpret.gradCam(model, x, { targetClasses: [0, 1] }), /gradCam: targetClasses must be a class index or 1 of them/);
  assert.throws(() => interpret.gradCam(model.train(), x), /gradCam: the model is in training mode; call model.eval\(\) first/);
  assert.throws(() => interpret.gradCam(new nn.Sequential(new nn.Conv2d(3, 2, 3)).eval(), x), /gradCam: no default layer for a Sequential; give layer/);
  assert.equal(Object.getOwnPropertyDescriptor(model.layer2, 'forward'), undefined, 'the hook is removed after an error too');
  x.dispose();
  model.dispose();
});
