// Parity with torchvision 0.14 (Debian's /usr/bin/python3): state-dict names and shapes, parameter counts, printed
// form and initialization statistics; a state dict saved by torch.save loads into cnnkit's model and gives
// torchvision's eval-mode logits; cnnkit's state dict, saved as .pth, loads back in torchvision with strict=True.
// The large models (over 25 M parameters, and the deep ResNets) run with CNNKIT_FULL_PARITY=1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { hub, models, nn, torch } from '../../src/index.js';
import { loadPth, savePth } from '../../src/hub/pth.js';

// name → the smallest input side that keeps the comparison meaningful (a ViT needs its image size)
const DEFAULT_SET: Record<string, number> = {
  resnet18: 64, resnet50: 64, mobilenet_v2: 64, mobilenet_v3_small: 64, mobilenet_v3_large: 64, convnext_tiny: 64, vit_small: 32,
};
const FULL_SET: Record<string, number> = {
  resnet34: 64, resnet101: 64, resnet152: 64, alexnet: 64, vgg11: 32, vgg11_bn: 32, vgg16: 32, vgg16_bn: 32, vit_b_16: 224,
};
const SIZES = process.env.CNNKIT_FULL_PARITY ? { ...DEFAULT_SET, ...FULL_SET } : DEFAULT_SET;
// The same configuration as the reference script's vit_small: ViT's structure at a size every run can afford.
const build = (name: string, options: models.ModelOptions = {}): nn.Module => (name === 'vit_small'
  ? new models.VisionTransformer({ imageSize: 32, patchSize: 16, numLayers: 2, numHeads: 2, hiddenDim: 32, mlpDim: 64 })
  : models.getModel(name, options));

const script = fileURLToPath(new URL('../../../test/models/torchvision_reference.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-torchvision-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function runReference(mode: 'make' | 'check'): [Record<string, any> | null, string | false] {
  const specs = Object.entries(SIZES).map(([name, size]) => `${size}:${name}`);
  const run = spawnSync('/usr/bin/python3', [script, mode, dir, ...specs], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (run.status === 0) return [JSON.parse(run.stdout), false];
  return [null, `no torchvision reference: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`];
}
const [reference, noReference] = runReference('make');

/** The same input as the reference script's: sin(0.37 i) over 1×3×size×size. */
const sharedInput = (size: number) => torch.arange(0, 3 * size * size).mul(0.37).sin().reshape(1, 3, size, size);

/** Asserts the largest difference is within 1e-4 of the largest logit, and returns it for the log. */
function assertClose(actual: number[], expected: number[], what: string): string {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(1e-6, ...expected.map(Math.abs));
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i])));
  assert.ok(worst <= 1e-4 * scale, `${what}: largest difference ${worst} exceeds 1e-4 × ${scale}`);
  return `${what}: largest difference ${worst.toExponential(2)} (largest logit ${scale.toPrecision(4)})`;
}

const logitsOf = (model: nn.Module, size: number): number[] =>
  torch.tidy(() => model.forward(sharedInput(size)).index(0).tolist() as number[]);

