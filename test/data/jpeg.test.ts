// JPEG decoding through libjpeg-turbo against PIL's (test/data/jpeg_reference.py makes the files and PIL's pixels).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { decodeImage, readImage, readImages } from '../../src/data/image.js';
import { decodeJpeg } from '../../src/torch/jpeg.js';
import { dispose, memory, tidy } from '../../src/torch/scope.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { readInWorkers } from './read-in-workers.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-jpeg-'));
const script = fileURLToPath(new URL('../../../test/data/jpeg_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script, dir], { encoding: 'utf8', maxBuffer: 16 << 20 });
const made: { restart: boolean; cases: Record<string, { shape?: number[]; error?: string }> } | null = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = made ? false : `no PIL for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;
const file = (name: string) => join(dir, name);

/** The largest and the mean absolute difference from PIL's pixels for `key`, shapes checked first. */
function fromPil(image: Tensor, key: string): { max: number; mean: number } {
  const expected = made!.cases[key];
  assert.deepEqual(image.shape, expected.shape, `${key}: shape`);
  const pil = readFileSync(join(dir, `${key}.raw`));
  const ours = image.toTypedArray() as Uint8Array;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < pil.length; i++) {
    const d = Math.abs(pil[i] - ours[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / pil.length };
}

const FILES = ['baseline.jpg', 'progressive.jpg', 's420.jpg', 's422.jpg', 's444.jpg', 'gray.jpg', 'restart.jpg', ...Array.from({ length: 8 }, (_, k) => `exif${k + 1}.jpg`)];

test('JPEGs decode to exactly PIL\'s pixels: baseline, progressive, 4:2:0, 4:2:2, 4:4:4, gray, restart markers, every EXIF orientation', { skip: noReference }, () => {
  assert.ok(made!.restart, 'jpegtran (libjpeg-turbo-progs) made the restart-marker file');
  const before = memory().numTensors;
  for (const name of FILES) {
    for (const [mode, pilMode] of [['rgb', 'RGB'], ['gray', 'L']] as const) {
      const image = readImage(file(name), { mode });
      assert.equal(image.dtype, 'uint8');
      assert.deepEqual(fromPil(image, `${name} ${pilMode}`), { max: 0, mean: 0 }, `${name} ${mode}`);
      const fromBytes = decodeImage(readFileSync(file(name)), { mode });
      assert.ok(fromBytes.equal(image), `${name} ${mode}: decodeImage gives readImage's pixels`);
      dispose([image, fromBytes]);
    }
  }
  // Orientation 6 turns a quarter clockwise: row r of the result is column r of the upright file, read bottom to top.
  tidy(() => {
    const upright = readImage(file('exif1.jpg'));
    assert.ok(readImage(file('exif6.jpg')).equal(upright.transpose(1, 2).flip(2)));
  });
  assert.equal(memory().numTensors, before, 'no tensor left behind');
});

test('the other modes: a gray file stays 1 channel unchanged, rgba adds an opaque alpha', { skip: noReference }, () => {
  tidy(() => {
    const gray = readImage(file('gray.jpg'), { mode: 'unchanged' });
    assert.deepEqual(fromPil(gray, 'gray.jpg L'), { max: 0, mean: 0 });
    const colour = readImage(file('baseline.jpg'), { mode: 'unchanged' });
    assert.deepEqual(fromPil(colour, 'baseline.jpg RGB'), { max: 0, mean: 0 });
    const rgba = readImage(file('baseline.jpg'), { mode: 'rgba' });
    assert.deepEqual(rgba.shape, [4, 157, 203]);
    assert.ok(rgba.narrow(0, 0, 3).equal(colour));
    assert.equal(Number(rgba.select(0, 3).min().item()), 255);
    assert.deepEqual(readImage(file('gray.jpg'), { mode: 'rgba' }).shape, [4, 157, 203]);
  });
});

