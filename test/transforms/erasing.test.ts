import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DataLoader } from '../../src/data/dataloader.js';
import { Random, withRandom } from '../../src/torch/random.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { TransformedDataset } from '../../src/data/transformed-dataset.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { Cutout, GridMask, HideAndSeek, RandomErasing } from '../../src/transforms/erasing.js';
import { roundHalfEven } from '../../src/util/checks.js';
import { erase } from '../../src/transforms/functional/index.js';
import { assertValues } from '../helpers.js';
import { pythonReference } from './python-reference.js';

const { reference, noReference } = pythonReference('erasing_reference.py');
const devices = ['cpu', ...(torch.cuda.isAvailable() ? ['cuda'] : [])];

/** The reference script's 3×8×10 image. */
const image = () => torch.arange(240, undefined, 1, { dtype: 'float32' }).reshape(3, 8, 10).div(240);
/** Per image of an N×C×H×W batch: its mean over channels and pixels, as numbers. */
const perImageMean = (x: Tensor): number[] => torch.tidy(() => x.float().mean([1, 2, 3]).tolist() as number[]);
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const varianceOf = (xs: number[]) => {
  const m = meanOf(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};
/** |a − b| within `sigmas` standard errors of two independent sample means. */
function assertMeansAgree(actual: number[], expected: { mean: number; variance: number }, expectedCount: number, what: string, sigmas = 4): void {
  const se = Math.sqrt(varianceOf(actual) / actual.length + expected.variance / expectedCount);
  const m = meanOf(actual);
  assert.ok(Math.abs(m - expected.mean) <= sigmas * se, `${what}: mean ${m} vs expected ${expected.mean} (±${sigmas}·${se.toFixed(5)})`);
}

describe('erase (functional)', { skip: noReference }, () => {
  test('matches torchvision.transforms.functional.erase exactly', () => torch.tidy(() => {
    assertValues(erase(image(), 2, 3, 4, 5, 0.5), reference!.erase.scalar, 0);
    assertValues(erase(image(), 0, 0, 8, 2, [0.1, 0.2, 0.3]), reference!.erase.perChannel, 0);
    assertValues(erase(image(), 1, 4, 4, 5, torch.linspace(-1, 1, 60).reshape(3, 4, 5)), reference!.erase.tensor, 0);
    const u8 = torch.arange(240).remainder(256).to('uint8').reshape(3, 8, 10);
    const erasedU8 = erase(u8, 5, 6, 3, 4, [7, 8, 9]);
    assert.equal(erasedU8.dtype, 'uint8');
    assertValues(erasedU8, reference!.erase.uint8, 0);
    assertValues(erase(torch.stack([image(), image().mul(2)]), 3, 1, 2, 6, 0), reference!.erase.batch, 0);
  }));

  test('a batch takes one box per image; inplace writes the input; the input is otherwise untouched', () => torch.tidy(() => {
    const batch = torch.stack([image(), image()]);
    const out = erase(batch, [2, 0], [3, 0], [4, 8], [5, 2], 0.5);
    assertValues(out.select(0, 0), reference!.erase.scalar, 0);
    assert.ok(out.select(0, 1).equal(erase(image(), 0, 0, 8, 2, 0.5)));
    assert.ok(batch.equal(torch.stack([image(), image()])), 'input unchanged');
    const same = erase(batch, 0, 0, 1, 1, 9, true);
    assert.equal(same, batch);
    assert.equal(batch.index(0, 0, 0, 0).item(), 9);
  }));

  test('rejects boxes outside the image and fills of the wrong length', () => torch.tidy(() => {
    assert.throws(() => erase(image(), 6, 0, 3, 1, 0), /erase\(\): the box at \(i=6, j=0\) of size 3×1 does not fit in the 8×10 image/);
    assert.throws(() => erase(image(), -1, 0, 1, 1, 0), /erase\(\): i must be at least 0/);
    assert.throws(() => erase(image(), 0, 0, 1, 1, [1, 2]), /erase\(\): the fill value must be a number or an array of 1 or 3 numbers/);
    assert.throws(() => erase(torch.stack([image(), image()]), [0, 0, 0], 0, 1, 1, 0), /erase\(\): i must be a row or an array of 2/);
    assert.throws(() => erase(torch.zeros([8, 10]), 0, 0, 1, 1, 0), /erase\(\): expects an image C×H×W or a batch N×C×H×W/);
  }));
});

describe('RandomErasing', { skip: noReference }, () => {
  test("prints as torchvision's RandomErasing", () => {
    assert.equal(new RandomErasing().toString(), reference!.repr[0]);
    assert.equal(new RandomErasing({ p: 1, scale: [0.1, 0.2], ratio: [0.5, 2], value: 'random', inplace: true }).toString(), reference!.repr[1]);
  });

  test('rounds halves to even as Python', () => {
    assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, -0, 2, 3]);
  });

  /** Erased area fractions, box heights and widths of `count` all-zero 1×H×W images erased with the value 1. */
  function erasedBoxes(options: ConstructorParameters<typeof RandomErasing>[0], count: number, height: number, width: number, seed = 1) {
    return torch.tidy(() => {
      const out = withRandom(new Random(seed), () => new RandomErasing({ ...options, value: 1 }).forward(torch.zeros([count, 1, height, width])));
      return {
        fraction: perImageMean(out),
        rows: out.sum(3).gt(0).sum([1, 2]).tolist() as number[],
        columns: out.sum(2).gt(0).sum([1, 2]).tolist() as number[],
      };
    });
  }

  test("the erased area follows torchvision's sampling: a rectangle in the scale range, with torchvision's mean", () => {
    const { fraction, rows, columns } = erasedBoxes({ p: 1 }, 3000, 32, 32);
    // Rounding h and w to whole pixels moves the area by at most (H + W)/2 + 1/4 pixels.
    const slack = (0.5 * (32 + 32) + 0.25) / (32 * 32);
    fraction.forEach((f, k) => {
      assert.ok(f >= 0.02 - slack && f <= 0.33 + slack, `image ${k}: erased fraction ${f} outside the scale range`);
      assert.equal(f * 32 * 32, rows[k] * columns[k], `image ${k}: the erased pixels form one ${rows[k]}×${columns[k]} box`);
    });
    assertMeansAgree(fraction, reference!.fraction32, 20000, 'mean erased fraction, 32×32');
  });

  test('where boxes often do not fit (scale up to 0.9 of 16×24), the fallback to no erasing is as torchvision', () => {
    const { fraction } = erasedBoxes({ p: 1, scale: [0.3, 0.9] }, 3000, 16, 24, 2);
    assertMeansAgree(fraction, reference!.fractionLarge, 20000, 'mean erased fraction, 16×24');
    const none = fraction.filter((f) => f === 0).length / fraction.length;
    const expected = reference!.fractionLarge.none;
    assert.ok(Math.abs(none - expected) <= 4 * Math.sqrt((expected * (1 - expected)) / fraction.length) + 1e-3, `images left as they were: ${none} vs ${expected}`);
  });

  test('erases each image of a batch with probability p', () => {
    const { fraction } = erasedBoxes({ p: 0.3 }, 2000, 16, 16, 3);
    const erased = fraction.filter((f) => f > 0).length / fraction.length;
    assert.ok(Math.abs(erased - 0.3) < 4 * Math.sqrt((0.3 * 0.7) / 2000), `erased share ${erased}`);
  });

  test("value 'random' fills with standard normal noise; a per-channel value fills each channel", () => torch.tidy(() => {
    const noisy = withRandom(new Random(4), () => new RandomErasing({ p: 1, scale: [0.3, 0.3], ratio: [1, 1], value: 'random' }).forward(torch.full([3, 64, 64], 100, { dtype: 'float32' })));
    const noise = noisy.maskedSelect(noisy.ne(100));
    assert.ok(noise.numel() > 3 * 1000, `${noise.numel()} noise values`);
    assert.ok(Math.abs(noise.mean().item() as number) < 0.1 && Math.abs((noise.std().item() as number) - 1) < 0.1);
    const filled = withRandom(new Random(5), () => new RandomErasing({ p: 1, value: [1, 2, 3] }).forward(torch.zeros([3, 32, 32])));
    assert.deepEqual(filled.flatten(1).max(1).values.tolist(), [1, 2, 3]);
  }));

  test('one seed gives one result, on a single image and on each image of a batch, on every device', () => torch.tidy(() => {
    for (const device of devices) {
      const batch = torch.rand([8, 3, 20, 20], { seed: 1 }).to({ device });
      const erasing = new RandomErasing({ p: 1, value: 'random' });
      const a = withRandom(new Random(9), () => erasing.forward(batch));
      const b = withRandom(new Random(9), () => erasing.forward(batch));
      const c = withRandom(new Random(10), () => erasing.forward(batch));
      assert.equal(a.device, batch.device);
      assert.ok(a.equal(b), 'same seed, same batch');
      assert.ok(!a.equal(c), 'another seed, another batch');
      const changed = a.ne(batch).flatten(1).any(1).tolist() as boolean[];
      assert.ok(changed.every((x) => x), 'every image erased with p = 1');
      const single = withRandom(new Random(9), () => erasing.forward(batch.select(0, 0)));
      assert.deepEqual(single.shape, [3, 20, 20]);
      assert.ok(single.equal(a.select(0, 0)), 'the first image of a batch draws what a single image draws');
    }
  }));

  test('frees every tensor it makes', () => {
    const erasing = new RandomErasing({ p: 1, value: 'random' });
    const batch = torch.rand([4, 3, 16, 16]);
    erasing.forward(batch).dispose();
    const before = torch.memory().numTensors;
    for (let k = 0; k < 20; k++) erasing.forward(batch).dispose();
    assert.equal(torch.memory().numTensors, before);
    batch.dispose();
  });

  test('rebuilds from its workerSpec; rejects bad options', () => {
    const erasing = new RandomErasing({ p: 0.7, scale: [0.1, 0.4], value: [0.5, 0.4, 0.3] });
    const spec = erasing.workerSpec();
    assert.equal(spec.name, 'RandomErasing');
    assert.equal(new RandomErasing(...(spec.args as [object])).toString(), erasing.toString());
    assert.throws(() => new RandomErasing({ p: 2 }), /RandomErasing: p must be in \[0, 1\], got 2/);
    assert.throws(() => new RandomErasing({ scale: [0.5, 0.1] }), /RandomErasing: scale must be \[min, max\] with min ≤ max/);
    assert.throws(() => new RandomErasing({ scale: [0.5, 1.5] }), /RandomErasing: scale must be in \[0, 1\]/);
    assert.throws(() => new RandomErasing({ value: 'noise' as never }), /RandomErasing: value must be a number or an array of numbers/);
    assert.throws(() => new RandomErasing({ probability: 1 } as never), /RandomErasing: unknown option 'probability'/);
    assert.throws(() => new RandomErasing({ p: 1, value: [1, 2] }).forward(torch.zeros([3, 8, 8])), /RandomErasing: the fill value must be a number or an array of 1 or 3/);
  });
});

