// Writes small IDX files for the tests, byte by byte, independently of the reader under test.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `cnnkit-${prefix}-`));
}

/** An IDX file's bytes: magic (type byte, dimension count), big-endian sizes, then the payload as given. */
export function idxBytes(typeByte: number, shape: number[], payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = typeByte;
  header[3] = shape.length;
  shape.forEach((size, d) => header.writeUInt32BE(size, 4 + 4 * d));
  return Buffer.concat([header, payload]);
}

/** n MNIST-style images whose pixel p of image i is (i * 7 + p) % 256, so every value is known. */
export function pixels(n: number): Uint8Array {
  return Uint8Array.from({ length: n * 784 }, (_, k) => (Math.floor(k / 784) * 7 + (k % 784)) % 256);
}

export function write(path: string, bytes: Uint8Array, gzip = false): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

/** A split's two files in `folder`: prefix 'train' or 't10k'. */
export function writeSplit(folder: string, prefix: string, labels: number[], options: { gzip?: boolean } = {}): void {
  const ext = options.gzip ? '.gz' : '';
  write(join(folder, `${prefix}-images-idx3-ubyte${ext}`), idxBytes(0x08, [labels.length, 28, 28], pixels(labels.length)), options.gzip);
  write(join(folder, `${prefix}-labels-idx1-ubyte${ext}`), idxBytes(0x08, [labels.length], Uint8Array.from(labels)), options.gzip);
}
