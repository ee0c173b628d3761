import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { checkImageFiles, decodeImage, readImage, saveImage } from '../../src/data/image.js';
import { makeGrid } from '../../src/data/image-grid.js';
import { arange, tensor } from '../../src/torch/creation.js';
import { dispose, memory, tidy } from '../../src/torch/scope.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { dir, gray16Values, HEIGHT, maxDifference, noReference, pixels, reference, WIDTH } from './image-fixtures.js';

const file = (name: string) => join(dir, name);
const decoded = (name: string, options = {}) => readImage(file(name), options);

/** Decodes, compares with the reference case and frees the tensor; gives the largest difference. */
function differenceFrom(name: string, options: object, key: string): number {
  const image = decoded(name, options);
  try {
    return maxDifference(image, reference![key]);
  } finally {
    image.dispose();
  }
}

test('PNG, lossless WebP and 16-bit PNG decode exactly as torchvision and PIL do, in every mode', { skip: noReference }, () => {
  const exact: [string, object, string][] = [
    ['rgb.png', {}, 'rgb.png'],
    ['rgb.png', { mode: 'gray' }, 'rgb.png gray'],
    ['gray.png', { mode: 'unchanged' }, 'gray.png'],
    ['gray.png', {}, 'gray.png rgb'],
    ['rgba.png', { mode: 'unchanged' }, 'rgba.png'],
    ['rgba.png', { mode: 'rgba' }, 'rgba.png'],
    ['rgba.png', {}, 'rgba.png rgb'],
    ['rgba.png', { mode: 'gray' }, 'rgba.png gray'],
    ['gray-alpha.png', { mode: 'unchanged' }, 'gray-alpha.png'],
    ['gray-alpha.png', { mode: 'rgba' }, 'gray-alpha.png rgba'],
    ['gray-alpha.png', {}, 'gray-alpha.png rgb'],
    ['lossless.webp', {}, 'lossless.webp'],
    ['gray16.png', { mode: 'unchanged' }, 'gray16.png'],
    ['gray16.png', { mode: 'unchanged', keep16Bit: true }, 'gray16.png keep'],
  ];
  for (const [name, options, key] of exact) assert.equal(differenceFrom(name, options, key), 0, `${name} ${JSON.stringify(options)}`);
  const image = decoded('rgb.png');
  assert.equal(image.dtype, 'uint8');
  assert.deepEqual(image.shape, [3, HEIGHT, WIDTH]);
  // The source pixels themselves, HWC → CHW.
  const source = pixels(3);
  assert.equal(Number(image.index(2, 5, 7).item()), source[(5 * WIDTH + 7) * 3 + 2]);
  image.dispose();
  const wide = decoded('gray16.png', { keep16Bit: true });
  assert.equal(wide.dtype, 'int32');
  assert.deepEqual(wide.shape, [3, HEIGHT, WIDTH], 'rgb mode repeats the gray channel');
  assert.equal(Number(wide.index(1, 0, 1).item()), gray16Values[1]);
  wide.dispose();
});

test('a JPEG written by sharp decodes to exactly PIL\'s pixels (both libjpeg-turbo), and EXIF orientation 6 is applied', { skip: noReference }, () => {
  assert.equal(differenceFrom('rgb.jpg', {}, 'rgb.jpg'), 0);
  const rotated = decoded('exif6.jpg');
  assert.deepEqual(rotated.shape, [3, WIDTH, HEIGHT], 'orientation 6 turns the image a quarter clockwise');
  assert.equal(maxDifference(rotated, reference!['exif6.jpg']), 0);
  const upright = decoded('rgb.jpg');
  // A quarter turn clockwise: row r of the result is column r of the original, read bottom to top.
  assert.ok(rotated.equal(upright.transpose(1, 2).flip(2)));
  dispose([rotated, upright]);
});

test('a CMYK JPEG comes out as RGB close to the colours it was made from', () => {
  const image = decoded('cmyk.jpg');
  assert.deepEqual(image.shape, [3, HEIGHT, WIDTH]);
  const source = tidy(() => tensor(pixels(3, true), { shape: [HEIGHT, WIDTH, 3] }).permute(2, 0, 1).to('float32'));
  // To CMYK and back through sharp's ICC profiles (as PIL's naive formula would not): close on average, not exact.
  const meanError = tidy(() => Number(image.to('float32').sub(source).abs().mean().item()));
  assert.ok(meanError < 16, `mean error ${meanError}`);
  dispose([image, source]);
});

test('decodeImage reads bytes in memory as readImage reads the file; size resizes while decoding', () => {
  const fromFile = decoded('rgb.png');
  const fromBytes = decodeImage(readFileSync(file('rgb.png')));
  assert.ok(fromFile.equal(fromBytes));
  const cover = decoded('rgb.png', { size: 8 });
  assert.deepEqual(cover.shape, [3, 8, 8]);
  const fill = decoded('rgb.png', { size: [5, 9], fit: 'fill' });
  assert.deepEqual(fill.shape, [3, 5, 9]);
  const gray = decoded('rgb.jpg', { mode: 'gray', size: 4 });
  assert.deepEqual(gray.shape, [1, 4, 4]);
  dispose([fromFile, fromBytes, cover, fill, gray]);
});