describe('Cutout', () => {
  /** E[clipped side] of a hole of side L centred on a uniform pixel of a side of n pixels. */
  const expectedSide = (n: number, length: number) => {
    let total = 0;
    for (let c = 0; c < n; c++) total += Math.min(n, c - Math.floor(length / 2) + length) - Math.max(0, c - Math.floor(length / 2));
    return total / n;
  };

  test('holes of side `length` centred anywhere and clipped: the mean hidden area is the exact expectation', () => torch.tidy(() => {
    const out = withRandom(new Random(11), () => new Cutout({ length: 12, fill: 1 }).forward(torch.zeros([3000, 1, 24, 32])));
    const area = out.sum([1, 2, 3]).tolist() as number[];
    const rows = out.sum(3).gt(0).sum([1, 2]).tolist() as number[];
    const columns = out.sum(2).gt(0).sum([1, 2]).tolist() as number[];
    area.forEach((a, k) => {
      assert.equal(a, rows[k] * columns[k], 'one box');
      assert.ok(rows[k] >= 6 && rows[k] <= 12 && columns[k] >= 6 && columns[k] <= 12, `box ${rows[k]}×${columns[k]}`);
    });
    const expected = expectedSide(24, 12) * expectedSide(32, 12);
    assert.ok(Math.abs(meanOf(area) - expected) <= 4 * Math.sqrt(varianceOf(area) / area.length), `mean area ${meanOf(area)} vs ${expected}`);
    assert.ok(area.some((a) => a === 144) && area.some((a) => a < 144), 'whole and clipped holes both occur');
  }));

  test('several holes, a per-channel fill, p, one image or a batch, on every device', () => torch.tidy(() => {
    for (const device of devices) {
      const cutout = new Cutout({ nHoles: 3, length: 4, fill: [1, 2, 3] });
      const input = torch.zeros([500, 3, 16, 16], { device });
      const out = withRandom(new Random(12), () => cutout.forward(input));
      assert.equal(out.device, input.device);
      const holes = out.select(1, 0);
      const areas = holes.sum([1, 2]).tolist() as number[];
      assert.ok(areas.every((a) => a > 0 && a <= 48), 'between one clipped hole and three whole ones');
      assert.ok(out.select(1, 2).equal(holes.mul(3)), 'channel 3 filled with 3 where channel 1 holds 1');
      const single = withRandom(new Random(12), () => cutout.forward(torch.zeros([3, 16, 16], { device })));
      assert.ok(single.equal(out.select(0, 0)));
      const some = withRandom(new Random(13), () => new Cutout({ p: 0.25, fill: 1 }).forward(torch.zeros([2000, 1, 32, 32])));
      const share = (some.flatten(1).any(1).sum().item() as number) / 2000;
      assert.ok(Math.abs(share - 0.25) < 4 * Math.sqrt(0.25 * 0.75 / 2000), `share with holes ${share}`);
    }
    assert.throws(() => new Cutout({ length: 0 }), /Cutout: length must be at least 1, got 0/);
    assert.throws(() => new Cutout({ fill: 'mean' as never }), /Cutout: fill must be a number or an array of numbers/);
    assert.equal(new Cutout().toString(), 'Cutout(n_holes=1, length=16, p=1.0, fill=0)');
  }));
});

