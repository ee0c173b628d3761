// A trained run as an ONNX file: its best (or given) checkpoint's model, with the class names, the input shape, the
// preprocessing and cnnkit's version in metadata_props, so that the file alone is enough to classify images.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

import { openClassifier, type Classifier } from '../run/classifier.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UsageError } from '../util/usage-error.js';
import { cnnkitVersion } from '../util/version.js';
import { describePreprocessing, type Preprocessing } from '../run/preprocessing.js';
import { toOnnx } from './to-onnx.js';

export interface ClassifierOnnx {
  /** The ONNX file's bytes. */
  bytes: Uint8Array;
  /** Its metadata_props. */
  metadata: Record<string, string>;
  preprocessing: Preprocessing;
}

/**
 * A run's classifier as ONNX: the model's logits (N × classes; their softmax is what cnnkit predict reports) on input
 * prepared as `metadata.preprocessing` says, with metadata_props
 * - classes: the class names in output order (JSON);
 * - input_channels, input_height, input_width: one image's shape as the model takes it;
 * - preprocessing: describePreprocessing's JSON (decoding, fitted statistics, the weights' resize, crop, mean and std);
 * - architecture, epoch, cnnkit_version.
 */
export function classifierToOnnx(classifier: Classifier, options: { opset?: number } = {}): ClassifierOnnx {
  const preprocessing = describePreprocessing(classifier);
  const [channels, height, width] = preprocessing.input;
  const metadata = {
    classes: JSON.stringify(classifier.classes),
    input_channels: String(channels),
    input_height: String(height),
    input_width: String(width),
    preprocessing: JSON.stringify(preprocessing),
    architecture: classifier.config.model,
    epoch: String(classifier.epoch),
    cnnkit_version: cnnkitVersion,
  };
  const bytes = toOnnx(classifier.model, { inputShape: preprocessing.input, opset: options.opset, metadata, name: classifier.config.model });
  return { bytes, metadata, preprocessing };
}

export interface ExportRunOptions {
  /** The file to write (atomically: it appears whole or not at all). */
  out: string;
  opset?: number;
  /** The caller's name in messages (default 'export'). */
  command?: string;
}

/** Exports a run folder (its best.safetensors) or one of its checkpoints to an ONNX file; returns what it wrote. */
export function exportRun(run: string, options: ExportRunOptions): ClassifierOnnx & { path: string } {
  const command = options.command ?? 'export';
  const { out } = options;
  if (typeof out !== 'string' || out === '') throw new UsageError(`${command}: give the file to write (--out model.onnx)`);
  if (!existsSync(dirname(out))) throw new UsageError(`${command}: the folder of ${out} does not exist`);
  const classifier = openClassifier(run, { command });
  try {
    const exported = classifierToOnnx(classifier, { opset: options.opset });
    writeFileAtomic(out, [exported.bytes]);
    return { ...exported, path: out };
  } finally {
    classifier.model.dispose();
  }
}
