import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Random, withRandom } from '../../src/torch/random.js';
import * as torch from '../../src/torch/index.js';
import { applyOp, augmentationSpace, AUTO_AUGMENT_POLICIES, AutoAugment, RandAugment, TrivialAugmentWide, type PolicyOp } from '../../src/transforms/policies.js';

const script = fileURLToPath(new URL('../../../test/transforms/policies_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8', maxBuffer: 64 << 20 });
const reference = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = reference ? false : `no PyTorch for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

const image = () => torch.tensor(reference.image, { dtype: 'uint8' });

/** Asserts that a count of n draws with probability p lies within 4.5 standard deviations of n·p. */
function assertFrequency(count: number, n: number, p: number, what: string): void {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(count - n * p) <= 4.5 * sd + 1e-9, `${what}: ${count} of ${n}, expected about ${(n * p).toFixed(1)} ± ${(4.5 * sd).toFixed(1)}`);
}

describe('policies against torchvision 0.14', { skip: noReference }, () => {
  test('the magnitude tables are torchvision\'s, bin for bin', () => {
    for (const [policy, bins] of [['autoAugment', 10], ['randAugment', 31], ['trivialAugment', 31]] as const) {
      const space = augmentationSpace(policy, bins, [20, 24]);
      assert.deepEqual(space.map(([op]) => op), Object.keys(reference.tables[policy]), policy);
      for (const [op, magnitudes, signed] of space) assert.deepEqual([magnitudes, signed], reference.tables[policy][op], `${policy} ${op}`);
    }
  });

  test('applyOp equals torchvision\'s _apply_op exactly on a uint8 image, each operation and sign', () => torch.tidy(() => {
    for (const c of reference.cases) {
      const out = applyOp(image(), c.op as PolicyOp, c.magnitude, { interpolation: c.interpolation ?? 'nearest', fill: c.fill });
      const expected = torch.tensor(c.output, { dtype: 'uint8' });
      assert.equal(out.dtype, 'uint8');
      const worst = Number(out.to('int32').sub(expected.to('int32')).abs().max().item());
      assert.equal(worst, 0, `${c.op} at ${c.magnitude}: largest difference ${worst} grey levels`);
    }
  }));
});

describe('op selection', () => {
  const n = 14000;
  test('TrivialAugmentWide: one of 14 operations, uniform bin, fair sign', () => {
    const augment = new TrivialAugmentWide();
    const random = new Random(1);
    const counts = new Map<string, number>();
    let negative = 0;
    let signed = 0;
    for (let i = 0; i < n; i++) {
      const [{ op, magnitude }] = augment.drawOps(random);
      counts.set(op, (counts.get(op) ?? 0) + 1);
      if (['ShearX', 'Rotate', 'Brightness'].includes(op) && magnitude !== 0) {
        signed++;
        if (magnitude < 0) negative++;
      }
    }
    assert.equal(counts.size, 14);
    for (const [op, count] of counts) assertFrequency(count, n, 1 / 14, op);
    assertFrequency(negative, signed, 0.5, 'negative signs');
  });

  test('RandAugment: numOps operations, uniform over its 14, at the fixed magnitude', () => {
    const augment = new RandAugment({ numOps: 3, magnitude: 9 });
    const random = new Random(2);
    const counts = new Map<string, number>();
    const space = new Map(augmentationSpace('randAugment', 31, [20, 24]).map(([op, m]) => [op, m]));
    for (let i = 0; i < n / 3; i++) {
      const ops = augment.drawOps(random, [20, 24]);
      assert.equal(ops.length, 3);
      for (const { op, magnitude } of ops) {
        counts.set(op, (counts.get(op) ?? 0) + 1);
        assert.equal(Math.abs(magnitude), space.get(op)?.[9] ?? 0);
      }
    }
    assert.ok(!counts.has('Invert') && counts.size === 14);
    for (const [op, count] of counts) assertFrequency(count, Math.floor(n / 3) * 3, 1 / 14, op);
  });

  test('AutoAugment: each operation as often as the policy\'s probabilities say', () => {
    for (const policy of ['imagenet', 'cifar10', 'svhn'] as const) {
      const augment = new AutoAugment({ policy });
      const random = new Random(3);
      const counts = new Map<string, number>();
      for (let i = 0; i < n; i++) for (const { op } of augment.drawOps(random, [20, 24])) counts.set(op, (counts.get(op) ?? 0) + 1);
      // An operation appears at most once per sub-policy slot: E[count] = n · Σ p / 25 over the slots that name it.
      const expected = new Map<string, number>();
      for (const sub of AUTO_AUGMENT_POLICIES[policy]) for (const [op, p] of sub) expected.set(op, (expected.get(op) ?? 0) + p / 25);
      for (const [op, p] of expected) assertFrequency(counts.get(op) ?? 0, n, Math.min(p, 1), `${policy} ${op}`);
    }
  });
});

describe('policy transforms', { skip: noReference }, () => {
  test('each image of a batch draws its own operations, in order; one seed gives one result', () => torch.tidy(() => {
    for (const augment of [new AutoAugment(), new RandAugment(), new TrivialAugmentWide()]) {
      const batch = image().unsqueeze(0).expand([6, 3, 20, 24]);
      const out = withRandom(new Random(5), () => augment.forward(batch));
      assert.deepEqual(out.shape, [6, 3, 20, 24]);
      assert.equal(out.dtype, 'uint8');
      const random = new Random(5);
      for (let i = 0; i < 6; i++) {
        const expected = augment.drawOps(random, [20, 24]).reduce((img, { op, magnitude }) => applyOp(img, op, magnitude), image());
        assert.ok(out.select(0, i).equal(expected), `${augment.constructor.name}: image ${i}`);
      }
      assert.ok(withRandom(new Random(5), () => augment.forward(batch)).equal(out));
      const distinct = new Set(out.unbind(0).map((img) => Array.from(img.flatten().toTypedArray() as Uint8Array).join()));
      assert.ok(distinct.size > 1, `${augment.constructor.name}: the images drew different operations`);
    }
  }));

  test('float images and CUDA work; memory stays flat', () => {
    const x = torch.rand([2, 3, 16, 16], { seed: 1 });
    const augment = new RandAugment({ numOps: 4, magnitude: 20 });
    torch.tidy(() => {
      for (let seed = 0; seed < 10; seed++) {
        const out = withRandom(new Random(seed), () => augment.forward(x));
        assert.equal(out.dtype, 'float32');
        assert.ok(Boolean(out.ge(0).all().item()) && Boolean(out.le(1).all().item()));
      }
      if (torch.cuda.isAvailable()) {
        const onCuda = withRandom(new Random(4), () => augment.forward(x.cuda()));
        assert.ok(onCuda.cpu().allclose(withRandom(new Random(4), () => augment.forward(x)), 1e-5, 1e-5));
      }
    });
    const trivial = new TrivialAugmentWide();
    trivial.forward(x).dispose();
    const before = torch.memory().numTensors;
    for (let seed = 0; seed < 10; seed++) withRandom(new Random(seed), () => trivial.forward(x)).dispose();
    assert.equal(torch.memory().numTensors, before);
    x.dispose();
  });

  test('printing and bad options', () => {
    assert.equal(new AutoAugment().toString(), 'AutoAugment(policy=AutoAugmentPolicy.IMAGENET, fill=None)');
    assert.equal(new RandAugment({ fill: 128 }).toString(), 'RandAugment(num_ops=2, magnitude=9, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, fill=128)');
    assert.equal(new TrivialAugmentWide().toString(), 'TrivialAugmentWide(num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, fill=None)');
    assert.throws(() => new AutoAugment({ policy: 'mnist' as never }), /AutoAugment: policy must be 'imagenet', 'cifar10' or 'svhn', got "mnist"/);
    assert.throws(() => new RandAugment({ magnitude: 31 }), /RandAugment: magnitude must be below numMagnitudeBins \(31\), got 31/);
    assert.throws(() => new TrivialAugmentWide({ interpolation: 'bicubic' as never }), /TrivialAugmentWide: interpolation must be 'nearest' or 'bilinear'/);
    assert.throws(() => applyOp(torch.zeros([3, 4, 4]), 'Blur' as never, 0), /applyOp: unknown operation "Blur"/);
    assert.throws(() => new RandAugment().forward(torch.zeros([4, 4])), /RandAugment: expects an image C×H×W or a batch N×C×H×W/);
  });
});
