// Image files for the image tests, written with sharp into a temporary folder, and PIL's and torchvision's decoding
// of them (test/data/images_reference.py, run with Debian's Python; the tests that need it skip without it).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';

import type { Tensor } from '../../src/torch/tensor.js';

export const dir = mkdtempSync(join(tmpdir(), 'cnnkit-images-'));
export const WIDTH = 20;
export const HEIGHT = 13;

/** Deterministic pixels, HWC: `smooth` gradients suit JPEG; otherwise every value differs from its neighbours. */
export function pixels(channels: number, smooth = false, width = WIDTH, height = HEIGHT): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        out[(y * width + x) * channels + c] = smooth ? (x * 11 + y * 7 + c * 60) % 256 : (x * 37 + y * 91 + c * 53 + x * y * 13) % 256;
      }
    }
  }
  return out;
}

const raw = (data: Uint8Array | Uint16Array, channels: 1 | 2 | 3 | 4, width = WIDTH, height = HEIGHT) => sharp(data, { raw: { width, height, channels } });

export const gray16Values = Uint16Array.from({ length: WIDTH * HEIGHT }, (_, i) => (i * 2731 + 129) % 65536);

await raw(pixels(3), 3).png().toFile(join(dir, 'rgb.png'));
await raw(pixels(1), 1).toColourspace('b-w').png().toFile(join(dir, 'gray.png'));
await raw(pixels(4), 4).png().toFile(join(dir, 'rgba.png'));
await raw(pixels(3), 3).webp({ lossless: true }).toFile(join(dir, 'lossless.webp'));
await raw(pixels(3, true), 3).jpeg({ quality: 95 }).toFile(join(dir, 'rgb.jpg'));
await raw(pixels(3, true), 3).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(join(dir, 'exif6.jpg'));
await raw(pixels(3, true), 3).toColourspace('cmyk').jpeg({ quality: 95 }).toFile(join(dir, 'cmyk.jpg'));
await raw(gray16Values, 1).toColourspace('grey16').png().toFile(join(dir, 'gray16.png'));
writeFileSync(join(dir, 'corrupt.jpg'), 'this is not an image');
const png = readFileSync(join(dir, 'rgb.png'));
writeFileSync(join(dir, 'truncated.png'), png.subarray(0, Math.floor(png.length * 0.6)));

// An ImageFolder tree: nested folders, an upper-case extension, a file that is no image, an empty non-class file.
const tree = join(dir, 'tree');
for (const [path, shade] of [['cat/b.png', 10], ['cat/a.png', 20], ['cat/sub/c.PNG', 30], ['dog/z.jpg', 40], ['dog/A.png', 50], ['bird/x.webp', 60]] as const) {
  mkdirSync(join(tree, path, '..'), { recursive: true });
  await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: shade, g: 100, b: 200 } } }).toFile(join(tree, path));
}
writeFileSync(join(tree, 'cat', 'notes.txt'), 'not an image');
writeFileSync(join(tree, 'README'), 'not a class');

const script = fileURLToPath(new URL('../../../test/data/images_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script, dir], { encoding: 'utf8', maxBuffer: 64 << 20 });

/** PIL's and torchvision's decoding of the fixtures, or why there is none. */
export const reference: Record<string, any> | null = run.status === 0 ? JSON.parse(run.stdout) : null;
export const noReference: string | false = reference ? false : `no PIL/torchvision for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

/** The largest absolute difference between a tensor's values and a reference's. */
export function maxDifference(actual: Tensor, expected: { shape: number[]; values: number[] }): number {
  if (actual.shape.join() !== expected.shape.join()) throw new Error(`shape [${actual.shape}] is not the reference's [${expected.shape}]`);
  const values = actual.toTypedArray();
  return expected.values.reduce((worst, v, i) => Math.max(worst, Math.abs(Number(values[i]) - v)), 0);
}
