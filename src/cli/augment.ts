// `cnnkit augment`: augmented copies of an image folder written to disk (offline augmentation), a preview grid of
// what a recipe does (the input image, then augmented versions per technique), or the list of recipe names.
import { mkdirSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';

import { applyAll, augmentationPreview } from '../data/augmentation-preview.js';
import type { Dataset } from '../data/dataset.js';
import { ImageFolder } from '../data/image-folder.js';
import { readImage, saveImage } from '../data/image.js';
import { openDataset } from '../run/datasets.js';
import { readRecipe } from '../run/recipe.js';
import { Random, withRandom } from '../torch/random.js';
import { tidy } from '../torch/scope.js';
import { describeRecipe } from '../transforms/recipe.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UsageError } from '../util/usage-error.js';
import { StatusLine } from '../util/status-line.js';
import { parseFlags, type FlagSpec } from './args.js';

export const augmentFlags: FlagSpec = {
  augment: { type: 'string', about: 'the recipe, e.g. "hflip,affine(degrees=15,translate=0.1),randomErasing(0.5)" (see --list)' },
  data: { type: 'string', about: 'a folder of class folders of images' },
  copies: { type: 'number', about: 'augmented copies of each image to write to --out' },
  out: { type: 'string', about: 'the folder for the copies: the same class folders, plus manifest.csv' },
  preview: { type: 'string', about: 'draw a PNG grid instead: each input image, then augmented versions per technique and for the whole recipe' },
  dataset: { type: 'string', about: 'with --preview: a named data set (fashion-mnist or mnist) instead of --data' },
  images: { type: 'number', about: 'with --preview: input images, one row each (default 4)' },
  versions: { type: 'number', about: 'with --preview: augmented versions per technique (default 4)' },
  'image-size': { type: 'number', about: 'with --preview and --data: decode images at this size (default: as stored; all must match)' },
  seed: { type: 'number', about: 'random seed (default 0)' },
  list: { type: 'boolean', about: 'print the recipe names and their parameters' },
};

type Flags = Record<string, string | number | boolean>;

/** The grammar, printed above the list of names. */
const GRAMMAR = [
  'recipe: comma-separated techniques, each `name` or `name(value, key=value, …)`; per-sample techniques run in the order',
  'written, batch techniques (mixup, cutmix, …) after collation. Values: numbers (0.5, 1e-3), ranges a-b ([a, b]; -10-10),',
  'sizes N or HxW, lists a/b/c, true/false, words. A value without a name fills the shorthand parameters in order.',
].join('\n');

function count(flags: Flags, name: string, fallback?: number): number {
  const value = flags[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new UsageError(`augment: --${name} must be a positive integer, got ${value}`);
  return value;
}

export async function augment(args: string[]): Promise<void> {
  const flags = parseFlags('augment', args, augmentFlags);
  if (flags.list) {
    console.log(`${GRAMMAR}\n\n${describeRecipe()}`);
    return;
  }
  if (flags.preview !== undefined) return preview(flags);
  for (const name of ['data', 'copies', 'out']) {
    if (flags[name] === undefined) throw new UsageError(`augment: give --data DIR --copies K --out DIR2 --augment "…" to write copies, or --preview FILE.png, or --list`);
  }
  writeCopies(flags);
}

/** The file a copy goes to: the source's path under --out, with the copy index before the extension. */
function copyPath(out: string, root: string, source: string, copy: number): string {
  const ext = extname(source).toLowerCase();
  const kept = ext === '.jpg' || ext === '.jpeg' || ext === '.png' || ext === '.webp' ? ext : '.png';
  const base = relative(root, source).slice(0, -extname(source).length || undefined);
  return join(out, `${base}_aug${copy}${kept}`);
}

const csvField = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** K copies of each image of --data, in the same class folders under --out, and manifest.csv listing them. */
function writeCopies(flags: Flags): void {
  const root = flags.data as string;
  const out = flags.out as string;
  const copies = count(flags, 'copies');
  const seed = (flags.seed as number | undefined) ?? 0;
  const folder = new ImageFolder(root, { checkFiles: true });
  const recipe = readRecipe('augment', flags.augment, folder.classes.length);
  const refused = recipe.steps.filter((s) => s.stage !== 'sample');
  if (refused.length) {
    throw new UsageError(`augment: ${refused.map((s) => s.name).join(', ')} ${refused.length > 1 ? 'work' : 'works'} on batches or statistics of the training set, ` +
      'not on single files; use them with cnnkit train --augment');
  }
  const rows = ['source,copy,path,label'];
  const total = folder.samples.length * copies;
  const status = new StatusLine(process.stderr);
  let done = 0;
  folder.samples.forEach(([source, label], i) => {
    const image = readImage(source);
    try {
      for (let k = 0; k < copies; k++) {
        const path = copyPath(out, root, source, k);
        mkdirSync(dirname(path), { recursive: true });
        // Copy k of image i draws from (seed, k, i): the same files on every run, whatever else changes.
        tidy(() => saveImage(path, withRandom(new Random(seed, k, i), () => applyAll(recipe.sample, image), k), { quality: 95 }));
        rows.push([source, String(k), relative(out, path), folder.classes[label]].map(csvField).join(','));
        done++;
        status.draw(() => `augment: ${done}/${total} images written`, done === total);
      }
    } finally {
      image.dispose();
    }
  });
  status.end();
  writeFileAtomic(join(out, 'manifest.csv'), [Buffer.from(`${rows.join('\n')}\n`)]);
  console.log(`wrote ${total} images (${copies} per image of ${folder.samples.length}) to ${out}, listed in ${join(out, 'manifest.csv')}`);
}

interface PreviewSource {
  dataset: Dataset;
  classes: readonly string[];
}

function previewSource(flags: Flags): PreviewSource {
  if ((flags.data === undefined) === (flags.dataset === undefined)) throw new UsageError('augment: --preview needs the images: give --data DIR or --dataset fashion-mnist');
  if (flags.dataset !== undefined) {
    const named = openDataset(flags.dataset as string);
    return { dataset: named.train, classes: named.classes };
  }
  const size = flags['image-size'] === undefined ? undefined : count(flags, 'image-size');
  const folder = new ImageFolder(flags.data as string, size === undefined ? {} : { size });
  return { dataset: folder, classes: folder.classes };
}

/** The preview grid of --augment on --data or --dataset, written to the PNG file of --preview. */
async function preview(flags: Flags): Promise<void> {
  const file = flags.preview as string;
  if (extname(file).toLowerCase() !== '.png') throw new UsageError(`augment: --preview writes a PNG; end the file name in .png, got ${file}`);
  const images = count(flags, 'images', 4);
  const versions = count(flags, 'versions', 4);
  const source = previewSource(flags);
  const recipe = readRecipe('augment', flags.augment, source.classes.length);
  const png = await augmentationPreview(source.dataset, source.classes, recipe, { images, versions, seed: (flags.seed as number | undefined) ?? 0 });
  mkdirSync(dirname(file) || '.', { recursive: true });
  writeFileAtomic(file, [png]);
  const groups = recipe.steps.length > 1 ? recipe.steps.length + 1 : recipe.steps.length;
  console.log(`wrote ${file}: ${Math.min(images, source.dataset.length)} images, ${versions} versions of each of ${groups} column groups`);
}
