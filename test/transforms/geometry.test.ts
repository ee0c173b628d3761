import { describe, test } from 'node:test';

import assert from 'node:assert/strict';

import { Random, withRandom } from '../../src/torch/random.js';
import * as F from '../../src/transforms/functional/index.js';
import {
  CenterCrop, Pad, RandomAffine, RandomCrop, RandomHorizontalFlip, RandomResizedCrop, RandomRotation, RandomVerticalFlip, Resize,
} from '../../src/transforms/geometry.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { assertParity, noReference } from './torchvision-reference.js';

// Tolerances against torchvision 0.14.1: exact for flips, crops, padding and every uint8 result (same float math, same
// rounding); 1e-5 for float nearest sampling and resizing; 1e-4 for float bilinear sampling.
const parity: Record<string, [(x: Tensor) => Tensor, number]> = {
  hflip: [(x) => F.hflip(x), 0],
  vflip: [(x) => F.vflip(x), 0],
  rotate30_nearest: [(x) => F.rotate(x, 30), 1e-5],
  'rotate-45_bilinear': [(x) => F.rotate(x, -45, { interpolation: 'bilinear' }), 1e-4],
  rotate90_nearest_u8: [(x) => F.rotate(x, 90), 0],
  rotate30_bilinear_fill: [(x) => F.rotate(x, 30, { interpolation: 'bilinear', fill: [0.5, 0.25, 1] }), 1e-4],
  rotate30_nearest_fill_u8: [(x) => F.rotate(x, 30, { fill: 7 }), 0],
  rotate30_expand: [(x) => F.rotate(x, 30, { interpolation: 'bilinear', expand: true }), 1e-4],
  rotate20_center: [(x) => F.rotate(x, 20, { interpolation: 'bilinear', center: [3, 4] }), 1e-4],
  affine_nearest: [(x) => F.affine(x, { angle: 20, translate: [2, -1], scale: 1.2, shear: [10, 5] }), 1e-5],
  affine_bilinear_u8: [(x) => F.affine(x, { angle: -15, translate: [1, 2], scale: 0.8, shear: [0, -8], interpolation: 'bilinear', fill: 0 }), 0],
  affine_bilinear_center: [(x) => F.affine(x, { angle: 33, scale: 1.1, shear: 12, interpolation: 'bilinear', fill: 0.3, center: [2, 8] }), 1e-4],
  affine_batch: [(x) => F.affine(x, { angle: 10, translate: [1, 1], scale: 0.9, shear: 5, interpolation: 'bilinear' }), 1e-4],
  resize_bilinear_aa: [(x) => F.resize(x, [7, 9]), 1e-5],
  resize_bilinear_noaa: [(x) => F.resize(x, [7, 9], { antialias: false }), 1e-5],
  resize_up_bilinear_u8: [(x) => F.resize(x, [15, 20]), 0],
  // Enlarging float images runs plain bilinear, whose weights antialiased bilinear has when enlarging.
  resize_up_bilinear_aa: [(x) => F.resize(x, [15, 20]), 1e-6],
  resized_crop_up_batch: [(x) => F.resizedCrop(x, 2, 3, 5, 7, [16, 17]), 1e-6],
  resize_short_edge_aa_u8: [(x) => F.resize(x, 6), 0],
  resize_nearest: [(x) => F.resize(x, [5, 17], { interpolation: 'nearest' }), 0],
  resize_bicubic_aa: [(x) => F.resize(x, [8, 6], { interpolation: 'bicubic' }), 1e-5],
  resize_max_size: [(x) => F.resize(x, 8, { maxSize: 9 }), 1e-5],
  center_crop: [(x) => F.centerCrop(x, [6, 7]), 0],
  center_crop_pad: [(x) => F.centerCrop(x, [14, 16]), 0],
  crop_outside: [(x) => F.crop(x, -2, 9, 6, 7), 0],
  resized_crop: [(x) => F.resizedCrop(x, 2, 3, 7, 8, [5, 5]), 1e-5],
  pad_constant: [(x) => F.pad(x, [1, 2, 3, 4], { fill: 9 }), 0],
  pad_edge: [(x) => F.pad(x, [2, 1]), 0],
  pad_reflect: [(x) => F.pad(x, 3, { paddingMode: 'reflect' }), 0],
  pad_edge_mode: [(x) => F.pad(x, [1, 2, 3, 4], { paddingMode: 'edge' }), 0],
  pad_symmetric: [(x) => F.pad(x, [2, 3, 1, 4], { paddingMode: 'symmetric' }), 0],
};