test('torch.decodeJpeg at DCT scale 1/2, 1/4 and 1/8 gives exactly PIL\'s draft pixels', { skip: noReference }, () => {
  for (const name of ['baseline.jpg', 's444.jpg']) {
    for (const scale of [2, 4, 8] as const) {
      const image = decodeJpeg(readFileSync(file(name)), { mode: 'rgb', scale });
      assert.deepEqual(fromPil(image, `${name} scale ${scale}`), { max: 0, mean: 0 }, `${name} 1/${scale}`);
      image.dispose();
    }
  }
  tidy(() => {
    const bytes = readFileSync(file('gray.jpg'));
    assert.deepEqual(decodeJpeg(bytes).shape, [1, 157, 203], 'unchanged: a gray file has one channel');
    assert.deepEqual(decodeJpeg(bytes, { mode: 'rgb', scale: 8 }).shape, [3, 20, 26], 'each side rounded up');
    assert.deepEqual(decodeJpeg(readFileSync(file('exif6.jpg'))).shape, [3, 23, 37], 'EXIF orientation is left to the caller');
  });
  assert.throws(() => decodeJpeg('x.jpg' as never), /^TypeError: decodeJpeg\(\): needs the file's bytes as a Buffer or Uint8Array, got "x\.jpg"/);
  assert.throws(() => decodeJpeg(readFileSync(file('gray.jpg')), { scale: 3 as never }), /^RangeError: decodeJpeg\(\): scale must be 1, 2, 4 or 8, got 3/);
  assert.throws(() => decodeJpeg(readFileSync(file('gray.jpg')), { mode: 'cmyk' as never }), /^RangeError: decodeJpeg\(\): mode must be 'unchanged', 'rgb' or 'gray'/);
  assert.throws(() => decodeJpeg(readFileSync(file('cmyk.jpg'))), /^Error: libjpeg-turbo: a CMYK JPEG has no RGB or gray pixels to give/);
});

test('with a size, DCT-scaled decoding then resizing is within 1 level of PIL\'s draft, BILINEAR resize and centre crop', { skip: noReference }, () => {
  // The draft scale PIL would take: 203×157 → 64 is 1/2, → 20 is 1/4 (157 // 20 = 7), → 150 is full size.
  const cases: [string, number, number, 'cover' | 'fill', 'rgb' | 'gray'][] = [
    ['baseline.jpg', 64, 64, 'cover', 'rgb'], ['baseline.jpg', 32, 40, 'cover', 'rgb'], ['baseline.jpg', 20, 20, 'cover', 'gray'],
    ['progressive.jpg', 48, 30, 'fill', 'rgb'], ['gray.jpg', 36, 36, 'cover', 'rgb'], ['exif6.jpg', 8, 5, 'cover', 'rgb'],
    ['baseline.jpg', 150, 150, 'cover', 'rgb'],
  ];
  for (const [name, height, width, fit, mode] of cases) {
    const image = readImage(file(name), { size: [height, width], fit, mode });
    const { max, mean } = fromPil(image, `${name} ${height}x${width} ${fit} ${mode === 'gray' ? 'L' : 'RGB'}`);
    // Float bilinear weights rounded once, against PIL's fixed-point ones: off by one level at most, on a few pixels.
    assert.ok(max <= 1 && mean < 0.25, `${name} ${height}×${width} ${fit}: max ${max}, mean ${mean.toFixed(3)}`);
    image.dispose();
  }
});

test('a CMYK JPEG goes to sharp, as before: RGB through colour profiles, not PIL\'s naive formula', { skip: noReference }, () => {
  tidy(() => {
    const image = readImage(file('cmyk.jpg'));
    assert.deepEqual(image.shape, [3, 157, 203]);
    // PIL made the file with its naive RGB → CMYK, so its own naive way back is closer here (6.8 levels on average
    // from the source) than sharp's profile-based conversion (about 24); a CMYK photo from a real workflow carries
    // a profile, which sharp follows and PIL does not.
    const source = readImage(file('s444.jpg')).to('float32');
    const meanError = Number(image.to('float32').sub(source).abs().mean().item());
    assert.ok(meanError > 5 && meanError < 32, `mean error ${meanError}`);
  });
});

test('truncated and corrupt JPEGs are errors naming the file and libjpeg-turbo\'s reason, as PIL refuses them too', { skip: noReference }, () => {
  assert.match(made!.cases['truncated.jpg RGB'].error!, /truncated/);
  assert.throws(() => readImage(file('truncated.jpg')), /^Error: readImage: cannot decode .*truncated\.jpg: libjpeg-turbo: Premature end of JPEG file/);
  const bytes = readFileSync(file('baseline.jpg'));
  // Garbage in the entropy-coded data after the header.
  const scrambled = Uint8Array.from(bytes, (b, i) => (i > bytes.length / 2 && i < bytes.length / 2 + 200 ? (b * 7 + 3) & 0xff : b));
  writeFileSync(file('scrambled.jpg'), scrambled);
  assert.throws(() => readImage(file('scrambled.jpg')), /^Error: readImage: cannot decode .*scrambled\.jpg: libjpeg-turbo: /);
  // A JPEG start with no frame after it.
  writeFileSync(file('header-only.jpg'), bytes.subarray(0, 20));
  assert.throws(() => readImage(file('header-only.jpg')), /^Error: readImage: cannot decode .*header-only\.jpg: /);
  assert.throws(() => decodeImage(bytes.subarray(0, 1000)), /^Error: decodeImage: cannot decode the 1000-byte image: libjpeg-turbo: /);
  // After each failure the thread's next JPEG still decodes (a failed decode once left the decompressor refusing it).
  for (const broken of [bytes.subarray(0, 20), bytes.subarray(0, 1000), scrambled]) {
    assert.throws(() => decodeImage(broken));
    dispose(decodeImage(bytes));
  }
  const [good, bad] = readImages([file('baseline.jpg'), file('truncated.jpg')]);
  assert.ok(!(good instanceof Error));
  assert.match(String(bad), /^Error: readImages: cannot decode .*truncated\.jpg: libjpeg-turbo: Premature end of JPEG file/);
  dispose(good as Tensor);
  const before = memory().numTensors;
  for (let i = 0; i < 10; i++) assert.throws(() => readImage(file('truncated.jpg')));
  assert.equal(memory().numTensors, before, 'a failed decode leaves no tensor');
});

test('in DataLoader worker threads: a truncated JPEG is an error naming it with strict, and skipped without', { skip: noReference }, async () => {
  const files: [string, string][] = [['a/1.jpg', 'baseline.jpg'], ['a/2.jpg', 'truncated.jpg'], ['b/1.jpg', 's444.jpg'], ['b/2.jpg', 'progressive.jpg']];
  const { strictError, seen, skipped } = await readInWorkers(join(dir, 'tree'), files.map(([target, source]) => [target, file(source)]), 32);
  assert.ok(strictError instanceof Error);
  assert.match(String(strictError), /ImageFolder: cannot read .*a\/2\.jpg: libjpeg-turbo: Premature end of JPEG file/);
  assert.equal(seen, 4, 'the truncated file\'s sample is the next readable one');
  assert.deepEqual(skipped.map((s) => [s.path.endsWith('a/2.jpg'), s.reason]), [[true, 'libjpeg-turbo: Premature end of JPEG file']]);
});
