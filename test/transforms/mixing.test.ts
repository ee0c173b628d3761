import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Random, withRandom } from '../../src/torch/random.js';
import * as F from '../../src/nn/functional.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { topkCorrect } from '../../src/train/metrics.js';
import { CutMix, Mixup, MixupCutmix, Mosaic, softTargets } from '../../src/transforms/mixing.js';
import { assertValues } from '../helpers.js';
import { pythonReference } from './python-reference.js';

const { reference, noReference } = pythonReference('mixing_reference.py');
const devices = ['cpu', ...(torch.cuda.isAvailable() ? ['cuda'] : [])];

/** A batch of n images 1×h×w, image i filled with i + 1, and classes 0 for the first half and 1 for the second. */
function constantBatch(n: number, h = 8, w = 8, device = 'cpu') {
  const inputs = torch.arange(1, n + 1, 1, { dtype: 'float32', device }).view(n, 1, 1, 1).expand([n, 1, h, w]).contiguous();
  const targets = torch.tensor(Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1)), { device });
  return { inputs, targets };
}
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const varianceOf = (xs: number[]) => {
  const m = meanOf(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};
/** λ of each image of a mixed constantBatch: the weight of its own class (its partner has the other class). */
const lambdas = (targets: Tensor, n: number): number[] =>
  (targets.tolist() as number[][]).map((row, i) => row[i < n / 2 ? 0 : 1]);

describe('soft targets and their loss', { skip: noReference }, () => {
  test("F.crossEntropy with probability targets is PyTorch's and timm's SoftTargetCrossEntropy", () => torch.tidy(() => {
    const logits = torch.tensor(reference!.logits, { dtype: 'float64' });
    const probabilities = torch.tensor(reference!.probabilities, { dtype: 'float64' });
    assert.ok(Math.abs((F.crossEntropy(logits, probabilities).item() as number) - reference!.crossEntropy) < 1e-12);
    assert.ok(Math.abs((F.crossEntropy(logits, probabilities).item() as number) - reference!.timmLoss) < 1e-12);
    assertValues(F.crossEntropy(logits, probabilities, { reduction: 'none' }), reference!.crossEntropyNone, 1e-12);
    assert.ok(Math.abs((F.crossEntropy(logits, probabilities, { labelSmoothing: 0.1 }).item() as number) - reference!.crossEntropySmoothed) < 1e-12);
  }));

  test("smoothed one-hot targets mixed with the flipped batch are timm's mixup_target; accuracy counts their argmax", () => torch.tidy(() => {
    const classes = torch.tensor(reference!.classes);
    const soft = softTargets(classes, 5, 0.1, 'test');
    const mixed = soft.mul(0.3).add(soft.flip(0).mul(0.7));
    assertValues(mixed, reference!.mixupTarget, 1e-6);
    const loss = F.crossEntropy(torch.tensor(reference!.logits, { dtype: 'float64' }), mixed.double());
    assert.ok(Math.abs((loss.item() as number) - reference!.mixupTargetLoss) < 1e-6);
    // The argmax of each mixed row is the class of the 0.7 share: the flipped batch's.
    const logits = torch.oneHot(classes.flip(0), 5).float();
    assert.deepEqual(topkCorrect(logits, mixed, [1]), [6]);
    assert.deepEqual(topkCorrect(logits, soft, [1]), [classes.eq(classes.flip(0)).sum().item()]);
  }));

  test('softTargets keeps probabilities, checks class indices and shapes', () => torch.tidy(() => {
    const p = torch.tensor([[0.2, 0.8], [1, 0]]);
    assert.ok(softTargets(p, 2, 0, 'test').equal(p));
    assertValues(softTargets(p, 2, 0.5, 'test'), [[0.35, 0.65], [0.75, 0.25]]);
    assert.throws(() => softTargets(torch.tensor([0, 3]), 3, 0, 'Mixup'), /Mixup: class indices must be in \[0, 2\] for numClasses 3, got 3/);
    assert.throws(() => softTargets(torch.tensor([[0.5, 0.5]]), 3, 0, 'Mixup'), /Mixup: targets must be N class indices \(an integer tensor\) or N×3 probabilities/);
  }));
});

describe('Mixup', () => {
  test('λ ~ Beta(α, α): mean 1/2 and variance 1/(4(2α + 1)); pixels and labels share λ', () => torch.tidy(() => {
    const n = 4000;
    const batch = constantBatch(n, 2, 2);
    const out = withRandom(new Random(1), () => new Mixup({ alpha: 0.4, numClasses: 2, mode: 'elem' }).forward(batch));
    const lam = lambdas(out.targets, n);
    assert.ok(Math.abs(meanOf(lam) - 0.5) < 4 * Math.sqrt(varianceOf(lam) / n), `mean λ ${meanOf(lam)}`);
    assert.ok(Math.abs(varianceOf(lam) - 1 / (4 * 1.8)) < 0.008, `variance ${varianceOf(lam)} vs ${1 / 7.2}`);
    const expected = torch.tensor(lam).view(n, 1, 1, 1).mul(batch.inputs).add(torch.tensor(lam).rsub(1).view(n, 1, 1, 1).mul(batch.inputs.flip(0)));
    assert.ok(out.inputs.allclose(expected, 1e-5, 1e-3), 'each image is λ·x + (1 − λ)·partner');
    assertValues(out.targets.sum(1), Array(n).fill(1), 1e-6);
  }));

  test("modes: one λ per batch, one per pair (i, N−1−i), one per image; p = 0 keeps the batch", () => torch.tidy(() => {
    const batch = constantBatch(10);
    const lam = (mode: 'batch' | 'pair' | 'elem') => lambdas(withRandom(new Random(2), () => new Mixup({ numClasses: 2, mode }).forward(batch)).targets, 10);
    assert.equal(new Set(lam('batch')).size, 1);
    const pair = lam('pair');
    pair.forEach((l, i) => assert.equal(l, pair[9 - i], 'partners share λ, each keeping λ of its own image'));
    assert.equal(new Set(pair.slice(0, 5)).size, 5);
    assert.equal(new Set(lam('elem')).size, 10);
    const kept = new Mixup({ numClasses: 2, p: 0 }).forward(batch);
    assert.ok(kept.inputs.equal(batch.inputs));
    assertValues(kept.targets, (batch.targets.tolist() as number[]).map((t) => (t === 0 ? [1, 0] : [0, 1])));
  }));

  test('soft targets stay soft; label smoothing; one seed gives one batch on every device; no leaks', () => torch.tidy(() => {
    for (const device of devices) {
      const batch = { inputs: torch.rand([6, 3, 4, 4], { seed: 3 }).to({ device }), targets: torch.tensor([[0.5, 0.5, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0.2, 0.3, 0.5], [0, 1, 0]]).to({ device }) };
      const mixup = new Mixup({ numClasses: 3, labelSmoothing: 0.3 });
      const a = withRandom(new Random(4), () => mixup.forward(batch));
      const b = withRandom(new Random(4), () => mixup.forward(batch));
      assert.ok(a.inputs.equal(b.inputs) && a.targets.equal(b.targets));
      assert.equal(a.inputs.device, batch.inputs.device);
      assert.equal(a.targets.device, batch.targets.device);
      const [first, partner] = [batch.inputs.select(0, 0), batch.inputs.select(0, 5)];
      const lam = (a.inputs.select(0, 0).sub(partner).sum().item() as number) / (first.sub(partner).sum().item() as number);
      const smoothed = batch.targets.mul(0.7).add(0.1);
      assert.ok(a.targets.allclose(smoothed.mul(lam).add(smoothed.flip(0).mul(1 - lam)), 1e-4, 1e-4));
      mixup.forward(batch);
      const before = torch.memory().numTensors;
      for (let k = 0; k < 10; k++) torch.dispose(mixup.forward(batch));
      assert.equal(torch.memory().numTensors, before);
    }
  }));

  test('uint8 images are mixed in float and rounded back', () => torch.tidy(() => {
    const inputs = torch.tensor([0, 255]).to('uint8').view(2, 1, 1, 1).expand([2, 3, 2, 2]).contiguous();
    const out = withRandom(new Random(5), () => new Mixup({ numClasses: 2 }).forward({ inputs, targets: torch.tensor([0, 1]) }));
    assert.equal(out.inputs.dtype, 'uint8');
    const lam = (out.targets.tolist() as number[][])[0][0];
    assert.equal(out.inputs.index(0, 0, 0, 0).item(), Math.round(255 * (1 - lam)));
  }));

  test('rejects bad options and batches', () => {
    assert.throws(() => new Mixup({} as never), /Mixup: numClasses is required/);
    assert.throws(() => new Mixup({ numClasses: 3, alpha: 0 }), /Mixup: alpha must be a positive number, got 0/);
    assert.throws(() => new Mixup({ numClasses: 3, mode: 'pairs' as never }), /Mixup: mode must be one of 'batch', 'pair', 'elem'/);
    assert.throws(() => new Mixup({ numClasses: 3, labelSmoothing: 2 }), /Mixup: labelSmoothing must be in \[0, 1\]/);
    const mixup = new Mixup({ numClasses: 3 });
    assert.throws(() => mixup.forward({ inputs: torch.zeros([2, 4, 4]), targets: torch.tensor([0, 1]) }), /Mixup: expects a batch \{inputs: N×C×H×W, targets\}/);
    assert.throws(() => mixup.forward({ inputs: torch.zeros([2, 1, 4, 4]), targets: torch.tensor([0, 1, 2]) }), /Mixup: targets must be a tensor with one row per image \(2\)/);
    assert.equal(mixup.toString(), 'Mixup(alpha=1.0, p=1.0, mode=batch, label_smoothing=0.0, num_classes=3)');
    assert.equal(new Mixup(...(mixup.workerSpec().args as [never])).toString(), mixup.toString());
  });
});

describe('CutMix', () => {
  test("λ is the real kept area after clipping; the pasted part is one box of the partner's same place", () => torch.tidy(() => {
    const n = 400;
    const batch = constantBatch(n, 12, 16);
    const out = withRandom(new Random(6), () => new CutMix({ numClasses: 2, mode: 'elem' }).forward(batch));
    const lam = lambdas(out.targets, n);
    const own = out.inputs.eq(batch.inputs).float();
    const keptShare = own.mean([1, 2, 3]).tolist() as number[];
    keptShare.forEach((s, i) => assert.ok(Math.abs(s - lam[i]) < 1e-6, `image ${i}: kept ${s}, λ ${lam[i]}`));
    const pasted = own.rsub(1);
    assert.ok(own.add(out.inputs.eq(batch.inputs.flip(0)).float()).eq(1).all().item(), 'every pixel is its own or its partner\'s');
    const rows = pasted.sum(3).gt(0).sum([1, 2]).tolist() as number[];
    const columns = pasted.sum(2).gt(0).sum([1, 2]).tolist() as number[];
    (pasted.sum([1, 2, 3]).tolist() as number[]).forEach((area, i) => assert.equal(area, rows[i] * columns[i], `image ${i}: one box`));
    assert.ok(lam.some((l) => l < 0.5) && lam.some((l) => l > 0.5 && l < 1));
  }));

  test("the box is timm's rand_bbox: ⌊H·√(1 − λ)⌋ × ⌊W·√(1 − λ)⌋ around a uniform centre, clipped", () => {
    const random = new Random(7);
    let whole = 0;
    for (let k = 0; k < 500; k++) {
      const lam = random.uniform();
      const [top, left, bottom, right] = CutMix.cutmixBox(random, lam, 30, 40);
      const [cutH, cutW] = [Math.floor(30 * Math.sqrt(1 - lam)), Math.floor(40 * Math.sqrt(1 - lam))];
      assert.ok(top >= 0 && bottom <= 30 && left >= 0 && right <= 40);
      assert.ok(bottom - top <= cutH && right - left <= cutW);
      if (top > 0 && bottom < 30) assert.equal(bottom - top, cutH, 'a box clear of the edges has the full side');
      if (left > 0 && right < 40) assert.equal(right - left, cutW);
      if (top > 0 && bottom < 30 && left > 0 && right < 40) whole++;
    }
    assert.ok(whole > 50, `${whole} boxes clear of every edge`);
  });

  test('one seed gives one batch on every device; prints and rebuilds', () => torch.tidy(() => {
    for (const device of devices) {
      const batch = constantBatch(8, 16, 16, device);
      const cutmix = new CutMix({ numClasses: 2, alpha: 0.5, mode: 'pair' });
      const a = withRandom(new Random(8), () => cutmix.forward(batch));
      const b = withRandom(new Random(8), () => cutmix.forward(batch));
      assert.ok(a.inputs.equal(b.inputs) && a.targets.equal(b.targets));
    }
    const cutmix = new CutMix({ numClasses: 10, alpha: 0.5 });
    assert.equal(cutmix.toString(), 'CutMix(alpha=0.5, p=1.0, mode=batch, label_smoothing=0.0, num_classes=10)');
    assert.equal(new CutMix(...(cutmix.workerSpec().args as [never])).toString(), cutmix.toString());
  }));
});

describe('MixupCutmix', () => {
  test("switches to CutMix with probability switchProb, per image in 'elem' mode; timm's label smoothing 0.1 by default", () => torch.tidy(() => {
    const n = 2000;
    const batch = constantBatch(n, 4, 4);
    const out = withRandom(new Random(9), () => new MixupCutmix({ numClasses: 2, switchProb: 0.3, mode: 'elem' }).forward(batch));
    // A CutMix image holds only its own and its partner's pixel values; a Mixup image blends them.
    const pure = out.inputs.eq(batch.inputs).logicalOr(out.inputs.eq(batch.inputs.flip(0))).flatten(1).all(1);
    const share = (pure.sum().item() as number) / n;
    assert.ok(Math.abs(share - 0.3) < 4 * Math.sqrt((0.3 * 0.7) / n), `CutMix share ${share}`);
    const smallest = out.targets.min().item() as number;
    assert.ok(smallest >= 0.05 - 1e-6, `label smoothing 0.1 over 2 classes leaves at least 0.05, got ${smallest}`);
    assertValues(out.targets.sum(1), Array(n).fill(1), 1e-5);
  }));

  test('CutMix, MixupCutmix in every mode and uint8 batches free every tensor they make', () => {
    const batch = { inputs: torch.rand([6, 3, 8, 8], { seed: 14 }), targets: torch.tensor([0, 1, 2, 0, 1, 2]) };
    const bytes = { inputs: batch.inputs.mul(255).to('uint8'), targets: batch.targets };
    const mixers = [new CutMix({ numClasses: 3 }), ...(['batch', 'pair', 'elem'] as const).map((mode) => new MixupCutmix({ numClasses: 3, mode }))];
    for (const mixer of mixers) {
      for (const b of [batch, bytes]) torch.dispose(mixer.forward(b));
      const before = torch.memory().numTensors;
      for (let k = 0; k < 10; k++) for (const b of [batch, bytes]) torch.dispose(mixer.forward(b));
      assert.equal(torch.memory().numTensors, before, String(mixer));
    }
    torch.dispose([batch, bytes]);
  });

  test('checks its options', () => {
    assert.throws(() => new MixupCutmix({ numClasses: 2, mixupAlpha: 0, cutmixAlpha: 0 }), /MixupCutmix: mixupAlpha and cutmixAlpha are both 0/);
    assert.throws(() => new MixupCutmix({ numClasses: 2, switchProb: -1 }), /MixupCutmix: switchProb must be in \[0, 1\]/);
    const m = new MixupCutmix({ numClasses: 5, mixupAlpha: 0.8 });
    assert.equal(m.toString(), 'MixupCutmix(mixup_alpha=0.8, cutmix_alpha=1.0, switch_prob=0.5, p=1.0, mode=batch, label_smoothing=0.1, num_classes=5)');
    assert.equal(new MixupCutmix(...(m.workerSpec().args as [never])).toString(), m.toString());
  });
});

describe('Mosaic', () => {
  test('four crops around the centre; label weights are their areas and sum to 1', () => torch.tidy(() => {
    const [n, h, w] = [8, 20, 30];
    // Pixel value = 10000·image + 100·row + column: every output pixel tells where it came from.
    const inputs = torch.arange(n).mul(10000).view(n, 1, 1, 1).add(torch.arange(h).mul(100).view(1, 1, h, 1)).add(torch.arange(w).view(1, 1, 1, w)).float();
    const mosaic = new Mosaic({ numClasses: n });
    const out = withRandom(new Random(10), () => mosaic.forward({ inputs, targets: torch.arange(n) }));
    // The same generator replayed gives each image's centre, sources and crops.
    const replay = new Random(10);
    const params = Array.from({ length: n }, (_, i) => mosaic.drawParams(replay, i, n, h, w)!);
    const values = out.inputs.tolist() as number[][][][];
    const targets = out.targets.tolist() as number[][];
    values.forEach((image, i) => {
      const { cy, cx, sources, crops } = params[i];
      assert.equal(sources[0], i, 'the top-left quadrant is the image itself');
      const expectedWeights = new Array(n).fill(0);
      const quadrantOf = (y: number, x: number) => (y < cy ? 0 : 2) + (x < cx ? 0 : 1);
      image[0].forEach((row, y) => row.forEach((v, x) => {
        const k = quadrantOf(y, x);
        const [top, left] = [k < 2 ? 0 : cy, k % 2 === 0 ? 0 : cx];
        assert.equal(v, 10000 * sources[k] + 100 * (crops[k][0] + y - top) + (crops[k][1] + x - left), `image ${i} pixel (${y}, ${x})`);
        expectedWeights[sources[k]] += 1 / (h * w);
      }));
      assertValues(out.targets.select(0, i), expectedWeights, 1e-6);
      assert.ok(Math.abs(targets[i].reduce((a, b) => a + b, 0) - 1) < 1e-6);
    });
  }));

  test('the centre is uniform in centerRange; p = 0 keeps the batch; one seed gives one batch on every device', () => torch.tidy(() => {
    const mosaic = new Mosaic({ numClasses: 4, centerRange: [0.25, 0.75] });
    const random = new Random(11);
    const centres = Array.from({ length: 4000 }, () => mosaic.drawParams(random, 0, 4, 100, 100)!);
    const cy = centres.map((q) => q.cy / 100);
    assert.ok(cy.every((c) => c >= 0.25 && c < 0.75));
    assert.ok(Math.abs(meanOf(cy) - 0.5) < 0.01 && Math.abs(varianceOf(cy) - 1 / 48) < 0.002, `centre mean ${meanOf(cy)}, variance ${varianceOf(cy)}`);
    for (const device of devices) {
      const batch = { inputs: torch.rand([4, 3, 16, 16], { seed: 12 }).to({ device }), targets: torch.tensor([0, 1, 2, 3], { device }) };
      const a = withRandom(new Random(13), () => mosaic.forward(batch));
      assert.ok(a.inputs.equal(withRandom(new Random(13), () => mosaic.forward(batch)).inputs));
      const kept = new Mosaic({ numClasses: 4, p: 0 }).forward(batch);
      assert.ok(kept.inputs.equal(batch.inputs));
      assert.ok(kept.targets.equal(torch.eye(4, 4, { device })));
      mosaic.forward(batch);
      const before = torch.memory().numTensors;
      for (let k = 0; k < 10; k++) torch.dispose(mosaic.forward(batch));
      assert.equal(torch.memory().numTensors, before);
    }
    assert.throws(() => new Mosaic({ numClasses: 4, centerRange: [0.8, 0.2] }), /Mosaic: centerRange must be \[min, max\] with min ≤ max/);
    assert.equal(mosaic.toString(), 'Mosaic(p=1.0, center_range=(0.25, 0.75), label_smoothing=0.0, num_classes=4)');
  }));
});
