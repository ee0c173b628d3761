import { describe, test } from 'node:test';

import assert from 'node:assert/strict';

import { Random, withRandom } from '../../src/torch/random.js';
import {
  CLAHE, ColorJitter, GaussianBlur, GaussianNoise, Grayscale, Normalize, RandomAdjustSharpness, RandomAutocontrast, RandomEqualize, RandomGrayscale,
  RandomInvert, RandomPosterize, RandomSolarize, ToDtype,
} from '../../src/transforms/color.js';
import * as F from '../../src/transforms/functional/index.js';
import { Transform } from '../../src/transforms/transform.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { assertParity, noReference } from './torchvision-reference.js';

// Tolerances against torchvision 0.14.1: uint8 results are exact (same float math, same truncation or rounding);
// float results within 1e-6 (1e-5 for the HSV round trip and the blur's kernel).
const parity: Record<string, [(x: Tensor) => Tensor, number]> = {
  brightness: [(x) => F.adjustBrightness(x, 1.3), 1e-6],
  brightness_u8: [(x) => F.adjustBrightness(x, 1.3), 0],
  contrast: [(x) => F.adjustContrast(x, 0.6), 1e-6],
  contrast_u8: [(x) => F.adjustContrast(x, 1.7), 0],
  saturation: [(x) => F.adjustSaturation(x, 1.7), 1e-6],
  saturation_u8: [(x) => F.adjustSaturation(x, 0.3), 0],
  hue: [(x) => F.adjustHue(x, 0.2), 1e-5],
  hue_negative_u8: [(x) => F.adjustHue(x, -0.35), 0],
  sharpness: [(x) => F.adjustSharpness(x, 2), 1e-6],
  sharpness_u8: [(x) => F.adjustSharpness(x, 0.4), 0],
  posterize_u8: [(x) => F.posterize(x, 3), 0],
  solarize: [(x) => F.solarize(x, 0.6), 0],
  solarize_u8: [(x) => F.solarize(x, 100), 0],
  invert_u8: [(x) => F.invert(x), 0],
  grayscale: [(x) => F.rgbToGrayscale(x), 1e-6],
  grayscale3_u8: [(x) => F.rgbToGrayscale(x, 3), 0],
  gaussian_blur: [(x) => F.gaussianBlur(x, 5, 1.3), 1e-5],
  gaussian_blur_xy_u8: [(x) => F.gaussianBlur(x, [3, 5], [0.8, 1.5]), 0],
  gaussian_blur_default_sigma: [(x) => F.gaussianBlur(x, 7), 1e-5],
  normalize: [(x) => F.normalize(x, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), 1e-6],
  autocontrast: [(x) => F.autocontrast(x), 1e-6],
  autocontrast_u8: [(x) => F.autocontrast(x), 0],
  equalize_u8: [(x) => F.equalize(x), 0],
  equalize_batch: [(x) => F.equalize(x), 0],
  convert_u8: [(x) => F.convertImageDtype(x, 'uint8'), 0],
};

describe('photometric kernels match torchvision 0.14.1', { skip: noReference }, () => {
  for (const [name, [fn, tolerance]] of Object.entries(parity)) test(name, () => assertParity(name, fn, tolerance));
});

const seeded = <T>(seed: number, fn: () => T): T => withRandom(new Random(seed), fn);
const maxDiff = (a: Tensor, b: Tensor): number => torch.tidy(() => Number(a.to('float32').sub(b.to('float32')).abs().max().item()));