for (const [name, size] of Object.entries(SIZES)) {
  test(`${name}: torchvision's state-dict names and shapes, parameter count, printed form and initialization`, { skip: noReference }, () => {
    const expected = reference![name];
    torch.manualSeed(0);
    const model = build(name);
    const state = model.stateDict();
    assert.deepEqual(Object.entries(state).map(([k, t]) => [k, t.shape]), expected.stateDict);
    torch.dispose(state);
    assert.equal(model.numParameters(), expected.numParameters);
    // torchvision's layers run in place where cnnkit's do not; the structure printed is otherwise the same.
    const outOfPlace = (s: string) => s.replace(/inplace=True/g, 'inplace=False').replace(/\(inplace=False\)/g, '()')
      .replace(/NonDynamicallyQuantizableLinear/g, 'Linear');
    assert.equal(outOfPlace(model.toString()), outOfPlace(expected.repr));
    // The same initialization distributions (not the same draws): constants equal, the rest by mean and spread.
    for (const [key, p] of model.namedParameters()) {
      const [mean, std] = expected.init[key];
      const [ourMean, ourStd] = torch.tidy(() => [p.mean().item() as number, p.numel() > 1 ? p.std().item() as number : 0]);
      if (std === 0) assert.ok(ourStd === 0 && Math.abs(ourMean - mean) < 1e-7, `${key}: constant ${mean}, got mean ${ourMean} and std ${ourStd}`);
      else if (p.numel() >= 1000) {
        assert.ok(Math.abs(ourStd - std) <= 0.1 * std, `${key}: std ${ourStd}, torchvision's ${std}`);
        assert.ok(Math.abs(ourMean - mean) <= 0.1 * std, `${key}: mean ${ourMean}, torchvision's ${mean} (std ${std})`);
      }
    }
    model.dispose();
  });

  test(`${name}: torchvision's weights (.pth) give torchvision's eval-mode logits within 1e-4`, { skip: noReference }, (t) => {
    const file = join(dir, `${name}.pth`);
    // the zoo's builders read the file themselves; the small ViT has no builder, so its state dict is loaded directly
    const model = name === 'vit_small' ? build(name) : build(name, { weights: file });
    if (name === 'vit_small') {
      const state = loadPth(file);
      model.loadStateDict(state);
      torch.dispose(state);
    }
    model.eval();
    t.diagnostic(assertClose(logitsOf(model, size), reference![name].logits, name));
    const state = model.stateDict();
    savePth(join(dir, `${name}.cnnkit.pth`), state);
    torch.dispose(state);
    model.dispose();
  });
}

test("torchvision loads cnnkit's .pth files with strict=True and gives the same logits", { skip: noReference }, (t) => {
  const [check, why] = runReference('check');
  assert.ok(check, String(why));
  for (const name of Object.keys(SIZES)) t.diagnostic(assertClose(check[name].logits, reference![name].logits, `${name} back in torchvision`));
});

