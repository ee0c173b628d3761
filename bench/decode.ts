// The decoding cases: photo-sized JPEGs (bench/photos.ts), or the same pictures as PNGs, decoded to RGB pixels one at a
// time on one thread, in ms per image: cnnkit's readImage (libjpeg-turbo or libpng in the addon, the C×H×W tensor),
// PIL's Image.open(f).convert('RGB') (what torchvision's ImageFolder does per sample) and torchvision.io.decode_jpeg /
// decode_png, and sharp's own decode to raw pixels (one at a time, and with several in flight as libvips' threads
// allow). cnnkit and Python take turns, after an untimed pass.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';

import { readImage } from '../src/data/image.js';
import { makePhotoFolder } from './photos.js';
import { PYTHON } from './pytorch.js';

const SCRIPT = fileURLToPath(new URL('../../bench/pil_decode.py', import.meta.url));
const IN_FLIGHT = 8;

function cnnkitPass(paths: string[]): number {
  const start = performance.now();
  for (const path of paths) readImage(path).dispose();
  return (performance.now() - start) / paths.length;
}

async function sharpPass(paths: string[], inFlight: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  const reader = async () => {
    for (let i = next++; i < paths.length; i = next++) await sharp(paths[i]).raw().toBuffer();
  };
  await Promise.all(Array.from({ length: inFlight }, reader));
  return (performance.now() - start) / paths.length;
}

function pythonPasses(list: string, format: 'jpeg' | 'png'): { pil: number[]; torchvision: number[] } {
  const run = spawnSync(PYTHON, [SCRIPT, list, '1', format], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`PIL decoding failed: ${run.stderr.trim().split('\n').pop()}`);
  return JSON.parse(run.stdout);
}

export async function runDecodeCase(images: number, format: 'jpeg' | 'png') {
  const photos = makePhotoFolder(images, 1);
  const jpegs = readdirSync(photos.root).flatMap((c) => readdirSync(join(photos.root, c)).map((f) => join(photos.root, c, f)));
  // The PNGs: the same pictures, lossless at zlib level 6 (PIL's and sharp's default).
  const paths = format === 'jpeg' ? jpegs : await Promise.all(jpegs.map(async (jpeg) => {
    const png = jpeg.replace(/\.jpe?g$/i, '.png');
    await sharp(jpeg).png({ compressionLevel: 6 }).toFile(png);
    return png;
  }));
  const list = join(photos.root, 'files.txt');
  writeFileSync(list, paths.join('\n'));
  sharp.cache(false);
  try {
    cnnkitPass(paths);
    await sharpPass(paths, 1);
    const result = { cnnkit: [] as number[], pil: [] as number[], torchvision: [] as number[], sharp: [] as number[], sharpInFlight: [] as number[] };
    const ours = async () => {
      result.cnnkit.push(cnnkitPass(paths));
      result.sharp.push(await sharpPass(paths, 1));
      result.sharpInFlight.push(await sharpPass(paths, IN_FLIGHT));
    };
    const theirs = () => {
      const r = pythonPasses(list, format);
      result.pil.push(...r.pil);
      result.torchvision.push(...r.torchvision);
    };
    await ours();
    theirs();
    theirs();
    await ours();
    return { ...result, inFlight: IN_FLIGHT, files: format === 'jpeg' ? `${images} JPEGs, ${photos.kb.map((k) => k.toFixed(0)).join(' / ')} KB min / mean / max` : `${images} PNGs of those JPEGs` };
  } finally {
    rmSync(photos.root, { recursive: true, force: true });
  }
}