/** OpenCV's CLAHE (imgproc/src/clahe.cpp, 8-bit path) written out pixel by pixel, as the reference for clahe(). */
function opencvClahe(pixels: Uint8Array, height: number, width: number, clipLimit: number, tilesY: number, tilesX: number): Uint8Array {
  let h = height, w = width;
  let src = (y: number, x: number) => pixels[y * width + x];
  if (height % tilesY !== 0 || width % tilesX !== 0) {
    h = height + tilesY - (height % tilesY);
    w = width + tilesX - (width % tilesX);
    const reflect = (i: number, n: number) => (i < n ? i : 2 * n - 2 - i);
    const original = src;
    src = (y, x) => original(reflect(y, height), reflect(x, width));
  }
  const [th, tw] = [h / tilesY, w / tilesX];
  const area = th * tw;
  const limit = clipLimit > 0 ? Math.max(Math.floor((clipLimit * area) / 256), 1) : 0;
  const lutScale = Math.fround(255 / area);
  const luts: Uint8Array[] = [];
  for (let ty = 0; ty < tilesY; ty++) for (let tx = 0; tx < tilesX; tx++) {
    const hist = new Array(256).fill(0);
    for (let y = ty * th; y < (ty + 1) * th; y++) for (let x = tx * tw; x < (tx + 1) * tw; x++) hist[src(y, x)]++;
    if (limit > 0) {
      let clipped = 0;
      for (let i = 0; i < 256; i++) if (hist[i] > limit) { clipped += hist[i] - limit; hist[i] = limit; }
      const batch = Math.floor(clipped / 256);
      let residual = clipped - batch * 256;
      for (let i = 0; i < 256; i++) hist[i] += batch;
      const step = Math.max(Math.floor(256 / Math.max(residual, 1)), 1);
      for (let i = 0; i < 256 && residual > 0; i += step, residual--) hist[i]++;
    }
    const lut = new Uint8Array(256);
    let sum = 0;
    for (let i = 0; i < 256; i++) { sum += hist[i]; lut[i] = Math.min(255, roundHalfEven(Math.fround(sum * lutScale))); }
    luts.push(lut);
  }
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    const tyf = Math.fround(Math.fround(y * Math.fround(1 / th)) - 0.5);
    const ty1 = Math.floor(tyf), ya = Math.fround(tyf - ty1);
    const [y1, y2] = [Math.max(ty1, 0), Math.min(ty1 + 1, tilesY - 1)];
    for (let x = 0; x < width; x++) {
      const txf = Math.fround(Math.fround(x * Math.fround(1 / tw)) - 0.5);
      const tx1 = Math.floor(txf), xa = Math.fround(txf - tx1);
      const [x1, x2] = [Math.max(tx1, 0), Math.min(tx1 + 1, tilesX - 1)];
      const v = pixels[y * width + x];
      const at = (ty: number, tx: number) => luts[ty * tilesX + tx][v];
      // OpenCV's float arithmetic, one rounding per operation.
      const f = Math.fround;
      const [xa1, ya1] = [f(1 - xa), f(1 - ya)];
      const top = f(f(at(y1, x1) * xa1) + f(at(y1, x2) * xa));
      const bottom = f(f(at(y2, x1) * xa1) + f(at(y2, x2) * xa));
      out[y * width + x] = Math.min(255, roundHalfEven(f(f(top * ya1) + f(bottom * ya))));
    }
  }
  return out;
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

describe('CLAHE', () => {
  const x = torch.tidy(() => torch.linspace(0, 1, 37 * 45).view(1, 37, 45).mul(120).add(torch.rand([2, 37, 45], { seed: 1 }).mul(100)).to('uint8'));

  test('matches OpenCV\'s algorithm (written out pixel by pixel), uneven tiles and clipping included, exactly', () => {
    for (const [clipLimit, tiles] of [[2, [8, 8]], [4, [3, 5]], [0, [4, 4]], [1, [5, 9]]] as [number, [number, number]][]) {
      torch.tidy(() => {
        const out = F.clahe(x, { clipLimit, tileGridSize: tiles });
        x.unbind(0).forEach((channel, c) => {
          const expected = opencvClahe(channel.contiguous().toTypedArray() as Uint8Array, 37, 45, clipLimit, ...tiles);
          assert.deepEqual(Array.from(out.select(0, c).contiguous().toTypedArray() as Uint8Array), Array.from(expected), `clipLimit ${clipLimit}, tiles ${tiles}`);
        });
      });
    }
  });

  test('one tile without a limit is classic equalization: round(255 · cdf(v) / pixels)', () => {
    torch.tidy(() => {
      const channel = x.select(0, 0).contiguous();
      const values = channel.toTypedArray() as Uint8Array;
      const cdf = new Array(256).fill(0);
      values.forEach((v) => cdf[v]++);
      for (let i = 1; i < 256; i++) cdf[i] += cdf[i - 1];
      const expected = Array.from(values, (v) => roundHalfEven(Math.fround(cdf[v] * Math.fround(255 / values.length))));
      assert.deepEqual(Array.from(F.clahe(channel.unsqueeze(0), { clipLimit: 0, tileGridSize: [1, 1] }).toTypedArray() as Uint8Array), expected);
    });
  });

  test('a lower clip limit flattens the mapping: less contrast gained than plain equalization', () => {
    torch.tidy(() => {
      const spread = (t: Tensor) => Number(t.to('float32').std().item());
      const limited = spread(F.clahe(x, { clipLimit: 1, tileGridSize: [1, 1] }));
      const unlimited = spread(F.clahe(x, { clipLimit: 0, tileGridSize: [1, 1] }));
      assert.ok(spread(x) < limited && limited < unlimited, `${spread(x)} < ${limited} < ${unlimited}`);
    });
  });

  test('batches, float images and the CLAHE class', () => {
    torch.tidy(() => {
      const batch = torch.stack([x, x.flip(2)]);
      const out = new CLAHE({ tileGridSize: [4, 4] }).forward(batch);
      assert.ok(out.select(0, 1).equal(F.clahe(x.flip(2), { tileGridSize: [4, 4] })));
      const f = F.convertImageDtype(x, 'float32');
      assert.ok(maxDiff(F.clahe(f), F.convertImageDtype(F.clahe(F.convertImageDtype(f, 'uint8')), 'float32')) === 0);
      assert.equal(String(new CLAHE()), 'CLAHE(clip_limit=2.0, tile_grid_size=(8, 8), p=1.0)');
      assert.throws(() => F.clahe(x, { tileGridSize: [0, 8] }), /clahe\(\): tileGridSize must be a pair \[rows, columns\] of positive integers/);
      assert.throws(() => F.clahe(x, { tileGridSize: [40, 8] }), /clahe\(\): tileGridSize \[40, 8\] has more tiles than the image 37×45 has pixels/);
    });
  });
});

