// PNG decoding through libpng against PIL's (test/data/png_reference.py makes the files and PIL's pixels).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';

import { decodeImage, readImage, readImages } from '../../src/data/image.js';
import { decodePng } from '../../src/torch/png.js';
import { dispose, memory, tidy } from '../../src/torch/scope.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { readInWorkers } from './read-in-workers.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-png-'));
const script = fileURLToPath(new URL('../../../test/data/png_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script, dir], { encoding: 'utf8', maxBuffer: 16 << 20 });
const made: Record<string, { shape?: number[]; error?: string }> | null = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = made ? false : `no PIL for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;
const file = (name: string) => join(dir, name);

/** The largest and the mean absolute difference from PIL's pixels for `key`, shapes checked first. */
function fromPil(image: Tensor, key: string): { max: number; mean: number } {
  assert.deepEqual(image.shape, made![key].shape, `${key}: shape`);
  const pil = readFileSync(join(dir, `${key}.raw`));
  const ours = image.contiguous().toTypedArray() as Uint8Array;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < pil.length; i++) {
    const d = Math.abs(pil[i] - ours[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / pil.length };
}

const FILES = ['rgb.png', 'palette.png', 'palette4.png', 'palette-trns.png', 'rgb-trns.png', 'gray-trns.png', 'bilevel.png', 'gamma.png'];

test("PNGs decode to exactly PIL's pixels in every mode: palettes (8 and 4 bits), tRNS transparency, 1 bit, a gAMA chunk left alone", { skip: noReference }, () => {
  const before = memory().numTensors;
  for (const name of FILES) {
    for (const [mode, pilMode] of [['rgb', 'RGB'], ['gray', 'L'], ['rgba', 'RGBA']] as const) {
      tidy(() => {
        const image = readImage(file(name), { mode });
        assert.equal(image.dtype, 'uint8');
        assert.deepEqual(fromPil(image, `${name} ${pilMode}`), { max: 0, mean: 0 }, `${name} ${mode}`);
        assert.ok(decodeImage(readFileSync(file(name)), { mode }).equal(image), `${name} ${mode}: decodeImage gives readImage's pixels`);
      });
    }
  }
  assert.equal(memory().numTensors, before, 'no tensor left behind');
});

test('torch.decodePng gives the channels stored: a palette as RGB, tRNS as an alpha channel', { skip: noReference }, () => {
  const channels = Object.fromEntries(FILES.map((name) => [name, tidy(() => decodePng(readFileSync(file(name))).shape[0])]));
  assert.deepEqual(channels, {
    'rgb.png': 3, 'palette.png': 3, 'palette4.png': 3, 'palette-trns.png': 4, 'rgb-trns.png': 4, 'gray-trns.png': 2, 'bilevel.png': 1, 'gamma.png': 3,
  });
  tidy(() => {
    const image = decodePng(readFileSync(file('rgb.png')));
    assert.deepEqual(image.shape, [3, 61, 83]);
    assert.deepEqual(image.stride(), [1, 83 * 3, 3], 'a C×H×W view of the H×W×C rows, as decode_png');
  });
});

test('an interlaced (Adam7) PNG gives the pixels of the same image stored plainly', { skip: noReference }, async () => {
  await sharp(file('rgb.png')).png({ progressive: true }).toFile(file('interlaced.png'));
  assert.equal(readFileSync(file('interlaced.png'))[28], 1, 'the file says interlace method 1');
  tidy(() => assert.deepEqual(fromPil(readImage(file('interlaced.png')), 'rgb.png RGB'), { max: 0, mean: 0 }));
});

test("with a size, a PNG is resized as a JPEG is, as torchvision's Resize: within 1 level of PIL's BILINEAR", { skip: noReference }, () => {
  for (const [name, height, width, fit, mode] of [['rgb.png', 32, 32, 'cover', 'rgb'], ['rgb.png', 20, 50, 'fill', 'rgb'], ['palette.png', 24, 24, 'cover', 'gray']] as const) {
    tidy(() => {
      const { max, mean } = fromPil(readImage(file(name), { size: [height, width], fit, mode }), `${name} ${height}x${width} ${fit} ${mode === 'gray' ? 'L' : 'RGB'}`);
      assert.ok(max <= 1 && mean < 0.25, `${name} ${height}×${width} ${fit}: max ${max}, mean ${mean.toFixed(3)}`);
    });
  }
});

test('a PNG with an EXIF orientation goes to sharp, which turns it', { skip: noReference }, async () => {
  await sharp(file('rgb.png')).withMetadata({ orientation: 6 }).png().toFile(file('exif6.png'));
  assert.ok(readFileSync(file('exif6.png')).includes(Buffer.from('eXIf')), 'sharp wrote an eXIf chunk');
  tidy(() => {
    const turned = readImage(file('exif6.png'));
    assert.ok(turned.equal(readImage(file('rgb.png')).transpose(1, 2).flip(2)), 'a quarter turn clockwise');
  });
});

test("truncated and corrupt PNGs are errors naming the file and libpng's reason, as PIL refuses them too", { skip: noReference }, () => {
  assert.match(made!['truncated.png RGB'].error!, /truncated/);
  assert.match(made!['corrupt.png RGB'].error!, /broken data stream/);
  assert.throws(() => readImage(file('truncated.png')), /^Error: readImage: cannot decode .*truncated\.png: libpng: the file is truncated$/);
  assert.throws(() => readImage(file('corrupt.png')), /^Error: readImage: cannot decode .*corrupt\.png: libpng: /);
  const bytes = readFileSync(file('rgb.png'));
  assert.throws(() => decodeImage(bytes.subarray(0, 40)), /^Error: decodeImage: cannot decode the 40-byte image: libpng: the file is truncated/);
  assert.throws(() => decodePng(Buffer.from('not a png at all')), /libpng: not a PNG file \(no PNG signature\)/);
  assert.throws(() => decodePng('rgb.png' as never), /^TypeError: decodePng\(\): needs the file's bytes as a Buffer or Uint8Array, got/);
  const [good, bad] = readImages([file('rgb.png'), file('corrupt.png')]);
  assert.ok(!(good instanceof Error));
  assert.match(String(bad), /^Error: readImages: cannot decode .*corrupt\.png: libpng: /);
  dispose(good as Tensor);
  const before = memory().numTensors;
  for (let i = 0; i < 10; i++) {
    assert.throws(() => readImage(file('truncated.png')));
    assert.throws(() => readImage(file('corrupt.png')));
  }
  assert.equal(memory().numTensors, before, 'a failed decode leaves no tensor');
  tidy(() => assert.deepEqual(fromPil(readImage(file('rgb.png')), 'rgb.png RGB'), { max: 0, mean: 0 }, 'the next file decodes'));
});

test('in DataLoader worker threads: a corrupt PNG is an error naming it with strict, and skipped without', { skip: noReference }, async () => {
  const files: [string, string][] = [['a/1.png', 'rgb.png'], ['a/2.png', 'corrupt.png'], ['b/1.png', 'palette.png'], ['b/2.png', 'gamma.png']];
  const { strictError, seen, skipped } = await readInWorkers(join(dir, 'tree'), files.map(([target, source]) => [target, file(source)]), 16);
  assert.ok(strictError instanceof Error);
  assert.match(String(strictError), /ImageFolder: cannot read .*a\/2\.png: libpng: /);
  assert.equal(seen, 4, "the corrupt file's sample is the next readable one");
  assert.deepEqual(skipped.map((s) => s.path.endsWith('a/2.png')), [true]);
});
