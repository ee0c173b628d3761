// Predictions on files, as a table: the image files of a folder in natural order (2.jpg before 10.jpg), and the
// CSV of cnnkit predict: file, predicted class, its probability, then one column per class probability.
import { relative } from 'node:path';

import { IMAGE_EXTENSIONS, imagesUnder, isFolder } from '../data/image-folder.js';
import { UsageError } from '../util/usage-error.js';
import type { Prediction } from './classifier.js';
import { naturalCompare } from './natural-order.js';

/** The image files under `dir` (at any depth), in natural order of their paths within it. */
export function imageFilesIn(dir: string, command = 'predict'): string[] {
  if (!isFolder(dir)) throw new UsageError(`${command}: --data ${dir} is not a folder`);
  const files = imagesUnder(dir, IMAGE_EXTENSIONS);
  if (files.length === 0) throw new Error(`${command}: ${dir} holds no image files (extensions ${IMAGE_EXTENSIONS.join(' ')})`);
  return files.sort((a, b) => naturalCompare(relative(dir, a), relative(dir, b)));
}

/** A CSV field, quoted when it holds a comma, a quote, a line break or edge spaces (RFC 4180). */
const field = (text: string): string => (/[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/**
 * The predictions as CSV, one row each in the order given: `file,prediction,probability,<class>…` where file is
 * `name(prediction)` (default: the input as given), prediction the most probable class and the class columns each
 * class's probability.
 */
export function predictionsCsv(predictions: readonly Prediction[], classes: readonly string[], name: (p: Prediction) => string = (p) => String(p.input)): string {
  const header = ['file', 'prediction', 'probability', ...classes].map(field).join(',');
  const rows = predictions.map((p) => [field(name(p)), field(p.top[0].className), String(p.top[0].probability), ...p.probabilities.map(String)].join(','));
  return `${[header, ...rows].join('\n')}\n`;
}
