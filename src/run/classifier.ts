// A finished run as a classifier: its model in eval mode, its class names, and the preprocessing its images went
// through in training (decoded at the run's size and channels, the fitted statistics of its recipe, the gray-to-RGB
// adapter, the published weights' preset), all read from the run folder's own files: no pickle.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { DataLoader } from '../data/dataloader.js';
import type { Dataset, Sample } from '../data/dataset.js';
import { isFolder } from '../data/image-folder.js';
import type { DecodeOptions } from '../data/image.js';
import { LabelledImages, type ConvertedImages, type SkippedImage } from '../data/labelled-images.js';
import { transformDataset } from '../data/transformed-dataset.js';
import type { Module } from '../nn/module.js';
import { noGrad } from '../torch/autograd.js';
import { describe } from '../torch/check.js';
import { stack } from '../torch/functions.js';
import { dispose, tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';
import { onDevice } from '../train/evaluate.js';
import { CenterCrop, Resize } from '../transforms/geometry.js';
import type { Transform } from '../transforms/transform.js';
import { checkCount } from '../util/checks.js';
import { UsageError } from '../util/usage-error.js';
import type { RunConfig } from './config.js';
import { FlipTTA } from './flip-tta.js';
import { modelInputSteps, publishedWeightsOf } from './model-input.js';
import { openRun } from './open.js';
import { resolveDevice } from './device.js';
import { loadStatistics, readRecipe } from './recipe.js';

export interface ClassifierOptions {
  /** Where the model runs: auto (CUDA when libtorch has it), cpu, cuda or cuda:N (default: where it was loaded, the CPU). */
  device?: string;
  /** The caller's name in messages (default 'predict'). */
  command?: string;
}

export interface PredictOptions {
  /** How many classes each prediction lists, most probable first (default 1). */
  topK?: number;
  /** Test-time augmentation: the mean softmax over each image and its horizontal flip. */
  tta?: boolean;
  /** Images per forward (default 64). */
  batchSize?: number;
  /** Worker threads decoding the files (default 0: the main thread, with its codec thread). */
  workers?: number;
  /** An unreadable file is an error instead of being skipped. */
  strict?: boolean;
}

export interface ClassScore {
  className: string;
  index: number;
  probability: number;
}

export interface Prediction {
  /** The file's path, or the position of a tensor among the inputs. */
  input: string | number;
  /** The topK most probable classes, most probable first. */
  top: ClassScore[];
  /** The probability of every class, in the run's class order. */
  probabilities: number[];
}

export interface Predictions {
  /** One per readable input, in the order of the inputs. */
  predictions: Prediction[];
  /** The files that could not be read (left out of predictions). */
  skipped: SkippedImage[];
  /** The files whose bands were converted as in training: alpha dropped, gray to RGB or colour to gray. */
  converted: ConvertedImages;
}

/** The checkpoint a run folder's predictions come from: its best weights. */
function checkpointOf(path: string, command: string): string {
  if (!isFolder(path)) return path;
  const best = join(path, 'best.safetensors');
  if (!existsSync(best)) throw new UsageError(`${command}: ${path} holds no best.safetensors; is it a run folder of cnnkit train?`);
  return best;
}

/** The steps after decoding (pixels in [0, 1]) that training put the images through, in training's order. */
function inferenceSteps(config: RunConfig, model: Module, dir: string, command: string): Transform[] {
  const classes = config.classes ?? [];
  const recipe = config.augment === undefined ? null : readRecipe(command, config.augment, config.modelOptions.numClasses ?? classes.length);
  if (recipe) loadStatistics(recipe, dir, command);
  const published = publishedWeightsOf(config.model, config.options.weights);
  return [...(recipe?.fitted ?? []), ...modelInputSteps(model, config.modelOptions.inChannels ?? 3, published, command)];
}

export class Classifier {
  readonly model: Module;
  readonly classes: readonly string[];
  readonly config: RunConfig;
  /** The run folder. */
  readonly dir: string;
  /** The epoch whose weights the classifier has. */
  readonly epoch: number;
  readonly device: string | undefined;
  /** How files are decoded: the channels and size the run's images had (shorter side scaled, centre cropped). */
  readonly decode: DecodeOptions & { size: [number, number] };
  /** The per-image steps after decoding to [0, 1]: fitted statistics, channel adapter, the weights' preset. */
  readonly steps: Transform[];
  private readonly command: string;

  /** Opens a run folder (its best.safetensors) or one of its checkpoints. */
  constructor(run: string, options: ClassifierOptions = {}) {
    this.command = options.command ?? 'predict';
    // A device that is not here fails before the run is read.
    this.device = options.device === undefined ? undefined : resolveDevice(options.device, this.command);
    const opened = openRun(checkpointOf(run, this.command), this.command);
    this.config = opened.config;
    this.model = opened.model;
    this.dir = opened.dir;
    this.epoch = opened.epoch;
    const numClasses = this.config.modelOptions.numClasses;
    this.classes = this.config.classes ?? Array.from({ length: numClasses ?? 0 }, (_, i) => String(i));
    const { inChannels = 3, inputSize = 64 } = this.config.modelOptions;
    this.decode = { mode: inChannels === 1 ? 'gray' : 'rgb', size: typeof inputSize === 'number' ? [inputSize, inputSize] : inputSize };
    this.steps = inferenceSteps(this.config, this.model, this.dir, this.command);
    if (this.device) this.model.to(this.device);
  }

  /** What scores a batch: the model, or with tta the mean over flips (log-probabilities, read as logits). */
  scorer(tta = false): Module {
    return tta ? new FlipTTA(this.model) : this.model;
  }

  /** A dataset of decoded images ([0, 1], the run's channels and size) as the model takes them. */
  prepare(dataset: Dataset<Sample>): Dataset<Sample> {
    return transformDataset(dataset, this.steps);
  }

  /** Class probabilities N×K of a batch of prepared images. */
  probabilities(inputs: Tensor, tta = false): Tensor {
    const scorer = this.scorer(tta);
    return tidy(() => noGrad(() => scorer.forward(onDevice(inputs, this.device)).softmax(1).to('cpu')));
  }

  /**
   * The top-k classes and every class probability of each input: image files (decoded as the run's were, in batches,
   * in worker threads with `workers`) or decoded images C×H×W (uint8, or float in [0, 1]; resized and converted
   * to the run's channels when they differ). Unreadable files are skipped and listed, or with `strict` an error.
   */
  async predict(inputs: readonly (string | Tensor)[], options: PredictOptions = {}): Promise<Predictions> {
    const { command } = this;
    if (!Array.isArray(inputs)) throw new TypeError(`${command}: inputs must be an array of file paths or image tensors, got ${describe(inputs)}`);
    const topK = checkCount(options.topK ?? 1, 'topK', command, 1, this.classes.length);
    const batchSize = checkCount(options.batchSize ?? 64, 'batchSize', command, 1);
    const workers = checkCount(options.workers ?? 0, 'workers', command, 0);
    const files: [string, number][] = [];
    const tensors: [Tensor, number][] = [];
    inputs.forEach((input, i) => {
      if (typeof input === 'string') files.push([input, i]);
      else if (input instanceof Tensor) tensors.push([input, i]);
      else throw new TypeError(`${command}: input ${i} is neither a file path nor an image tensor: ${describe(input)}`);
    });
    const rows = new Map<number, number[]>();
    const skipped: SkippedImage[] = [];
    let converted: ConvertedImages = { alphaDropped: [], grayToRgb: [], rgbToGray: [] };
    if (files.length > 0) {
      // Every file gets class 0 as its label: the dataset machinery wants one, and nothing reads it.
      const images = new LabelledImages(files.map(([path]) => [path, 0] as const), this.classes, { ...this.decode, strict: options.strict }, { kind: command });
      const probabilities = await this.probabilitiesOf(this.prepare(images), { batchSize, workers, tta: options.tta });
      skipped.push(...images.skipped());
      converted = images.converted()!;
      // A file that failed to decode was replaced by the next readable one in its batch: its row is dropped.
      const failed = new Set(skipped.map((s) => s.path));
      const position = new Map<string, number[]>();
      files.forEach(([path, i]) => position.set(path, [...(position.get(path) ?? []), i]));
      images.samples.forEach(([path], k) => {
        if (!failed.has(path)) rows.set(position.get(path)!.shift()!, probabilities[k]);
        else position.get(path)!.shift();
      });
    }
    for (let start = 0; start < tensors.length; start += batchSize) {
      const part = tensors.slice(start, start + batchSize);
      const batch = tidy(() => stack(part.map(([image, i]) => this.prepareImage(image, i))));
      const probabilities = tidy(() => this.probabilities(batch, options.tta).tolist() as number[][]);
      batch.dispose();
      part.forEach(([, i], k) => rows.set(i, probabilities[k]));
    }
    const predictions = [...rows.entries()].sort(([a], [b]) => a - b).map(([i, probabilities]) => ({
      input: typeof inputs[i] === 'string' ? inputs[i] as string : i,
      top: probabilities.map((probability, index) => ({ className: this.classes[index], index, probability }))
        .sort((a, b) => b.probability - a.probability || a.index - b.index).slice(0, topK),
      probabilities,
    }));
    return { predictions, skipped, converted };
  }

  /** The class probabilities of every sample of a prepared dataset, in its order. */
  private async probabilitiesOf(dataset: Dataset<Sample>, options: { batchSize: number; workers: number; tta?: boolean }): Promise<number[][]> {
    const loader = new DataLoader(dataset, { batchSize: options.batchSize, numWorkers: options.workers });
    const out: number[][] = [];
    try {
      for await (const batch of loader) {
        out.push(...tidy(() => this.probabilities(batch.inputs, options.tta).tolist() as number[][]));
        dispose(batch);
      }
    } finally {
      await loader.close();
    }
    return out;
  }

  /** A decoded image C×H×W as the model takes it: [0, 1], the run's channels and size, then the run's steps. */
  private prepareImage(image: Tensor, position: number): Tensor {
    const { command } = this;
    const [height, width] = this.decode.size;
    const channels = this.decode.mode === 'gray' ? 1 : 3;
    if (image.ndim !== 3 || ![1, 3, 4].includes(image.shape[0])) {
      throw new TypeError(`${command}: input ${position} must be an image C×H×W with 1, 3 or 4 channels, got ${describe(image)}`);
    }
    let x = image.dtype === 'uint8' ? image.to('float32').div(255) : image.to('float32');
    if (x.shape[0] === 4) x = x.narrow(0, 0, 3); // alpha dropped, as decoding does
    if (channels === 3 && x.shape[0] === 1) x = x.repeat(3, 1, 1);
    // PIL's ITU-R 601 luma, as decoding a colour file in 'gray' mode gives.
    if (channels === 1 && x.shape[0] === 3) x = x.narrow(0, 0, 1).mul(19595 / 65536).add(x.narrow(0, 1, 1).mul(38470 / 65536)).add(x.narrow(0, 2, 1).mul(7471 / 65536));
    if (x.shape[1] !== height || x.shape[2] !== width) {
      // As decoding does: the shorter side scaled to fit, the centre cropped.
      const scale = Math.max(height / x.shape[1], width / x.shape[2]);
      const resized = new Resize([Math.max(height, Math.round(x.shape[1] * scale)), Math.max(width, Math.round(x.shape[2] * scale))]).forward(x);
      x = new CenterCrop([height, width]).forward(resized);
    }
    for (const step of this.steps) x = step.forward(x);
    return x;
  }
}

/** Opens a run folder (its best.safetensors) or a checkpoint of a run as a classifier. */
export function openClassifier(run: string, options: ClassifierOptions = {}): Classifier {
  return new Classifier(run, options);
}