describe('random photometric transforms', () => {
  const x = torch.rand([6, 3, 9, 10], { seed: 2 });

  test('ColorJitter: per-image factors in their ranges, applied in each image\'s own order', () => {
    const t = new ColorJitter({ brightness: 0.4, contrast: [0.5, 1.5], saturation: 0.3, hue: 0.1 });
    const random = new Random(1);
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const { order, factors: [b, c, s, h] } = ColorJitter.getParams(random, t.brightness, t.contrast, t.saturation, t.hue);
      seen.add(order.join());
      assert.ok(b! >= 0.6 && b! < 1.4 && c! >= 0.5 && c! < 1.5 && s! >= 0.7 && s! < 1.3 && h! >= -0.1 && h! < 0.1);
    }
    assert.equal(seen.size, 24, 'every order of the four adjustments occurs');
    torch.tidy(() => {
      for (const input of [x, x.mul(255).to('uint8')]) {
        const out = seeded(2, () => t.forward(input));
        const again = new Random(2);
        const adjust: ((img: Tensor, factor: number) => Tensor)[] = [F.adjustBrightness, F.adjustContrast, F.adjustSaturation, F.adjustHue];
        input.unbind(0).forEach((one, i) => {
          const { order, factors } = ColorJitter.getParams(again, t.brightness, t.contrast, t.saturation, t.hue);
          const expected = order.reduce((img, k) => adjust[k](img, factors[k]!), one);
          assert.ok(maxDiff(out.select(0, i), expected) <= 1e-6, `image ${i} (${input.dtype})`);
        });
      }
    });
    assert.equal(String(new ColorJitter({ brightness: 0.5 })), 'ColorJitter(brightness=(0.5, 1.5), contrast=None, saturation=None, hue=None)');
  });

  test('per-image factors as arrays or tensors equal the image-by-image results', () => {
    torch.tidy(() => {
      const factors = [0.2, 0.7, 1, 1.3, 1.9, 0];
      for (const fn of [F.adjustBrightness, F.adjustContrast, F.adjustSaturation, F.adjustSharpness]) {
        const byArray = fn(x, factors);
        assert.ok(maxDiff(byArray, fn(x, torch.tensor(factors))) <= 1e-6, `${fn.name}: tensor factors`);
        x.unbind(0).forEach((one, i) => assert.ok(maxDiff(byArray.select(0, i), fn(one, factors[i])) <= 1e-6, `${fn.name} image ${i}`));
      }
      const hues = [-0.5, -0.2, 0, 0.1, 0.3, 0.5];
      const byHue = F.adjustHue(x, hues);
      x.unbind(0).forEach((one, i) => assert.ok(maxDiff(byHue.select(0, i), F.adjustHue(one, hues[i])) <= 1e-6));
    });
  });

  test('GaussianBlur draws sigma per image in [min, max]; the batched kernel equals image-by-image blurs', () => {
    torch.tidy(() => {
      const out = seeded(3, () => new GaussianBlur(5, [0.5, 3]).forward(x));
      const again = new Random(3);
      x.unbind(0).forEach((one, i) => {
        const sigma = again.uniform(0.5, 3);
        assert.ok(maxDiff(out.select(0, i), F.gaussianBlur(one, 5, sigma)) < 1e-6, `image ${i}`);
      });
    });
  });

  test('RandomGrayscale greys images at rate p and keeps 3 channels', () => {
    torch.tidy(() => {
      const many = torch.rand([2000, 3, 1, 1], { seed: 4 });
      const out = seeded(5, () => new RandomGrayscale(0.25).forward(many));
      const grey = Number(out.select(1, 0).eq(out.select(1, 1)).logicalAnd(out.select(1, 1).eq(out.select(1, 2))).sum().item());
      // Binomial(2000, 0.25): sd 19.4, so ±4.6 sd.
      assert.ok(Math.abs(grey / 2000 - 0.25) < 0.045, `grey rate ${grey / 2000}`);
      assert.deepEqual(out.shape, [2000, 3, 1, 1]);
    });
  });

  test('GaussianNoise: noise of the stated mean and sigma, clipped to [0, 1], the same for the same seed', () => {
    torch.tidy(() => {
      const flat = torch.full([8, 3, 50, 50], 0.5);
      const noise = seeded(6, () => new GaussianNoise({ mean: 0.1, sigma: 0.2, clip: false }).forward(flat)).sub(0.5);
      assert.ok(Math.abs(Number(noise.mean().item()) - 0.1) < 0.005 && Math.abs(Number(noise.std().item()) - 0.2) < 0.005);
      const clipped = seeded(6, () => new GaussianNoise({ sigma: 1 }).forward(flat));
      assert.ok(Number(clipped.min().item()) === 0 && Number(clipped.max().item()) === 1);
      assert.ok(seeded(7, () => new GaussianNoise().forward(x)).equal(seeded(7, () => new GaussianNoise().forward(x))));
      assert.throws(() => new GaussianNoise().forward(x.mul(255).to('uint8')), /GaussianNoise: expects a float image, got uint8/);
    });
  });

  test('Normalize, ToDtype, Grayscale and the p-driven kernels', () => {
    torch.tidy(() => {
      const u = x.mul(255).to('uint8');
      assert.ok(new Normalize([0.4, 0.5, 0.6], [0.2, 0.3, 0.4]).forward(x).equal(F.normalize(x, [0.4, 0.5, 0.6], [0.2, 0.3, 0.4])));
      assert.ok(maxDiff(new ToDtype('float32', { scale: true }).forward(u), u.to('float32').div(255)) === 0);
      assert.ok(new ToDtype('float32').forward(u).equal(u.to('float32')));
      assert.ok(new Grayscale(3).forward(x).equal(F.rgbToGrayscale(x, 3)));
      for (const [t, fn] of [[new RandomEqualize(1), F.equalize], [new RandomAutocontrast(1), F.autocontrast], [new RandomInvert(1), F.invert],
        [new RandomPosterize(3, 1), (i: Tensor) => F.posterize(i, 3)], [new RandomSolarize(128, 1), (i: Tensor) => F.solarize(i, 128)],
        [new RandomAdjustSharpness(2, 1), (i: Tensor) => F.adjustSharpness(i, 2)]] as [Transform, (i: Tensor) => Tensor][]) {
        assert.ok(t.forward(u).equal(fn(u)), String(t));
        assert.ok(new (t.constructor as new (...a: unknown[]) => Transform)(...(t.workerSpec().args.slice(0, -1)), 0).forward(u).equal(u));
      }
      assert.equal(String(new RandomEqualize()), 'RandomEqualize(p=0.5)');
      assert.equal(String(new Normalize([0.5], [0.25])), 'Normalize(mean=[0.5], std=[0.25])');
    });
  });

  test('no tensors leak per batch', () => {
    const transforms: Transform[] = [new ColorJitter({ brightness: 0.3, contrast: 0.3, saturation: 0.3, hue: 0.2 }), new RandomGrayscale(0.5), new GaussianBlur(3),
      new RandomEqualize(), new RandomAutocontrast(), new RandomInvert(), new RandomPosterize(4), new RandomSolarize(0.5), new RandomAdjustSharpness(2), new CLAHE({ tileGridSize: [2, 3] })];
    const inputs = [x, x.mul(255).to('uint8'), x.select(0, 1)];
    const before = torch.memory().numTensors;
    for (let i = 0; i < 3; i++) for (const t of transforms) for (const input of inputs) t.forward(input).dispose();
    for (const input of [x, inputs[2]]) for (const t of [new GaussianNoise(), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]) t.forward(input).dispose();
    assert.equal(torch.memory().numTensors, before);
    torch.dispose(inputs.slice(1));
  });

  test('bad input names the function or class and what to do', () => {
    torch.tidy(() => {
      const four = torch.rand([2, 4, 5, 5]);
      assert.throws(() => F.adjustBrightness(four, 1.2), /adjustBrightness\(\): expects 1 or 3 channels \(dim -3\), got 4/);
      assert.throws(() => F.adjustContrast(x, -1), /adjustContrast\(\): contrastFactor must be at least 0, got -1/);
      assert.throws(() => F.adjustHue(x, 0.7), /adjustHue\(\): hueFactor must be in \[-0.5, 0.5\], got 0.7/);
      assert.throws(() => F.adjustSaturation(x, [1, 2]), /adjustSaturation\(\): saturationFactor must be a number or an array of 6 \(one per image\)/);
      assert.throws(() => F.adjustBrightness(x, torch.ones([2])), /adjustBrightness\(\): brightnessFactor as a tensor must hold 6 value\(s\)/);
      assert.throws(() => F.gaussianBlur(x, 4), /gaussianBlur\(\): kernelSize must be an odd positive integer/);
      assert.throws(() => F.gaussianBlur(x, 3, -1), /gaussianBlur\(\): sigma must be positive, got -1/);
      assert.throws(() => F.normalize(x.mul(255).to('uint8'), [0], [1]), /normalize\(\): expects a float image, got uint8/);
      assert.throws(() => F.normalize(x, [0, 0], [1, 1]), /normalize\(\): mean must be an array of 3 numbers/);
      assert.throws(() => F.posterize(x, 9), /posterize\(\): bits must be an integer from 0 to 8, got 9/);
      assert.throws(() => F.solarize(x, 2), /solarize\(\): threshold must be a number at most 1 for a float32 image, got 2/);
      assert.throws(() => F.equalize(x.to('int32')), /equalize\(\): expects a uint8 or float image, got int32/);
      assert.throws(() => new ColorJitter({ hue: 0.6 }), /ColorJitter: hue values must be in \[-0.5, 0.5\]/);
      assert.throws(() => new ColorJitter({ brightnes: 0.2 } as never), /ColorJitter/);
      assert.throws(() => new GaussianBlur(3, [2, 1]), /GaussianBlur: sigma must be a positive number or a pair \[min, max\]/);
    });
  });

  test('CUDA batches give the CPU results', { skip: !torch.cuda.isAvailable() && 'no CUDA device' }, () => {
    torch.tidy(() => {
      const u = x.mul(255).to('uint8');
      for (const input of [x, u]) {
        const gpu = input.cuda();
        for (const fn of [(t: Tensor) => F.adjustHue(t, [0.1, -0.2, 0.3, 0, 0.5, -0.5]), (t: Tensor) => F.gaussianBlur(t, 5, [[1, 1], [2, 2], [0.5, 1], [1, 3], [1, 1], [2, 1]]),
          (t: Tensor) => F.equalize(t), (t: Tensor) => F.autocontrast(t), (t: Tensor) => F.clahe(t, { tileGridSize: [2, 2] }),
          (t: Tensor) => F.adjustContrast(t, torch.tensor([0.5, 1, 1.5, 2, 0, 0.1]).to(t.device))]) {
          const out = fn(gpu);
          assert.equal(out.device, gpu.device);
          assert.ok(maxDiff(out.cpu(), fn(input)) <= (input.dtype === 'uint8' ? 1 : 1e-5));
        }
      }
    });
  });
});
