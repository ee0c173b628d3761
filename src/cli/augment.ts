// `cnnkit augment`: augmented copies of an image folder written to disk (offline augmentation), a preview grid of
// what a recipe does (the input image, then augmented versions per technique), or the list of recipe names.
import { mkdirSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';

import sharp from 'sharp';

import type { Dataset } from '../data/dataset.js';
import { ImageFolder } from '../data/image-folder.js';
import { makeGrid } from '../data/image-grid.js';
import { readImage, saveImage } from '../data/image.js';
import { Random, withRandom } from '../torch/random.js';
import { full, tensor } from '../torch/creation.js';
import { stack } from '../torch/functions.js';
import { dispose, tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { describeRecipe, parseRecipe, type Recipe, type RecipeStep } from '../transforms/recipe.js';
import type { MixingTransform, Transform } from '../transforms/transform.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { parseFlags, type FlagSpec } from './args.js';
import { openDataset } from './datasets.js';
import { UsageError } from './usage-error.js';

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

/** The recipe of --augment; its mistakes are usage errors (exit code 2). `command` names the sub-command in messages. */
export function readRecipe(command: string, text: unknown, numClasses: number): Recipe {
  if (typeof text !== 'string') throw new UsageError(`${command}: give the recipe with --augment "…" (cnnkit augment --list shows the names)`);
  try {
    return parseRecipe(text, { numClasses });
  } catch (error) {
    throw new UsageError(`${command}: --augment: ${(error as Error).message}`);
  }
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
  const tty = process.stderr.isTTY;
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
        if (tty && (done % 20 === 0 || done === total)) process.stderr.write(`\raugment: ${done}/${total} images written\x1b[K`);
      }
    } finally {
      image.dispose();
    }
  });
  if (tty) process.stderr.write('\n');
  writeFileAtomic(join(out, 'manifest.csv'), [Buffer.from(`${rows.join('\n')}\n`)]);
  console.log(`wrote ${total} images (${copies} per image of ${folder.samples.length}) to ${out}, listed in ${join(out, 'manifest.csv')}`);
}

/** x through every transform in order (inside the caller's tidy scope). */
const applyAll = (transforms: Transform[], x: Tensor): Tensor => transforms.reduce((y, t) => t.forward(y), x);

