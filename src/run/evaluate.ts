// Scoring a run on labelled images it can read, through the run's own preprocessing (classifier.ts): a named data
// set's test split, the run's image folder (its test images, or the validation images training held out), or another
// folder labelled as the run's was; optionally with test-time augmentation, and with the interpretation report.
import { basename, resolve } from 'node:path';

import { DataLoader } from '../data/dataloader.js';
import type { Batch, Dataset, Sample } from '../data/dataset.js';
import { ImagesByName } from '../data/image-files.js';
import { ImageFolder, isFolder } from '../data/image-folder.js';
import { LabelledImages, type ConvertedImages, type SkippedImage } from '../data/labelled-images.js';
import { writeReport, type ReportResult } from '../interpret/report.js';
import { cat } from '../torch/functions.js';
import { dispose } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { evaluate, onDevice, type Evaluation } from '../train/evaluate.js';
import { UsageError } from '../util/usage-error.js';
import { Classifier } from './classifier.js';
import { trainedOnImageFolder } from './config.js';
import { holdsIdxFiles, openDataset, openImageFolder } from './datasets.js';
import { readMetrics } from './metrics.js';
import { trainValSplit } from './split.js';

export interface EvaluateRunOptions {
  /** A named data set to score (default: the run's data). */
  dataset?: string;
  /** A folder of the data set's IDX files; or a folder of images labelled as the run's were (class folders, or its labelsFromName). */
  data?: string;
  batchSize?: number;
  /** Worker threads decoding image files (default 0). */
  workers?: number;
  /** Test-time augmentation: the mean softmax over each image and its horizontal flip. */
  tta?: boolean;
  /** An unreadable image file is an error instead of being skipped. */
  strict?: boolean;
  device?: string;
  /** Also write the interpretation report (report.html and its pictures) of the scored images into this folder. */
  report?: string;
}

export interface RunEvaluation extends Evaluation {
  /** The data's name: the named data set, or the image folder's name. */
  dataset: string;
  /** Which images were scored, in words. */
  scored: string;
  classes: readonly string[];
  images: number;
  /** Image files that could not be read, left out of the score. */
  skipped: SkippedImage[];
  /** Scored image files whose bands were converted as in training (null for a named data set or validation images). */
  converted: ConvertedImages | null;
  report?: ReportResult;
}

interface ScoredData {
  dataset: Dataset<Sample>;
  name: string;
  scored: string;
  /** The image sets whose unreadable files are reported. */
  sets: LabelledImages[];
  /** The image set that is scored whole, whose converted files are reported. */
  whole?: LabelledImages;
}

/** A folder of images labelled as the run's were, with the run's class indices; a class the run never saw is an error. */
function labelledFolder(dir: string, classifier: Classifier, strict: boolean): LabelledImages {
  if (!isFolder(dir)) throw new UsageError(`eval: --data ${dir} is not a folder`);
  const { classes, config, decode } = classifier;
  const pattern = config.options.labelsFromName;
  // Listed only; the files are checked once, by the set made below.
  const found = pattern === undefined ? new ImageFolder(dir, { checkFiles: false }) : new ImagesByName(dir, pattern, { checkFiles: false });
  const unknown = found.classes.filter((c) => !classes.includes(c));
  if (unknown.length > 0) {
    throw new Error(`eval: ${dir} has ${pattern === undefined ? 'the class folder' : 'the label'}${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which the run never saw; its classes: ${classes.join(', ')}`);
  }
  const samples = found.samples.map(([path, target]) => [path, classes.indexOf(found.classes[target])] as const);
  return new LabelledImages(samples, classes, { ...decode, strict }, { kind: 'eval' });
}

/** The images a run is scored on, by the options (see EvaluateRunOptions). */
function scoredData(classifier: Classifier, options: EvaluateRunOptions): ScoredData {
  const { config } = classifier;
  const strict = Boolean(options.strict);
  const folderRun = trainedOnImageFolder(config);
  const named = options.dataset !== undefined || (options.data !== undefined ? holdsIdxFiles(options.data) : !folderRun);
  if (named) {
    const name = options.dataset ?? config.dataset;
    return { dataset: openDataset(name, options.data).test, name, scored: `${name} test set`, sets: [] };
  }
  if (options.data !== undefined) {
    const set = labelledFolder(options.data, classifier, strict);
    return { dataset: set, name: basename(resolve(options.data)), scored: `the images of ${options.data}`, sets: [set], whole: set };
  }
  const folder = config.options.data as string;
  if (!isFolder(folder)) throw new UsageError(`eval: the run's image folder ${folder} is not there; give --data DIR, a folder labelled as the run's was`);
  const data = openImageFolder(folder, { labelsFromName: config.options.labelsFromName, imageSize: classifier.decode.size[0], strict });
  if (data.classes.join('\n') !== classifier.classes.join('\n')) {
    throw new Error(`eval: ${folder} now has the classes ${data.classes.join(', ')}, not the run's ${classifier.classes.join(', ')}; give --data DIR`);
  }
  if (data.test) return { dataset: data.test, name: data.name, scored: `${data.name} test images`, sets: [data.test], whole: data.test };
  // No test folder: the validation images that training held out, laid out again from the run's options.
  const { limit, valFraction, seed } = config.options;
  const [, validation] = trainValSplit(data.train, { limit, valFraction: valFraction || 0.1, seed: seed ?? 0 }, true);
  return { dataset: validation, name: data.name, scored: `${data.name} validation images`, sets: [data.train] };
}

/** The loader's batches, keeping a copy of each for the report. */
async function* keeping(batches: AsyncIterable<Batch>, kept: { inputs: Tensor[]; targets: Tensor[] }): AsyncGenerator<Batch> {
  for await (const batch of batches) {
    kept.inputs.push(batch.inputs.clone());
    kept.targets.push(batch.targets.clone());
    yield batch;
  }
}

/** Scores the run in `run` (a run folder, meaning its best.safetensors, or a checkpoint) on the images the options choose. */
export async function evaluateRun(run: string, options: EvaluateRunOptions = {}): Promise<RunEvaluation> {
  const classifier = new Classifier(run, { command: 'eval', device: options.device });
  const data = scoredData(classifier, options);
  const loader = new DataLoader(classifier.prepare(data.dataset), { batchSize: options.batchSize ?? 256, numWorkers: options.workers ?? 0 });
  const kept = { inputs: [] as Tensor[], targets: [] as Tensor[] };
  try {
    const result = await evaluate(classifier.scorer(options.tta), options.report ? keeping(loader, kept) : loader, { device: classifier.device });
    const evaluation: RunEvaluation = {
      ...result, dataset: data.name, scored: data.scored, classes: classifier.classes, images: data.dataset.length, skipped: data.sets.flatMap((set) => set.skipped()),
      converted: data.whole?.converted() ?? null,
    };
    if (options.report === undefined) return evaluation;
    const stacked = cat(kept.inputs);
    const images = onDevice(stacked, classifier.device);
    const labels = cat(kept.targets);
    try {
      // The report looks at the model itself (Grad-CAM needs its layers), without test-time augmentation.
      const report = await writeReport(options.report, classifier.model, {
        images, labels, classNames: classifier.classes, history: readMetrics(classifier.dir), title: `${classifier.config.model} on the ${data.scored}`,
      });
      return { ...evaluation, report };
    } finally {
      dispose([stacked, images, labels]);
    }
  } finally {
    dispose(kept);
    await loader.close();
  }
}