describe('HideAndSeek', () => {
  test('hides each grid patch with probability hideProb; grid size 0 hides nothing', () => torch.tidy(() => {
    const out = withRandom(new Random(21), () => new HideAndSeek({ fill: 1 }).forward(torch.zeros([3000, 1, 32, 32])));
    const hidden = perImageMean(out);
    // Four of the five default grid sizes hide patches, each patch with p = 0.5: 0.4 of the pixels on average.
    assert.ok(Math.abs(meanOf(hidden) - 0.4) <= 4 * Math.sqrt(varianceOf(hidden) / hidden.length), `hidden share ${meanOf(hidden)}`);
    const none = hidden.filter((h) => h === 0).length / hidden.length;
    assert.ok(Math.abs(none - 0.2) < 0.04, `images left whole ${none}`);
  }));

  test('grid sizes scale with the image: 56 px of a 224 image is an 8 px patch of a 32 image', () => torch.tidy(() => {
    const out = withRandom(new Random(22), () => new HideAndSeek({ gridSizes: [56], hideProb: 0.5, fill: [0.5, 0.25] }).forward(torch.ones([2, 32, 32])));
    const hidden = out.select(0, 0).eq(0.5);
    // Every 8×8 patch is hidden or kept as a whole.
    const patches = hidden.to('float32').reshape(4, 8, 4, 8).mean([1, 3]);
    assert.ok(patches.eq(0).logicalOr(patches.eq(1)).all().item(), 'whole 8×8 patches');
    assert.ok(out.select(0, 1).eq(0.25).equal(hidden), 'per-channel fill');
    assert.throws(() => new HideAndSeek({ gridSizes: [] }), /HideAndSeek: gridSizes must be a non-empty array/);
    assert.throws(() => new HideAndSeek({ hideProb: 1.5 }), /HideAndSeek: hideProb must be in \[0, 1\]/);
  }));
});

