// A small trained run to serve: cats reddish, dogs bluish, 20×20 JPEGs trained at 16×16 with featurewise statistics
// (so that serving goes through fitted preprocessing), and a few test images of other sizes and formats.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';

import { run } from '../../src/index.js';

export interface TinyRun {
  /** The run folder. */
  out: string;
  /** Test images: JPEG, PNG and WebP of several sizes (not square, so that decoding crops), a gray PNG, an RGBA WebP. */
  images: string[];
  remove(): void;
}

const colour = (kind: 'cat' | 'dog', i: number) => (kind === 'cat'
  ? { r: 200 - i * 5, g: 40 + i * 3, b: 30 + i * 4 }
  : { r: 30 + i * 4, g: 40 + i * 3, b: 200 - i * 5 });

/** A picture with a bright stripe on the left, so that its crop and orientation matter. */
async function picture(path: string, kind: 'cat' | 'dog', i: number, width: number, height: number, channels: 3 | 4 = 3): Promise<void> {
  const stripe = await sharp({ create: { width: Math.ceil(width / 4), height, channels: 3, background: { r: 250, g: 250, b: 250 } } }).png().toBuffer();
  const background = channels === 4 ? { ...colour(kind, i), alpha: 0.8 } : colour(kind, i);
  await sharp({ create: { width, height, channels, background } }).composite([{ input: stripe, left: 0, top: 0 }]).toFile(path);
}

export async function makeTinyRun(prefix: string): Promise<TinyRun> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const data = join(dir, 'pets');
  for (const kind of ['cat', 'dog'] as const) {
    mkdirSync(join(data, kind), { recursive: true });
    for (let i = 0; i < 16; i++) await picture(join(data, kind, `${i}.jpg`), kind, i, 20, 20);
  }
  const out = join(dir, 'run');
  await run.train({ data, imageSize: 16, epochs: 1, batchSize: 8, threads: 2, out, progress: 'quiet', augment: 'featurewise' });
  const images = [
    join(dir, 'cat-a.jpg'), join(dir, 'dog-a.jpg'), join(dir, 'cat-b.png'), join(dir, 'dog-b.png'),
    join(dir, 'cat-c.webp'), join(dir, 'dog-c.webp'), join(dir, 'dog-gray.png'), join(dir, 'cat-rgba.webp'),
  ];
  await picture(images[0], 'cat', 3, 40, 24);
  await picture(images[1], 'dog', 5, 24, 40);
  await picture(images[2], 'cat', 7, 33, 17);
  await picture(images[3], 'dog', 1, 16, 16);
  await picture(images[4], 'cat', 11, 64, 48);
  await picture(images[5], 'dog', 9, 21, 30);
  await sharp(images[3]).resize(30, 20).grayscale().toFile(images[6]);
  await picture(images[7], 'cat', 2, 28, 22, 4);
  return { out, images, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
