import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { readIdx } from '../../src/data/index.js';
import { idxBytes, tempDir, write } from './idx-files.js';

const dir = tempDir('idx');
after(() => rmSync(dir, { recursive: true, force: true }));
const values = Uint8Array.from({ length: 24 }, (_, i) => i * 10);

test('readIdx reads a uint8 3-d file exactly, as a view of the file', () => {
  const path = write(join(dir, 'small-idx3-ubyte'), idxBytes(0x08, [2, 3, 4], values));
  const array = readIdx(path);
  assert.equal(array.dtype, 'uint8');
  assert.equal(array.magic, 0x00000803);
  assert.deepEqual(array.shape, [2, 3, 4]);
  assert.ok(array.data instanceof Uint8Array);
  assert.deepEqual([...array.data], [...values]);
});

test('readIdx gunzips .gz files, and gzip data under any name', () => {
  const gz = readIdx(write(join(dir, 'small-idx3-ubyte.gz'), idxBytes(0x08, [2, 3, 4], values), true));
  assert.deepEqual(gz.shape, [2, 3, 4]);
  assert.deepEqual([...gz.data], [...values]);
  const unnamed = readIdx(write(join(dir, 'gzip-without-suffix'), idxBytes(0x08, [24], values), true));
  assert.deepEqual([...unnamed.data], [...values]);
});

test('readIdx reads big-endian int32 and float32 values exactly', () => {
  const ints = Buffer.alloc(12);
  [-2, 70000, 2 ** 31 - 1].forEach((v, i) => ints.writeInt32BE(v, 4 * i));
  const int32 = readIdx(write(join(dir, 'ints-idx1'), idxBytes(0x0c, [3], ints)));
  assert.equal(int32.dtype, 'int32');
  assert.deepEqual([...int32.data], [-2, 70000, 2 ** 31 - 1]);
  const floats = Buffer.alloc(8);
  [1.5, -2.25].forEach((v, i) => floats.writeFloatBE(v, 4 * i));
  const float32 = readIdx(write(join(dir, 'floats-idx2'), idxBytes(0x0d, [1, 2], floats)));
  assert.equal(float32.dtype, 'float32');
  assert.deepEqual(float32.shape, [1, 2]);
  assert.deepEqual([...float32.data], [1.5, -2.25]);
});

test('a truncated IDX file is an error naming the file and the missing bytes', () => {
  const path = write(join(dir, 'cut-images-idx3-ubyte'), idxBytes(0x08, [2, 3, 4], values).subarray(0, 16 + 20));
  assert.throws(() => readIdx(path), (e: Error) => {
    assert.ok(e.message.includes(path), e.message);
    assert.match(e.message, /is truncated: its header describes 2×3×4 uint8 values \(24 bytes after the 16-byte header\) but only 20 bytes follow/);
    return true;
  });
  const header = write(join(dir, 'cut-header'), idxBytes(0x08, [2, 3, 4], values).subarray(0, 10));
  assert.throws(() => readIdx(header), /cut-header is truncated: 10 bytes, shorter than its 16-byte header/);
});

test('a wrong magic number is an error that says what an IDX magic number is', () => {
  const littleEndian = Buffer.from(idxBytes(0x08, [24], values));
  littleEndian.writeUInt32LE(0x00000801, 0);
  const path = write(join(dir, 'le-labels'), littleEndian);
  assert.throws(() => readIdx(path), (e: Error) => {
    assert.ok(e.message.startsWith(`${path}: magic number 0x01080000 is not an IDX magic number`), e.message);
    assert.match(e.message, /MNIST images start 0x00000803, labels 0x00000801/);
    return true;
  });
  assert.throws(() => readIdx(write(join(dir, 'bad-type'), idxBytes(0x0a, [24], values))), /magic number 0x00000a01 is not an IDX magic number/);
});

test('bytes beyond what the header describes, and damaged gzip data, are errors', () => {
  const long = write(join(dir, 'long-idx1'), idxBytes(0x08, [20], values));
  assert.throws(() => readIdx(long), /long-idx1: 4 bytes follow the 20 values its header describes; is it the right file\?/);
  const gz = gzipSync(idxBytes(0x08, [24], values));
  const damaged = write(join(dir, 'damaged.gz'), gz.subarray(0, gz.length - 12));
  assert.throws(() => readIdx(damaged), /damaged\.gz: gzip data that does not decompress \(.+\); the file is damaged or truncated/);
});
