import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Random, withRandom } from '../../src/torch/random.js';
import * as torch from '../../src/torch/index.js';
import { RandomVolumeAffine, RandomVolumeFlip, RandomVolumeRotate90, volumeAffine, volumeAffineMatrix } from '../../src/transforms/volume.js';
import { assertValues } from '../helpers.js';

const script = fileURLToPath(new URL('../../../test/transforms/volume_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8', maxBuffer: 64 << 20 });
const reference = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = reference ? false : `no PyTorch for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

const volume = () => torch.tensor(reference.input);
const devices = ['cpu', ...(torch.cuda.isAvailable() ? ['cuda'] : [])];

describe('RandomVolumeFlip', { skip: noReference }, () => {
  test('flips exactly as torch.flip, on a volume and on each volume of a batch', () => torch.tidy(() => {
    for (const axis of [0, 1, 2]) {
      const flip = new RandomVolumeFlip({ p: 1, axes: [axis] });
      assertValues(flip.forward(volume()), reference.flip[axis], 0);
      const batch = flip.forward(torch.stack([volume(), volume()]));
      assert.deepEqual(batch.shape, [2, 2, 4, 5, 6]);
      assertValues(batch.select(0, 1), reference.flip[axis], 0);
    }
    assert.ok(new RandomVolumeFlip({ p: 0 }).forward(volume()).equal(volume()));
    for (const device of devices) {
      const turned = withRandom(new Random(1), () => new RandomVolumeRotate90({ p: 1 }).forward(torch.stack([volume(), volume()]).narrow(4, 0, 5).to(device)));
      assert.equal(turned.device.startsWith(device), true);
      assert.ok(turned.cpu().equal(withRandom(new Random(1), () => new RandomVolumeRotate90({ p: 1 }).forward(torch.stack([volume(), volume()]).narrow(4, 0, 5)))));
    }
  }));

  test('each volume of a batch draws its own flips; one seed gives one result', () => torch.tidy(() => {
    const batch = volume().unsqueeze(0).expand([16, 2, 4, 5, 6]);
    const flip = new RandomVolumeFlip({ p: 0.5, axes: [2] });
    const out = withRandom(new Random(3), () => flip.forward(batch));
    const flipped = out.unbind(0).map((v) => v.equal(torch.tensor(reference.flip[2])));
    assert.ok(flipped.some((f) => f) && flipped.some((f) => !f), 'some volumes flipped, some not');
    assert.ok(withRandom(new Random(3), () => flip.forward(batch)).equal(out));
  }));

  test('rejects bad options and inputs', () => {
    assert.throws(() => new RandomVolumeFlip({ p: 2 }), /RandomVolumeFlip: p must be between 0 and 1, got 2/);
    assert.throws(() => new RandomVolumeFlip({ axes: [3] }), /RandomVolumeFlip: spatial axes are 0 \(D\), 1 \(H\) and 2 \(W\), got 3/);
    torch.tidy(() => assert.throws(() => new RandomVolumeFlip().forward(torch.zeros([4, 4, 4])), /RandomVolumeFlip: expects a volume C×D×H×W or a batch N×C×D×H×W/));
    assert.equal(new RandomVolumeFlip().toString(), 'RandomVolumeFlip(p=0.5, axes=(0, 1, 2))');
  });
});

describe('RandomVolumeRotate90', { skip: noReference }, () => {
  test('turns as torch.rot90 with k in 1..3, each k drawn', () => torch.tidy(() => {
    for (const [a, b] of [[0, 1], [1, 2], [0, 2]] as [number, number][]) {
      const turn = new RandomVolumeRotate90({ p: 1, axes: [[a, b]] });
      const seen = new Set<number>();
      for (let seed = 0; seed < 20; seed++) {
        const out = withRandom(new Random(seed), () => turn.forward(volume()));
        const k = [1, 2, 3].find((k) => {
          const expected = torch.tensor(reference.rot90[`${k}_${a}${b}`]);
          return expected.shape.join() === out.shape.join() && expected.equal(out);
        });
        assert.ok(k, `plane ${a}${b}, seed ${seed}: the result is no torch.rot90 of the volume`);
        seen.add(k);
      }
      assert.equal(seen.size, 3, 'every k in 1..3 appears');
    }
  }));

  test('batches turn square planes per volume and refuse others', () => torch.tidy(() => {
    const cube = torch.rand([6, 1, 3, 3, 3], { seed: 1 });
    const out = withRandom(new Random(5), () => new RandomVolumeRotate90({ p: 0.5, axes: [[1, 2]] }).forward(cube));
    const unchanged = out.unbind(0).map((v, i) => v.equal(cube.select(0, i)));
    assert.ok(unchanged.some((u) => u) && unchanged.some((u) => !u));
    assert.throws(() => new RandomVolumeRotate90({ p: 1, axes: [[1, 2]] }).forward(torch.stack([volume(), volume()])),
      /RandomVolumeRotate90: a batch can only turn square planes .* axes \[1, 2\] have sizes 5 and 6/);
    assert.throws(() => new RandomVolumeRotate90({ axes: [[1, 1]] }), /RandomVolumeRotate90: a plane needs two different axes/);
  }));
});

describe('RandomVolumeAffine', { skip: noReference }, () => {
  test('volumeAffineMatrix and volumeAffine equal affine_grid + grid_sample of an independently built map', () => torch.tidy(() => {
    for (const c of reference.affine) {
      const theta = volumeAffineMatrix({ angles: c.angles, translate: c.translate, scale: c.scale }, [4, 5, 6]);
      assertValues(torch.tensor(theta), c.theta, 1e-5);
      for (const device of devices) {
        const out = volumeAffine(volume().to(device), torch.tensor(theta), { interpolation: c.mode });
        assertValues(out.cpu(), c.output, 1e-4);
      }
    }
  }));

  test('a batch gets one map per volume, reproducible by seed; fill covers what comes from outside', () => torch.tidy(() => {
    const affine = new RandomVolumeAffine({ degrees: [10, [0, 20], 5], translate: [0.1, 0.1, 0.1], scale: [0.9, 1.1], fill: 7 });
    const batch = volume().unsqueeze(0).expand([3, 2, 4, 5, 6]).contiguous();
    const out = withRandom(new Random(11), () => affine.forward(batch));
    assert.deepEqual(out.shape, [3, 2, 4, 5, 6]);
    assert.ok(!out.select(0, 0).equal(out.select(0, 1)));
    assert.ok(withRandom(new Random(11), () => affine.forward(batch)).equal(out));
    const shrunk = new RandomVolumeAffine({ scale: [0.5, 0.5], interpolation: 'nearest', fill: 7 }).forward(volume());
    assert.equal(shrunk.index(0, 0, 0, 0).item(), 7);
    const bytes = new RandomVolumeAffine({ degrees: 20 }).forward(torch.full([1, 4, 4, 4], 200, { dtype: 'uint8' }));
    assert.equal(bytes.dtype, 'uint8');
  }));

  test('frees every intermediate', () => {
    const x = torch.rand([2, 1, 4, 4, 4]);
    const affine = new RandomVolumeAffine({ degrees: 15, fill: [1] });
    torch.tidy(() => affine.forward(x));
    const before = torch.memory().numTensors;
    for (let i = 0; i < 5; i++) affine.forward(x).dispose();
    assert.equal(torch.memory().numTensors, before);
    x.dispose();
  });

  test('rejects bad options', () => {
    assert.throws(() => new RandomVolumeAffine({ degrees: [1, 2] }), /RandomVolumeAffine: degrees must be a number or three entries/);
    assert.throws(() => new RandomVolumeAffine({ scale: [0, 1] }), /RandomVolumeAffine: scale must be \[min, max\] with 0 < min ≤ max/);
    assert.throws(() => new RandomVolumeAffine({ translate: [2, 0, 0] }), /RandomVolumeAffine: translate must be three fractions/);
    torch.tidy(() => assert.throws(() => volumeAffine(torch.zeros([2, 1, 2, 2, 2]), torch.zeros([3, 3, 4])), /volumeAffine: theta must be 2×3×4/));
  });
});