/** The batch's inputs after the batch transforms. */
function applyBatch(transforms: MixingTransform[], inputs: Tensor, targets: Tensor): Tensor {
  return transforms.reduce((batch, t) => t.forward(batch, { epoch: 0 }), { inputs, targets }).inputs;
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

/** One group of columns of the preview: its header and a tile per (row, version). */
interface Column {
  label: string;
  /** tiles[row][version], float C×H×W. */
  tiles: Tensor[][];
}

/**
 * Tiles for display: values in [0, 1] (standardized or whitened images, which are not, are stretched from their own
 * min and max), three channels, each padded with white to the largest height and width so that the grid lines up.
 */
function displayTiles(columns: Column[], stretch: Set<Column>): Tensor[][] {
  const all = columns.flatMap((c) => c.tiles.flat());
  const height = Math.max(...all.map((t) => t.shape[1]));
  const width = Math.max(...all.map((t) => t.shape[2]));
  return columns.map((column) => column.tiles.flat().map((tile) => {
    let x = tile.to('float32');
    if (tile.dtype === 'uint8') x = x.div(255);
    if (stretch.has(column)) {
      const [low, high] = [Number(x.min().item()), Number(x.max().item())];
      x = x.sub(low).div(Math.max(high - low, 1e-6));
    }
    x = x.clamp(0, 1);
    if (x.shape[0] === 1) x = x.repeat(3, 1, 1);
    if (x.shape[1] === height && x.shape[2] === width) return x;
    const canvas = full([3, height, width], 1);
    canvas.narrow(1, Math.floor((height - x.shape[1]) / 2), x.shape[1]).narrow(2, Math.floor((width - x.shape[2]) / 2), x.shape[2]).copy_(x);
    return canvas;
  }));
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An SVG text, squeezed to `width` pixels when it would be wider. */
function svgText(text: string, x: number, y: number, width: number, anchor: 'middle' | 'start', size: number): string {
  const squeeze = 0.6 * size * text.length > width ? ` textLength="${width}" lengthAdjust="spacingAndGlyphs"` : '';
  const left = anchor === 'middle' && squeeze ? x - width / 2 : x;
  return `<text x="${left}" y="${y}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${size}" text-anchor="${squeeze ? 'start' : anchor}"${squeeze}>${escapeXml(text)}</text>`;
}

/** The preview grid: one row per input image; the input, then `versions` columns per technique and for the whole recipe. */
async function preview(flags: Flags): Promise<void> {
  const file = flags.preview as string;
  if (extname(file).toLowerCase() !== '.png') throw new UsageError(`augment: --preview writes a PNG; end the file name in .png, got ${file}`);
  const rowsWanted = count(flags, 'images', 4);
  const versions = count(flags, 'versions', 4);
  const seed = (flags.seed as number | undefined) ?? 0;
  const source = previewSource(flags);
  const recipe = readRecipe('augment', flags.augment, source.classes.length);
  for (const step of recipe.steps) {
    if ('fit' in step.transform) (step.transform as { fit(d: Dataset): unknown }).fit(source.dataset);
  }
  const n = Math.min(rowsWanted, source.dataset.length);
  // Rows spread over the data set, so that they show different classes whether it is sorted by class (a folder) or
  // its classes take turns (Fashion-MNIST).
  const picked = Array.from({ length: n }, (_, r) => Math.min(source.dataset.length - 1, Math.floor((r * source.dataset.length) / n) + r));
  const samples = picked.map((i) => source.dataset.get(i));
  const images = samples.map((s) => s.input);
  const labels = samples.map((s) => Number(s.target));
  const groups: { label: string; steps: RecipeStep[] }[] = recipe.steps.map((s) => ({ label: s.text, steps: [s] }));
  if (recipe.steps.length > 1) groups.push({ label: 'whole recipe', steps: recipe.steps });
  const columns: Column[] = [{ label: 'input', tiles: images.map((x) => [x]) }];
  const stretch = new Set<Column>();
  try {
    groups.forEach((group, g) => {
      const sample = group.steps.filter((s) => s.stage !== 'batch').map((s) => s.transform as Transform);
      const batch = group.steps.filter((s) => s.stage === 'batch').map((s) => s.transform as MixingTransform);
      const tiles: Tensor[][] = images.map(() => []);
      for (let v = 0; v < versions; v++) {
        // Version v of a group draws from (seed, group, version, row), the batch techniques from (seed, group, version).
        const made = tidy(() => {
          const perImage = images.map((x, r) => withRandom(new Random(seed, g, v, r), () => applyAll(sample, x), 0));
          if (batch.length === 0) return perImage;
          return withRandom(new Random(seed, g, v), () => applyBatch(batch, stack(perImage), tensor(labels, { dtype: 'int64' })), 0).unbind(0);
        });
        made.forEach((t, r) => tiles[r].push(t));
      }
      const column = { label: group.label, tiles };
      if (group.steps.some((s) => s.stage === 'fitted')) stretch.add(column);
      columns.push(column);
    });
    const perRow = columns.reduce((k, c) => k + c.tiles[0].length, 0);
    const grid = tidy(() => {
      const display = displayTiles(columns, stretch);
      // Row-major: row r is column 0's tile r, then each group's versions of row r.
      const ordered = picked.flatMap((_, r) => columns.flatMap((c, ci) => display[ci].slice(r * c.tiles[r].length, (r + 1) * c.tiles[r].length)));
      return makeGrid(ordered, { nrow: perRow, padding: 2, padValue: 1 });
    });
    const [tileHeight, tileWidth] = [Math.max(...columns.flatMap((c) => c.tiles.flat().map((t) => t.shape[1]))), Math.max(...columns.flatMap((c) => c.tiles.flat().map((t) => t.shape[2])))];
    await writePreview(file, grid, columns.map((c) => ({ label: c.label, span: c.tiles[0].length })), picked.map((_, r) => source.classes[labels[r]] ?? String(labels[r])),
      tileHeight, tileWidth);
    grid.dispose();
  } finally {
    dispose(samples);
    for (const c of columns.slice(1)) dispose(c.tiles);
  }
  console.log(`wrote ${file}: ${n} images, ${versions} versions of each of ${groups.length} column groups`);
}

/** The grid scaled up to legible tiles, a header with each group's label, the class name of each row, as a PNG. */
async function writePreview(file: string, grid: Tensor, headers: { label: string; span: number }[], rowLabels: string[], tileHeight: number, tileWidth: number): Promise<void> {
  const padding = 2;
  const scale = Math.max(1, Math.floor(96 / Math.max(tileHeight, tileWidth)));
  const [, height, width] = grid.shape;
  const pixels = tidy(() => grid.mul(255).add(0.5).clamp(0, 255).to('uint8').permute(1, 2, 0).contiguous());
  const raw = Buffer.from((pixels.toTypedArray() as Uint8Array).buffer);
  pixels.dispose();
  const [header, margin, size] = [28, 110, 13];
  const cell = (tileWidth + padding) * scale;
  const texts: string[] = [];
  let x = margin + padding * scale;
  for (const h of headers) {
    texts.push(svgText(h.label, x + (h.span * cell) / 2, header - 9, h.span * cell - 6, 'middle', size));
    x += h.span * cell;
  }
  rowLabels.forEach((label, r) => texts.push(svgText(label, 6, header + (padding + r * (tileHeight + padding) + tileHeight / 2) * scale + size / 2, margin - 10, 'start', size)));
  const [W, H] = [width * scale + margin, height * scale + header];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${texts.join('')}</svg>`;
  const png = await sharp(raw, { raw: { width, height, channels: 3 } })
    .resize(width * scale, height * scale, { kernel: 'nearest' })
    .extend({ top: header, left: margin, background: { r: 255, g: 255, b: 255 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
  mkdirSync(dirname(file) || '.', { recursive: true });
  writeFileAtomic(file, [png]);
}
