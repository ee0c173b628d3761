// The preview of an augmentation recipe: one row per image (its class on the left), the image, then `versions`
// augmented versions for each technique on its own and for the whole recipe, each group headed by its step, as a PNG.
// Batch techniques mix the preview's images among themselves; fitted ones are fitted on the data set first and drawn
// stretched to their own range.
import sharp from 'sharp';

import { Random, withRandom } from '../torch/random.js';
import { full, tensor } from '../torch/creation.js';
import { stack } from '../torch/functions.js';
import { dispose, tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import type { Recipe, RecipeStep } from '../transforms/recipe.js';
import type { MixingTransform, Transform } from '../transforms/transform.js';
import type { Dataset } from './dataset.js';
import { makeGrid } from './image-grid.js';

export interface AugmentationPreviewOptions {
  /** Input images, one row each (default 4), spread over the data set. */
  images?: number;
  /** Augmented versions per technique (default 4). */
  versions?: number;
  /** Version v of column group g of row r draws from (seed, g, v, r) (default 0). */
  seed?: number;
}

/** x through every transform in order (inside the caller's tidy scope). */
export const applyAll = (transforms: Transform[], x: Tensor): Tensor => transforms.reduce((y, t) => t.forward(y), x);

/** The batch's inputs after the batch transforms. */
function applyBatch(transforms: MixingTransform[], inputs: Tensor, targets: Tensor): Tensor {
  return transforms.reduce((batch, t) => t.forward(batch, { epoch: 0 }), { inputs, targets }).inputs;
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

/** The preview of `recipe` on images of `dataset` as a PNG; `classes` name the rows. The recipe's fitted steps are fitted on the dataset. */
export async function augmentationPreview(dataset: Dataset, classes: readonly string[], recipe: Recipe, options: AugmentationPreviewOptions = {}): Promise<Buffer> {
  const { images: rowsWanted = 4, versions = 4, seed = 0 } = options;
  for (const [name, value] of [['images', rowsWanted], ['versions', versions]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`augmentationPreview: ${name} must be a positive integer, got ${value}`);
  }
  const source = { dataset, classes };
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
    return await previewPng(grid, columns.map((c) => ({ label: c.label, span: c.tiles[0].length })), picked.map((_, r) => source.classes[labels[r]] ?? String(labels[r])),
      tileHeight, tileWidth);
  } finally {
    dispose(samples);
    for (const c of columns.slice(1)) dispose(c.tiles);
  }
}

/** The grid scaled up to legible tiles, a header with each group's label, the class name of each row, as a PNG; frees the grid. */
async function previewPng(grid: Tensor, headers: { label: string; span: number }[], rowLabels: string[], tileHeight: number, tileWidth: number): Promise<Buffer> {
  const padding = 2;
  const scale = Math.max(1, Math.floor(96 / Math.max(tileHeight, tileWidth)));
  const [, height, width] = grid.shape;
  const pixels = tidy(() => grid.mul(255).add(0.5).clamp(0, 255).to('uint8').permute(1, 2, 0).contiguous());
  const raw = Buffer.from((pixels.toTypedArray() as Uint8Array).buffer);
  dispose([pixels, grid]);
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
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .resize(width * scale, height * scale, { kernel: 'nearest' })
    .extend({ top: header, left: margin, background: { r: 255, g: 255, b: 255 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}
