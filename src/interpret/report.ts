// The report folder: where a classifier fails on labelled images, as numbers, pictures and report.html.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { encodeImage } from '../data/image.js';
import * as F from '../nn/functional.js';
import type { Module } from '../nn/module.js';
import { noGrad } from '../torch/autograd.js';
import { describe } from '../torch/check.js';
import { tensor } from '../torch/creation.js';
import { cat } from '../torch/functions.js';
import { dispose, tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';
import { learningCurvesSvg } from '../train/learning-curves.js';
import type { EpochLogs } from '../train/logs.js';
import { ConfusionMatrix } from '../train/metrics.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { defaultCamLayer } from './cam-layer.js';
import { classificationReport, formatClassificationReport, type ClassificationReport } from './classification-report.js';
import { confusionMatrixSvg } from './confusion-matrix-svg.js';
import { gradCam } from './grad-cam.js';
import { overlayHeatmap, scaleEach } from './heatmap-overlay.js';
import { labelledGridSvg, type LabelledTile } from './labelled-grid-svg.js';
import { mostConfused, type ConfusedPair } from './most-confused.js';
import { reportHtml } from './report-html.js';
import { svgToPng } from './svg-to-png.js';
import { checkLogits, topLosses, type TopLoss } from './top-losses.js';

export interface ReportOptions {
  /** The images as the model takes them, N×C×H×W (normalized as in training). */
  images: Tensor;
  /** Their class indices, N. */
  labels: Tensor;
  classNames: readonly string[];
  /** The same images to look at, N×C×H×W, uint8 or [0, 1] (default: each input image stretched to [0, 1]). */
  displayImages?: Tensor;
  /** The run's epochs, for the learning curves and the metrics table. */
  history?: EpochLogs[];
  /** How many top losses to show, with their Grad-CAM (default 16). */
  topK?: number;
  /** Grad-CAM's layer (default: defaultCamLayer(model)). */
  layer?: string;
  /** Images per forward (default 64). */
  batchSize?: number;
  title?: string;
}

export interface ReportResult {
  evaluation: { loss: number; accuracy: number; samples: number };
  report: ClassificationReport;
  confusion: number[][];
  mostConfused: ConfusedPair[];
  topLosses: TopLoss[];
  /** The files written, relative to the folder, report.html last. */
  files: string[];
}

/** A picture's shortest side on the page: small images (28×28) are enlarged, pixel for pixel. */
const TILE_SIDE = 96;

/** The model's logits over the images, batch by batch, without gradients. */
function logitsOf(model: Module, images: Tensor, batchSize: number): Tensor {
  return tidy(() => noGrad(() => {
    const parts: Tensor[] = [];
    for (let start = 0; start < images.shape[0]; start += batchSize) {
      parts.push(model.forward(images.narrow(0, start, Math.min(batchSize, images.shape[0] - start))));
    }
    return cat(parts);
  }));
}

/** PNGs of images N×C×H×W in [0, 1], enlarged by a whole factor to about TILE_SIDE. */
function tilesOf(images: Tensor, captions: string[][]): LabelledTile[] {
  const factor = Math.max(1, Math.round(TILE_SIDE / Math.min(images.shape[2], images.shape[3])));
  return tidy(() => {
    const large = factor === 1 ? images : F.interpolate(images, { scaleFactor: factor, mode: 'nearest' });
    const [height, width] = [large.shape[2], large.shape[3]];
    return captions.map((caption, i) => ({ png: encodeImage(large.select(0, i), 'png'), width, height, caption }));
  });
}

function checkOptions(model: Module, options: ReportOptions): void {
  if (model.training) throw new Error('writeReport: the model is in training mode; call model.eval() first');
  const { images, labels, classNames, displayImages, topK = 16, batchSize = 64 } = options;
  if (!(images instanceof Tensor) || images.ndim !== 4) throw new TypeError(`writeReport: images must be an N×C×H×W batch, got ${describe(images)}`);
  if (!Array.isArray(classNames) || classNames.length === 0 || !classNames.every((c) => typeof c === 'string')) {
    throw new TypeError(`writeReport: classNames must be the class names, got ${describe(classNames)}`);
  }
  if (!(labels instanceof Tensor) || labels.ndim !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new TypeError(`writeReport: labels must be ${images.shape[0]} class indices, one per image, got ${describe(labels)}`);
  }
  if (displayImages !== undefined && (!(displayImages instanceof Tensor) || displayImages.ndim !== 4 || displayImages.shape[0] !== images.shape[0] ||
    displayImages.shape[2] !== images.shape[2] || displayImages.shape[3] !== images.shape[3])) {
    throw new TypeError(`writeReport: displayImages must be the ${images.shape[0]} images at ${images.shape[2]}×${images.shape[3]}, got ${describe(displayImages)}`);
  }
  if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`writeReport: topK must be an integer ≥ 1, got ${describe(topK)}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`writeReport: batchSize must be an integer ≥ 1, got ${describe(batchSize)}`);
}

/**
 * Scores `model` (in eval mode) on the images and writes into `dir`: confusion-matrix.png, top-losses.png,
 * grad-cam.png, learning-curves.svg (with a history), report.json, classification-report.txt and report.html.
 * Everything is computed before the first file is written; each file is written atomically, report.html last, so
 * the page never names a picture that is not there.
 */
export async function writeReport(dir: string, model: Module, options: ReportOptions): Promise<ReportResult> {
  checkOptions(model, options);
  const { images, labels, classNames, history, topK = 16, batchSize = 64 } = options;
  const layer = options.layer ?? defaultCamLayer(model);
  const logits = logitsOf(model, images, batchSize);
  const files = new Map<string, Uint8Array | string>();
  try {
    checkLogits(logits, labels, 'writeReport');
    if (logits.shape[1] !== classNames.length) throw new RangeError(`writeReport: the model gives ${logits.shape[1]} classes but ${classNames.length} class names were given`);
    const confusion = new ConfusionMatrix(classNames.length);
    confusion.add(logits, labels);
    const evaluation = {
      loss: tidy(() => F.crossEntropy(logits, labels.to('int64')).item() as number),
      accuracy: confusion.accuracy(),
      samples: images.shape[0],
    };
    const report = classificationReport(confusion, classNames);
    const pairs = mostConfused(confusion, classNames);
    const top = topLosses(logits, labels, topK);

    const tiles = tidy(() => {
      const picked = images.indexSelect(0, tensor(top.map((t) => t.index), { dtype: 'int64', device: images.device }));
      const display = options.displayImages;
      const shown = display
        ? display.indexSelect(0, tensor(top.map((t) => t.index), { dtype: 'int64', device: display.device })).to('float32').div(display.dtype === 'uint8' ? 255 : 1)
        : scaleEach(picked);
      const cam = gradCam(model, picked, { layer });
      const lossCaptions = top.map((t) => [`${classNames[t.predicted]} / ${classNames[t.actual]}`, `loss ${t.loss.toFixed(2)} · p ${t.probability.toFixed(2)}`]);
      const camCaptions = top.map((t, i) => [`Grad-CAM: ${classNames[cam.classes[i]]}`, `actual ${classNames[t.actual]}`]);
      return { losses: tilesOf(shown, lossCaptions), cams: tilesOf(overlayHeatmap(shown, cam.heatmap), camCaptions) };
    });
    const columns = Math.min(8, Math.ceil(Math.sqrt(top.length)));
    files.set('confusion-matrix.png', await svgToPng(confusionMatrixSvg(confusion, classNames)));
    files.set('top-losses.png', await svgToPng(labelledGridSvg(tiles.losses, columns, 'Top losses: predicted / actual, loss, probability')));
    files.set('grad-cam.png', await svgToPng(labelledGridSvg(tiles.cams, columns, `Grad-CAM at ${layer}`)));
    if (history?.length) files.set('learning-curves.svg', learningCurvesSvg(history));
    files.set('classification-report.txt', formatClassificationReport(report));
    const result = { evaluation, report, confusion: confusion.counts, mostConfused: pairs, topLosses: top };
    files.set('report.json', `${JSON.stringify({ ...result, classNames, camLayer: layer }, null, 2)}\n`);
    files.set('report.html', reportHtml({
      title: options.title ?? `${model.typeName}: where it fails`,
      evaluation, history, report, mostConfused: pairs, camLayer: layer,
      pictures: { learningCurves: history?.length ? 'learning-curves.svg' : undefined, confusionMatrix: 'confusion-matrix.png', topLosses: 'top-losses.png', gradCam: 'grad-cam.png' },
    }));
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of files) writeFileAtomic(join(dir, name), [typeof content === 'string' ? Buffer.from(content) : content]);
    return { ...result, files: [...files.keys()] };
  } finally {
    dispose(logits);
  }
}