describe('GridMask', () => {
  /** The exact mean kept share of mode 0 over d uniform in [dMin, dMax]: 1 − ((d − ⌈r·d⌉)/d)². */
  const expectedKept = (dMin: number, dMax: number, r: number, mode: 0 | 1) => {
    let total = 0;
    for (let d = dMin; d <= dMax; d++) {
      const dropped = ((d - Math.ceil(r * d)) / d) ** 2;
      total += mode === 0 ? 1 - dropped : dropped;
    }
    return total / (dMax - dMin + 1);
  };
  const kept = (options: ConstructorParameters<typeof GridMask>[0], count: number, seed: number, epoch?: number) =>
    torch.tidy(() => perImageMean(withRandom(new Random(seed), () => new GridMask(options).forward(torch.ones([count, 1, 32, 32])), epoch)));

  test('mode 0 keeps 1 − ((d − ⌈r·d⌉)/d)² of the pixels on average (≈ 1 − (1 − r)²); mode 1 keeps the rest', () => {
    for (const mode of [0, 1] as const) {
      const shares = kept({ dMin: 8, dMax: 16, ratio: 0.6, mode, p: 1 }, 2000, 31 + mode);
      const expected = expectedKept(8, 16, 0.6, mode);
      assert.ok(Math.abs(meanOf(shares) - expected) <= 4 * Math.sqrt(varianceOf(shares) / shares.length), `mode ${mode}: kept ${meanOf(shares)} vs ${expected}`);
    }
    assert.ok(Math.abs(expectedKept(8, 16, 0.6, 0) - (1 - 0.4 ** 2)) < 0.06, 'the ceiling moves the keep ratio only a little');
  });

  test('rotated masks keep the same share; default d range scales with the image', () => {
    const shares = kept({ ratio: 0.5, rotate: 360, p: 1 }, 1500, 33);
    // d in [round(96/224·32), 32] = [14, 32].
    const expected = expectedKept(14, 32, 0.5, 0);
    assert.ok(Math.abs(meanOf(shares) - expected) < 0.02, `rotated: kept ${meanOf(shares)} vs ${expected}`);
    assert.deepEqual(new GridMask().periods(32, 48), [14, 32]);
  });

  test('p ramps up linearly over rampEpochs; no epoch means the full p', () => {
    const masked = (epoch?: number) => kept({ p: 0.8, rampEpochs: 4, dMin: 8, dMax: 8 }, 1000, 34, epoch).filter((s) => s < 1).length / 1000;
    assert.equal(masked(0), 0);
    assert.ok(Math.abs(masked(2) - 0.4) < 0.07, `epoch 2: ${masked(2)}`);
    assert.ok(Math.abs(masked(10) - 0.8) < 0.07, `epoch 10: ${masked(10)}`);
    assert.ok(Math.abs(masked() - 0.8) < 0.07, `no epoch: ${masked()}`);
  });

  test('one seed gives one mask, on one image and on each image of a batch, on every device; no leaks', () => torch.tidy(() => {
    for (const device of devices) {
      const gridMask = new GridMask({ rotate: 90, p: 1, fill: [0.5, 0.5, 0.5] });
      const batch = torch.ones([6, 3, 24, 24], { device });
      const a = withRandom(new Random(35), () => gridMask.forward(batch));
      assert.ok(a.equal(withRandom(new Random(35), () => gridMask.forward(batch))));
      assert.ok(withRandom(new Random(35), () => gridMask.forward(batch.select(0, 0))).equal(a.select(0, 0)));
      assert.ok(!a.select(0, 0).equal(a.select(0, 1)), 'images draw their own grids');
      gridMask.forward(batch).dispose();
      const before = torch.memory().numTensors;
      for (let k = 0; k < 10; k++) gridMask.forward(batch).dispose();
      assert.equal(torch.memory().numTensors, before);
    }
    assert.throws(() => new GridMask({ dMin: 20, dMax: 10 }), /GridMask: dMin must not exceed dMax/);
    assert.throws(() => new GridMask({ mode: 2 as never }), /GridMask: mode must be 0 \(drop the squares\) or 1/);
    assert.throws(() => new GridMask({ dMin: 40 }).forward(torch.ones([1, 32, 32])), /GridMask: dMin \(40\) exceeds dMax \(32\)/);
    assert.equal(new GridMask().toString(), 'GridMask(ratio=0.6, rotate=0.0, mode=0, p=0.8, ramp_epochs=0, fill=0)');
  }));
});