describe('geometric kernels match torchvision 0.14.1', { skip: noReference }, () => {
  for (const [name, [fn, tolerance]] of Object.entries(parity)) test(name, () => assertParity(name, fn, tolerance));
});

const image = (seed: number, shape = [4, 3, 12, 16]) => torch.rand(shape, { seed });
const seeded = <T>(seed: number, fn: () => T): T => withRandom(new Random(seed), fn);
const maxDiff = (a: Tensor, b: Tensor): number => torch.tidy(() => Number(a.to('float32').sub(b.to('float32')).abs().max().item()));

describe('random geometric transforms', () => {
  test('RandomHorizontalFlip flips each image of a batch independently, at rate p', () => {
    torch.tidy(() => {
      const x = torch.arange(2).to('float32').view(1, 1, 1, 2).expand(4000, 1, 1, 2).contiguous();
      const out = seeded(1, () => new RandomHorizontalFlip(0.3).forward(x));
      const flipped = Number(out.select(3, 0).eq(1).sum().item());
      // Binomial(4000, 0.3): sd 29, so ±4.5 sd.
      assert.ok(Math.abs(flipped / 4000 - 0.3) < 0.033, `flip rate ${flipped / 4000}`);
      assert.ok(out.sum(3).eq(1).all().item(), 'every image is the original or its mirror');
    });
  });

  test('RandomVerticalFlip with p = 1 and p = 0; a single image stays C×H×W', () => {
    torch.tidy(() => {
      const x = image(2, [3, 5, 6]);
      assert.ok(new RandomVerticalFlip(1).forward(x).equal(F.vflip(x)));
      const kept = new RandomVerticalFlip(0).forward(x);
      assert.ok(kept.equal(x) && kept !== x);
    });
  });

  test('RandomResizedCrop: boxes within scale and ratio, and each image is the kernel applied to its own box', () => {
    const random = new Random(3);
    const areas: number[] = [];
    const logRatios: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const [top, left, h, w] = RandomResizedCrop.getParams(random, 400, 400, [0.08, 1], [3 / 4, 4 / 3]);
      assert.ok(top >= 0 && left >= 0 && top + h <= 400 && left + w <= 400);
      areas.push((h * w) / 160000);
      logRatios.push(Math.log(w / h));
    }
    // Sides are rounded to pixels: allow 1 % on the area and the ratio.
    assert.ok(Math.min(...areas) >= 0.08 * 0.99 && Math.max(...areas) <= 1);
    assert.ok(Math.min(...logRatios) >= Math.log(3 / 4) - 0.01 && Math.max(...logRatios) <= Math.log(4 / 3) + 0.01);
    assert.ok(Math.min(...areas) < 0.1 && Math.max(...areas) > 0.9, 'the whole scale range is drawn');
    assert.ok(Math.abs(logRatios.reduce((a, b) => a + b) / logRatios.length) < 0.02, 'log-ratio is symmetric about 0');
    torch.tidy(() => {
      const x = image(4);
      const out = seeded(5, () => new RandomResizedCrop([6, 7]).forward(x));
      assert.deepEqual(out.shape, [4, 3, 6, 7]);
      const again = new Random(5);
      x.unbind(0).forEach((one, i) => {
        const box = RandomResizedCrop.getParams(again, 12, 16, [0.08, 1], [3 / 4, 4 / 3]);
        assert.ok(maxDiff(out.select(0, i), F.resizedCrop(one, ...box, [6, 7])) < 1e-6, `image ${i}`);
      });
    });
  });

  test('RandomResizedCrop falls back to the central crop of the nearest ratio', () => {
    // No square of half the area fits a 1×100 strip: the fallback is the central crop of ratio 1, 1×1 in the middle.
    assert.deepEqual(RandomResizedCrop.getParams(new Random(0), 1, 100, [0.5, 0.6], [1, 1]), [0, 49, 1, 1]);
  });

  test('RandomRotation draws one angle per image in degrees and rotates each by its own', () => {
    torch.tidy(() => {
      const x = image(6);
      const out = seeded(7, () => new RandomRotation([-40, 40], { interpolation: 'bilinear' }).forward(x));
      const again = new Random(7);
      x.unbind(0).forEach((one, i) => {
        const angle = again.uniform(-40, 40);
        assert.ok(angle >= -40 && angle < 40);
        assert.ok(maxDiff(out.select(0, i), F.rotate(one, angle, { interpolation: 'bilinear', fill: 0 })) < 1e-6, `image ${i}`);
      });
    });
  });

  test('RandomAffine: parameters in their ranges, translations in whole pixels, one grid per image', () => {
    const random = new Random(8);
    for (let i = 0; i < 500; i++) {
      const p = RandomAffine.getParams(random, [-10, 10], [0.25, 0.5], [0.8, 1.2], [-5, 5, -3, 3], 16, 12);
      assert.ok(p.angle >= -10 && p.angle < 10 && p.scale >= 0.8 && p.scale < 1.2);
      assert.ok(Number.isInteger(p.translate[0]) && Math.abs(p.translate[0]) <= 4 && Math.abs(p.translate[1]) <= 6);
      assert.ok(Math.abs(p.shear[0]) <= 5 && Math.abs(p.shear[1]) <= 3);
    }
    torch.tidy(() => {
      const x = image(9);
      const t = new RandomAffine(15, { translate: [0.1, 0.2], scale: [0.9, 1.1], shear: 8, fill: 0.5 });
      const out = seeded(10, () => t.forward(x));
      const again = new Random(10);
      x.unbind(0).forEach((one, i) => {
        const p = RandomAffine.getParams(again, [-15, 15], [0.1, 0.2], [0.9, 1.1], [-8, 8], 16, 12);
        assert.ok(maxDiff(out.select(0, i), F.affine(one, { ...p, fill: 0.5 })) < 1e-6, `image ${i}`);
      });
    });
  });

  test('RandomCrop pads, then crops each image at its own uniformly drawn corner', () => {
    torch.tidy(() => {
      const x = image(11, [64, 1, 4, 4]);
      const out = seeded(12, () => new RandomCrop(4, { padding: 2 }).forward(x));
      const again = new Random(12);
      const padded = F.pad(x, 2);
      const corners = new Set<string>();
      for (let i = 0; i < 64; i++) {
        const [top, left] = RandomCrop.getParams(again, 8, 8, [4, 4]);
        corners.add(`${top},${left}`);
        assert.ok(out.select(0, i).equal(F.crop(padded.select(0, i), top, left, 4, 4)));
      }
      assert.ok(corners.size > 15, `${corners.size} of 25 corners drawn`);
      assert.deepEqual(new RandomCrop([6, 9], { padIfNeeded: true }).forward(image(13, [3, 4, 5])).shape, [3, 6, 9]);
    });
  });

  test('Resize, CenterCrop and Pad are their kernels; torchvision printed forms', () => {
    torch.tidy(() => {
      const x = image(14);
      assert.ok(new Resize([6, 8]).forward(x).equal(F.resize(x, [6, 8])));
      assert.ok(new CenterCrop(5).forward(x).equal(F.centerCrop(x, 5)));
      assert.ok(new Pad([1, 2], { paddingMode: 'reflect' }).forward(x).equal(F.pad(x, [1, 2], { paddingMode: 'reflect' })));
    });
    assert.equal(String(new Resize(32)), 'Resize(size=32, interpolation=bilinear, max_size=None, antialias=True)');
    assert.equal(String(new RandomResizedCrop(224)), 'RandomResizedCrop(size=(224, 224), scale=(0.08, 1.0), ratio=(0.75, 1.3333), interpolation=bilinear, antialias=True)');
    assert.equal(String(new RandomRotation(30)), 'RandomRotation(degrees=[-30.0, 30.0], interpolation=nearest, expand=False, fill=0)');
    assert.equal(String(new RandomAffine(0, { translate: [0.1, 0.1] })), 'RandomAffine(degrees=[0.0, 0.0], translate=(0.1, 0.1))');
    assert.equal(String(new CenterCrop(10)), 'CenterCrop(size=(10, 10))');
  });

  test('one seed fixes every random parameter of a batch; another seed changes them', () => {
    torch.tidy(() => {
      const x = image(15);
      const t = () => [new RandomResizedCrop(8), new RandomRotation(30), new RandomAffine(10, { translate: [0.1, 0.1] }), new RandomCrop(10), new RandomHorizontalFlip()];
      const run = (seed: number) => seeded(seed, () => t().map((tr) => tr.forward(x)));
      const [a, b, c] = [run(16), run(16), run(17)];
      a.forEach((out, i) => assert.ok(out.equal(b[i]), `transform ${i} repeats`));
      assert.ok(a.some((out, i) => !out.equal(c[i])), 'a new seed draws new parameters');
      torch.manualSeed(3);
      const d = new RandomRotation(30).forward(x);
      torch.manualSeed(3);
      assert.ok(new RandomRotation(30).forward(x).equal(d), 'outside a DataLoader, torch.manualSeed decides');
    });
  });

  test('no tensors leak per batch', () => {
    const x = image(18);
    const transforms = [new RandomHorizontalFlip(), new RandomVerticalFlip(), new RandomResizedCrop(8), new RandomRotation(20), new RandomAffine(10, { scale: [0.9, 1.1] }),
      new RandomCrop(10, { padding: 1, paddingMode: 'symmetric' }), new Resize(6), new CenterCrop(7), new Pad(2)];
    const inputs = [x, x.mul(255).to('uint8'), x.select(0, 0)];
    const before = torch.memory().numTensors;
    for (let i = 0; i < 3; i++) for (const t of transforms) for (const input of inputs) t.forward(input).dispose();
    assert.equal(torch.memory().numTensors, before);
    torch.dispose(inputs);
  });

  test('bad input names the function or class and what to do', () => {
    torch.tidy(() => {
      const x = image(19);
      assert.throws(() => F.rotate(torch.rand([5, 5]), 10), /rotate\(\): expects an image C×H×W or a batch N×C×H×W/);
      assert.throws(() => F.rotate(x, [10, 20]), /rotate\(\): angle must be a number of degrees or an array of 4/);
      assert.throws(() => F.rotate(x, [10, 20, 30, 40], { expand: true }), /rotate\(\): expand needs one output size/);
      assert.throws(() => F.affine(x, { scale: 0 }), /affine\(\): scale must be positive, got 0/);
      assert.throws(() => F.resize(x, [0, 3]), /resize\(\): size must be a positive integer/);
      assert.throws(() => F.resize(x, 8, { interpolation: 'area' as never }), /resize\(\): interpolation must be one of/);
      assert.throws(() => F.pad(x, [1, 2, 3]), /pad\(\): padding must be an integer or an array of 1, 2 or 4/);
      assert.throws(() => F.pad(x, 20, { paddingMode: 'symmetric' }), /pad\(\): symmetric padding/);
      assert.throws(() => F.rotate(x, 10, { fill: [1, 2] }), /fill: give one value or one per channel \(3\)/);
      assert.throws(() => new RandomResizedCrop(8, { scale: [0.5, 0.1] }), /RandomResizedCrop: scale must be \[min, max\] with min ≤ max/);
      assert.throws(() => new RandomRotation(-5), /RandomRotation: degrees as a single number must be non-negative/);
      assert.throws(() => new RandomCrop(20).forward(x), /RandomCrop: the crop size \[20, 20\] is larger than the image size \[12, 16\]; set padIfNeeded/);
      assert.throws(() => new RandomHorizontalFlip(2), /RandomHorizontalFlip: p must be in \[0, 1\]/);
      assert.throws(() => new Resize(8, { antialias: 'yes' } as never), /Resize: antialias must be true or false/);
    });
  });

  test('CUDA batches give the CPU results', { skip: !torch.cuda.isAvailable() && 'no CUDA device' }, () => {
    torch.tidy(() => {
      const x = image(20);
      const gpu = x.cuda();
      for (const fn of [(t: Tensor) => F.rotate(t, [10, 20, 30, 40], { interpolation: 'bilinear' }), (t: Tensor) => F.resize(t, [6, 9]),
        (t: Tensor) => F.affine(t, { angle: 12, shear: [3, 4], scale: 1.1, fill: 0.2 }), (t: Tensor) => F.resizedCrop(t, [0, 1, 2, 3], 1, 8, [9, 8, 7, 6], 5),
        (t: Tensor) => F.pad(t, 2, { paddingMode: 'symmetric' })]) {
        const out = fn(gpu);
        assert.equal(out.device, gpu.device);
        assert.ok(maxDiff(out.cpu(), fn(x)) < 1e-4);
      }
      const flips = seeded(21, () => new RandomHorizontalFlip().forward(gpu));
      assert.ok(flips.cpu().equal(seeded(21, () => new RandomHorizontalFlip().forward(x))));
    });
  });
});