test('weights: the class count comes from the weights; another numClasses, or weights of another model, are refused', () => {
  const source = models.mobilenetV3Small({ numClasses: 7 });
  const state = source.stateDict();
  const loaded = models.mobilenetV3Small({ weights: state });
  assert.equal((loaded.classifier.at(3) as nn.Linear).outFeatures, 7);
  assert.ok(torch.tidy(() => loaded.classifier.at(3).stateDict().weight.equal(state['classifier.3.weight'])));
  assert.throws(() => models.mobilenetV3Small({ weights: state, numClasses: 1000 }),
    /mobilenet_v3_small: numClasses 1000 differs from the weights' 7 classes; .*replace the head 'classifier\.3'/);
  assert.throws(() => models.resnet18({ weights: state }), /resnet18: the weights have no 'fc\.weight'; are they weights of another architecture\?/);
  assert.throws(() => models.mobilenetV3Large({ weights: state }), /Error\(s\) in loading state_dict for MobileNetV3/);
  assert.throws(() => models.resnet18({ weights: 42 as never }), /resnet18: weights must be a state dict/);
  assert.throws(() => models.resnet18({ weights: 'IMAGENET1K_V9' }), /ResNet18_Weights has no entry 'IMAGENET1K_V9'/);
  assert.throws(() => models.getModel('vit_b_16', { weights: '/no/such/file.pth' }), /loadPth\(\/no\/such\/file\.pth\): cannot read the file/);
  torch.dispose(state);
  source.dispose();
  loaded.dispose();
});

test("weights by name: published weights are read from the cache, and a missing file says how to download it", () => {
  const saved = { CNNKIT_HOME: process.env.CNNKIT_HOME, TORCH_HOME: process.env.TORCH_HOME };
  Object.assign(process.env, { CNNKIT_HOME: join(dir, 'home'), TORCH_HOME: join(dir, 'torch') }); // empty caches
  try {
    const entry = hub.getWeights('MobileNet_V3_Small_Weights.DEFAULT');
    assert.throws(() => models.mobilenetV3Small({ weights: 'DEFAULT' }), /is not downloaded yet; run `await hub.downloadWeights/);
    const source = models.mobilenetV3Small();
    const state = source.stateDict();
    mkdirSync(join(dir, 'home', 'hub', 'checkpoints'), { recursive: true });
    savePth(join(dir, 'home', 'hub', 'checkpoints', entry.fileName), state);
    for (const weights of ['DEFAULT', 'IMAGENET1K_V1', 'MobileNet_V3_Small_Weights.IMAGENET1K_V1', entry]) {
      const model = models.mobilenetV3Small({ weights });
      assert.ok(torch.tidy(() => model.features.at(0).stateDict()['0.weight'].equal(state['features.0.0.weight'])), String(weights));
      model.dispose();
    }
    assert.throws(() => models.resnet18({ weights: entry }), /resnet18: MobileNet_V3_Small_Weights.IMAGENET1K_V1 are weights of mobilenet_v3_small, not of resnet18/);
    torch.dispose(state);
    source.dispose();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test('heads: fc, classifier and heads.head by numClasses; ViT refuses another image size', () => {
  assert.equal(models.resnet18({ numClasses: 10 }).fc.outFeatures, 10);
  assert.equal((models.mobilenetV2({ numClasses: 5 }).classifier.at(1) as nn.Linear).outFeatures, 5);
  const vit = new models.VisionTransformer({ imageSize: 32, patchSize: 16, numLayers: 1, numHeads: 2, hiddenDim: 8, mlpDim: 16, numClasses: 3 });
  assert.deepEqual(Object.keys(vit.heads.stateDict()), ['head.weight', 'head.bias']);
  assert.deepEqual(torch.tidy(() => vit.forward(torch.zeros([2, 3, 32, 32])).shape), [2, 3]);
  assert.throws(() => vit.forward(torch.zeros([1, 3, 64, 64])), /VisionTransformer: expected N×3×32×32 input \(imageSize\), got shape \[1, 3, 64, 64\]/);
  assert.throws(() => new models.VisionTransformer({ imageSize: 30 }), /imageSize \(30\) must be divisible by patchSize \(16\)/);
});

test('a training step of the zoo models frees every intermediate tensor', () => {
  for (const model of [models.resnet18({ numClasses: 4 }), models.mobilenetV3Small({ numClasses: 4 })]) {
    const x = torch.randn([2, 3, 32, 32]);
    const before = torch.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      torch.tidy(() => {
        model.forward(x).sum().backward();
      });
    }
    for (const p of model.parameters()) p.grad?.dispose();
    assert.equal(torch.memory().numTensors, before, `${model.typeName} leaks`);
    model.dispose();
    x.dispose();
  }
});

test("ConvNeXt's stochastic depth drops whole samples' residual branches in training, as torchvision's 'row' mode", () => {
  torch.manualSeed(1);
  const block = new models.CNBlock(8, 0.5, 0.5);
  const x = torch.randn([64, 8, 4, 4]);
  torch.tidy(() => {
    const branch = block.eval().block.forward(x).mul(block.layer_scale);
    const y = block.train().forward(x);
    let dropped = 0;
    for (let i = 0; i < 64; i++) {
      const kept = y.index(i).sub(x.index(i));
      if (kept.abs().max().item() === 0) dropped++;
      else assert.ok(kept.allclose(branch.index(i).mul(2), 1e-4, 1e-5), `sample ${i}: the branch scaled by 1 / (1 − p)`);
    }
    assert.ok(dropped > 16 && dropped < 48, `about half the samples skip the branch, got ${dropped} of 64`);
    assert.ok(block.eval().forward(x).allclose(x.add(branch), 1e-5, 1e-6), 'eval keeps every branch unscaled');
  });
  const convnext = models.convnextTiny({ numClasses: 2 });
  const rates = convnext.modules().filter((m) => m instanceof models.StochasticDepth).map((m) => (m as models.StochasticDepth).p);
  assert.equal(rates.length, 18);
  assert.equal(rates[0], 0);
  assert.ok(Math.abs(rates[17] - 0.1) < 1e-12 && Math.abs(rates[1] - 0.1 / 17) < 1e-12, 'linear from 0 to 0.1, as torchvision');
  convnext.dispose();
});