describe('every erasing transform', () => {
  test('frees every tensor it makes, on one image and on a batch', () => {
    const batch = torch.rand([4, 3, 16, 16], { seed: 42 });
    const image = batch.select(0, 0);
    for (const transform of [new Cutout({ nHoles: 2 }), new HideAndSeek(), new GridMask({ p: 1 }), new RandomErasing({ p: 1 })]) {
      transform.forward(batch).dispose();
      transform.forward(image).dispose();
      const before = torch.memory().numTensors;
      for (let k = 0; k < 10; k++) {
        transform.forward(batch).dispose();
        transform.forward(image).dispose();
      }
      assert.equal(torch.memory().numTensors, before, String(transform));
    }
    torch.dispose([batch, image]);
  });
});

describe('in DataLoader worker threads', () => {
  test('each transform rebuilds from its workerSpec and draws per sample what the main thread draws; GridMask reads the epoch', async () => {
    const images = torch.rand([12, 3, 16, 16], { seed: 40 });
    const labels = torch.arange(12);
    const transforms = [new RandomErasing({ p: 0.7, value: 'random' }), new Cutout({ nHoles: 2, length: 6 }), new HideAndSeek({ fill: [0.1, 0.2, 0.3] }),
      new GridMask({ rotate: 45, p: 1, rampEpochs: 2 })];
    for (const transform of transforms) {
      const dataset = new TransformedDataset(new TensorDataset(images, labels), transform);
      const epochs = async (numWorkers: number) => {
        const loader = new DataLoader(dataset, { batchSize: 5, seed: 41, numWorkers });
        const out: Tensor[] = [];
        for (let epoch = 0; epoch < 2; epoch++) for await (const batch of loader) out.push(batch.inputs), batch.targets.dispose();
        return out;
      };
      const [here, there] = [await epochs(0), await epochs(1)];
      here.forEach((batch, k) => assert.ok(batch.equal(there[k]), `${transform}: batch ${k}`));
      if (transform instanceof GridMask) assert.ok(here.slice(0, 3).every((b, k) => b.equal(images.narrow(0, 5 * k, Math.min(5, 12 - 5 * k)))), 'epoch 0 of the ramp masks nothing');
      torch.dispose([here, there]);
    }
    torch.dispose([images, labels]);
  });
});
