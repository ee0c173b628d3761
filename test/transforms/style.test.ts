import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Random, withRandom } from '../../src/torch/random.js';
import { savePth } from '../../src/hub/pth.js';
import { drawMixStyle, mixStyle } from '../../src/nn/layers/mix-style.js';
import * as torch from '../../src/torch/index.js';
import { adaInDecoder, adaInEncoder, adaptiveInstanceNormalization, MixStyle, StyleAugment, styleTransfer } from '../../src/transforms/style.js';
import { assertValues } from '../helpers.js';

const script = fileURLToPath(new URL('../../../test/transforms/style_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8', maxBuffer: 64 << 20 });
const reference = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = reference ? false : `no PyTorch for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

// Random weights: the mechanics do not depend on them.
torch.manualSeed(0);
const encoder = adaInEncoder().eval();
const decoder = adaInDecoder().eval();
const encoderWeights = encoder.stateDict();
const decoderWeights = decoder.stateDict();
const folder = mkdtempSync(join(tmpdir(), 'cnnkit-style-'));
after(() => rmSync(folder, { recursive: true, force: true }));

describe('adaptiveInstanceNormalization', () => {
  test('equals the AdaIN code', { skip: noReference }, () => torch.tidy(() => {
    const out = adaptiveInstanceNormalization(torch.tensor(reference.content), torch.tensor(reference.style));
    assertValues(out, reference.output, 1e-4);
  }));

  test("gives the content the style's per-channel mean and std", () => torch.tidy(() => {
    const content = torch.rand([2, 8, 6, 6], { seed: 1 }).mul(10);
    const style = torch.randn([1, 8, 4, 5], { seed: 2 }).mul(3).add(2);
    const out = adaptiveInstanceNormalization(content, style);
    assertValues(out.flatten(2).mean(2), style.flatten(2).mean(2).expand([2, 8]).tolist(), 1e-4);
    assertValues(out.flatten(2).var(2).add(1e-5).sqrt(), style.flatten(2).var(2).add(1e-5).sqrt().expand([2, 8]).tolist(), 1e-4);
    assert.throws(() => adaptiveInstanceNormalization(content, torch.zeros([2, 4, 3, 3])), /adaptiveInstanceNormalization: style features \[2, 4, 3, 3\] must match/);
  }));
});

describe('StyleAugment', () => {
  test('the networks have pytorch-AdaIN\'s keys and shapes', () => torch.tidy(() => {
    assert.deepEqual(Object.keys(encoderWeights).filter((k) => k.endsWith('.weight')).map((k) => Number(k.split('.')[0])), [0, 2, 5, 9, 12, 16, 19, 22, 25, 29]);
    assert.deepEqual(Object.keys(decoderWeights).filter((k) => k.endsWith('.weight')).map((k) => Number(k.split('.')[0])), [1, 5, 8, 11, 14, 18, 21, 25, 28]);
    assert.deepEqual(encoderWeights['29.weight'].shape, [512, 256, 3, 3]);
    assert.deepEqual(decoderWeights['28.weight'].shape, [3, 64, 3, 3]);
    const features = encoder.forward(torch.rand([1, 3, 20, 20]));
    assert.deepEqual(features.shape, [1, 512, 3, 3]); // 20 → 10 → 5 → 3 (ceil-mode pools)
    assert.deepEqual(decoder.forward(features).shape, [1, 3, 24, 24]);
  }));

  test('alpha 0 gives decoder(encoder(x)); alpha 1 the decoded AdaIN features', () => torch.tidy(() => {
    const content = torch.rand([2, 3, 16, 16], { seed: 3 });
    const style = torch.rand([2, 3, 16, 16], { seed: 4 });
    assert.ok(styleTransfer(encoder, decoder, content, style, 0).allclose(decoder.forward(encoder.forward(content)), 1e-5, 1e-6));
    const full = decoder.forward(adaptiveInstanceNormalization(encoder.forward(content), encoder.forward(style)));
    assert.ok(styleTransfer(encoder, decoder, content, style, 1).allclose(full, 1e-5, 1e-6));
    const images = torch.rand([2, 3, 16, 16], { seed: 5 });
    const augment = new StyleAugment({ encoder: encoderWeights, decoder: decoderWeights, p: 1, alpha: 0 });
    const expected = decoder.forward(encoder.forward(images)).clamp(0, 1);
    assert.ok(augment.forward(images).allclose(expected, 1e-5, 1e-6));
    augment.dispose();
  }));

  test('stylizes each image with its own draws, reproducibly; single images need styles', () => torch.tidy(() => {
    const augment = new StyleAugment({ encoder: encoderWeights, decoder: decoderWeights, p: 0.5, alpha: [0.5, 1] });
    const images = torch.rand([8, 3, 12, 12], { seed: 6 });
    const out = withRandom(new Random(1), () => augment.forward(images));
    assert.deepEqual(out.shape, [8, 3, 12, 12]); // 12 is no multiple of 8: resized back
    const unchanged = out.unbind(0).map((image, i) => image.equal(images.select(0, i)));
    assert.ok(unchanged.some((u) => u) && unchanged.some((u) => !u), 'some images stylized, some not');
    assert.ok(withRandom(new Random(1), () => augment.forward(images)).equal(out));
    assert.ok(Boolean(out.ge(0).all().item()) && Boolean(out.le(1).all().item()));
    assert.throws(() => augment.forward(images.select(0, 0)), /StyleAugment: without `styles`, .* a single image .* needs `styles`/);
    assert.throws(() => augment.forward(torch.rand([2, 1, 8, 8])), /StyleAugment: the VGG encoder takes RGB images \(3 channels\), got 1/);
    augment.dispose();

    const withStyles = new StyleAugment({ encoder: encoderWeights, decoder: decoderWeights, p: 1, styles: torch.full([2, 3, 16, 16], 128, { dtype: 'uint8' }) });
    const bytes = withStyles.forward(torch.randint(0, 256, [3, 16, 16], { dtype: 'uint8' }));
    assert.equal(bytes.dtype, 'uint8');
    assert.deepEqual(bytes.shape, [3, 16, 16]);
    assert.throws(() => withStyles.forward(torch.rand([3, 8, 8])), /StyleAugment: images must be at least 9×9 for the VGG encoder .*, got 8×8/);
    assert.equal(withStyles.toString(), 'StyleAugment(alpha=1.0, p=1.0, styles=2)');
    withStyles.dispose();
  }));

  test('reads weights from .pth and safetensors files and names what is missing', () => torch.tidy(() => {
    savePth(join(folder, 'vgg_normalised.pth'), encoderWeights);
    savePth(join(folder, 'decoder.pth'), decoderWeights);
    const prefixed = { ...Object.fromEntries(Object.entries(encoderWeights).map(([k, t]) => [`encoder.${k}`, t])),
      ...Object.fromEntries(Object.entries(decoderWeights).map(([k, t]) => [`decoder.${k}`, t])) };
    torch.save(prefixed, join(folder, 'adain.safetensors'));
    const images = torch.rand([2, 3, 16, 16], { seed: 7 });
    const expected = withRandom(new Random(2), () => new StyleAugment({ encoder: encoderWeights, decoder: decoderWeights, p: 1 }).forward(images));
    const fromPth = new StyleAugment({ encoder: join(folder, 'vgg_normalised.pth'), decoder: join(folder, 'decoder.pth'), p: 1 });
    assert.ok(withRandom(new Random(2), () => fromPth.forward(images)).equal(expected));
    const fromFile = new StyleAugment({ weights: join(folder, 'adain.safetensors'), p: 1 });
    assert.ok(withRandom(new Random(2), () => fromFile.forward(images)).equal(expected));
    const { '29.weight': _, ...partial } = encoderWeights;
    assert.throws(() => new StyleAugment({ encoder: partial, decoder: decoderWeights }), /StyleAugment: the encoder weights lack '29.weight'/);
    assert.throws(() => new StyleAugment({ encoder: encoderWeights }), /StyleAugment: give either `weights` .* or both `encoder` and `decoder`/);
    assert.throws(() => new StyleAugment({ weights: join(folder, 'adain.safetensors'), alpha: 2 }), /StyleAugment: alpha must be a number in \[0, 1\]/);
  }));

  test('runs on CUDA as on the CPU', { skip: torch.cuda.isAvailable() ? false : 'CUDA is not available' }, () => torch.tidy(() => {
    const augment = new StyleAugment({ encoder: encoderWeights, decoder: decoderWeights, p: 1, alpha: [0.2, 0.9], styles: torch.rand([3, 3, 16, 16], { seed: 9 }) });
    const images = torch.rand([4, 3, 16, 16], { seed: 10 });
    const onCpu = withRandom(new Random(6), () => augment.forward(images));
    const onCuda = withRandom(new Random(6), () => augment.forward(images.cuda()));
    assert.equal(onCuda.device, 'cuda:0');
    assert.ok(onCuda.cpu().allclose(onCpu, 1e-3, 1e-4));
    augment.dispose();
  }));

  test('frees every intermediate', () => {
    const augment = new StyleAugment({ encoder: encoderWeights, decoder: decoderWeights, p: 1 });
    const images = torch.rand([2, 3, 16, 16]);
    augment.forward(images).dispose();
    const before = torch.memory().numTensors;
    for (let i = 0; i < 3; i++) augment.forward(images).dispose();
    assert.equal(torch.memory().numTensors, before);
    images.dispose();
    augment.dispose();
  });
});

describe('transforms.MixStyle', () => {
  test('applies mixStyle to the inputs with the drawn partners and λ, and copies the targets', () => torch.tidy(() => {
    const inputs = torch.rand([4, 3, 6, 6], { seed: 8 });
    const targets = torch.tensor([0, 1, 2, 3]);
    const transform = new MixStyle({ p: 1, alpha: 0.3 });
    const out = withRandom(new Random(9), () => transform.forward({ inputs, targets }));
    const random = new Random(9);
    random.bernoulli(1);
    const { perm, lambda } = drawMixStyle(random, 4, 0.3, 'random', 'MixStyle');
    assert.ok(out.inputs.allclose(mixStyle(inputs, perm, lambda), 1e-6, 1e-6));
    assert.ok(out.targets.equal(targets) && out.targets !== targets);
    const skipped = new MixStyle({ p: 0 }).forward({ inputs, targets });
    assert.ok(skipped.inputs.equal(inputs));
    assert.equal(transform.toString(), 'MixStyle(p=1.0, alpha=0.3, eps=1e-06, mix=random)');
    assert.throws(() => transform.forward({ inputs: inputs.select(0, 0), targets }), /MixStyle: expects a batch of images N×C×H×W/);
  }));
});