test('corrupt and truncated files, and bad arguments, are errors that say what is wrong', () => {
  assert.throws(() => decoded('corrupt.jpg'), /^Error: readImage: cannot decode .*corrupt\.jpg: .*unsupported image format/);
  assert.throws(() => decoded('truncated.png'), /^Error: readImage: cannot decode .*truncated\.png: /);
  assert.throws(() => decoded('missing.png'), /^Error: readImage: cannot decode .*missing\.png: .*missing/);
  assert.throws(() => decodeImage(Buffer.from('nope')), /^Error: decodeImage: cannot decode the 4-byte image/);
  assert.throws(() => decodeImage('rgb.png' as never), /^TypeError: decodeImage: needs the encoded bytes/);
  assert.throws(() => readImage(''), /^TypeError: readImage: path must be a file path/);
  assert.throws(() => decoded('rgb.png', { mode: 'cmyk' }), /^RangeError: readImage: mode must be 'rgb', 'gray', 'rgba' or 'unchanged', got "cmyk"/);
  assert.throws(() => decoded('rgb.png', { size: 0 }), /^RangeError: readImage: size must be a positive integer/);
  assert.throws(() => decoded('rgb.png', { size: [4] }), /^RangeError: readImage: size must be/);
  assert.throws(() => decoded('rgb.png', { fit: 'fill' }), /^TypeError: readImage: fit goes with size/);
  // The header check: cheap, and it catches what is not an image (a truncated file's header still reads).
  const faults = checkImageFiles([file('rgb.png'), file('corrupt.jpg'), file('truncated.png')]);
  assert.equal(faults[0], null);
  assert.match(faults[1]!, /unsupported image format/);
});

test('saveImage writes PNG exactly, rounds float pixels as torchvision save_image, and writes JPEG and WebP', () => {
  const image = decoded('rgba.png', { mode: 'unchanged' });
  saveImage(file('saved.png'), image);
  const back = readImage(file('saved.png'), { mode: 'unchanged' });
  assert.ok(back.equal(image));
  // 0.5/255 rounds up; values outside [0, 1] are clamped.
  const float = tensor([[[0, 0.25, 0.5, 1.2, -0.1, 127.5 / 255]]]);
  saveImage(file('float.png'), float);
  const read = readImage(file('float.png'), { mode: 'unchanged' });
  assert.deepEqual(read.tolist(), [[[0, 64, 128, 255, 0, 128]]]);
  // Lossy formats at quality 95 on a gradient with sharp wrap-around edges: a few levels off on average.
  const smooth = decoded('rgb.jpg');
  for (const name of ['saved.jpg', 'saved.webp']) {
    saveImage(file(name), smooth, { quality: 95 });
    const lossy = readImage(file(name));
    const meanError = tidy(() => Number(lossy.to('float32').sub(smooth.to('float32')).abs().mean().item()));
    assert.ok(meanError < 8, `${name}: mean error ${meanError}`);
    lossy.dispose();
  }
  assert.throws(() => saveImage(file('saved.gif'), image), /^RangeError: saveImage: cannot tell the format of ".*saved\.gif"; end the file name in \.png/);
  assert.throws(() => saveImage(file('x.png'), tensor([1, 2])), /^TypeError: saveImage: expects an image C×H×W or a batch N×C×H×W tensor/);
  assert.throws(() => saveImage(file('x.png'), tensor([[[1]], [[1]], [[1]], [[1]], [[1]]])), /^RangeError: saveImage: an image has 1, 2, 3 or 4 channels, got 5/);
  assert.throws(() => saveImage(file('x.png'), tensor([[[1]]], { dtype: 'int64' })), /^TypeError: saveImage: expects uint8 \(0\.\.255\) or floating-point \(0\.\.1\) pixels, got int64/);
  assert.throws(() => saveImage(file('x.jpg'), image, { quality: 0 }), /^RangeError: saveImage: quality must be an integer 1\.\.100, got 0/);
  dispose([image, back, float, read, smooth]);
});

test('makeGrid lays out a batch as torchvision make_grid does; saveImage saves a batch as its grid', { skip: noReference }, () => {
  const batch = arange(5 * 3 * 3 * 4).reshape(5, 3, 3, 4).to('float32').div_(180);
  const cases: [Tensor, string][] = [
    [makeGrid(batch, { nrow: 2, padding: 1, padValue: 0.5 }), 'grid'],
    [tidy(() => makeGrid(batch.mul(4).sub(1), { nrow: 3, normalize: true })), 'grid normalized'],
    [tidy(() => makeGrid(batch.narrow(1, 0, 1), { padding: 2 })), 'grid gray'],
  ];
  for (const [grid, key] of cases) assert.ok(maxDifference(grid, reference![key]) < 1e-6, key);
  const single = makeGrid(batch.narrow(0, 0, 1));
  assert.deepEqual(single.shape, [3, 3, 4], 'one image comes back without padding');
  saveImage(file('grid.png'), batch, { nrow: 2, padding: 1, padValue: 0.5 });
  const saved = readImage(file('grid.png'));
  assert.deepEqual(saved.shape, cases[0][0].shape);
  assert.throws(() => makeGrid(batch, { nrow: 0 }), /^RangeError: makeGrid: nrow must be a positive integer, got 0/);
  assert.throws(() => makeGrid(batch.select(0, 0)), /^TypeError: makeGrid: expects an N×C×H×W batch or an array of C×H×W images/);
  dispose([batch, cases, single, saved]);
});

test('decoding in a loop leaves no tensor behind', () => {
  const before = memory().numTensors;
  for (let i = 0; i < 20; i++) {
    decoded('rgb.jpg', { size: 8 }).dispose();
    assert.throws(() => decoded('corrupt.jpg'));
  }
  assert.equal(memory().numTensors, before);
});
