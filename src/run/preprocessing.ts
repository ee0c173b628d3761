// What a trained classifier does to an image file before its model sees it, as plain JSON: how the file is decoded,
// then each step in order (fitted statistics, the gray-to-colour adapter, the published weights' resize, crop and
// normalization). The same description goes into an exported model's metadata and tells another runtime (a web
// page, a server) how to prepare images exactly as cnnkit predict does.
import type { Classifier } from './classifier.js';
import { publishedWeightsOf } from './model-input.js';
import { noGrad } from '../torch/autograd.js';
import { zeros } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import { Grayscale, Normalize } from '../transforms/color.js';
import { CenterCrop, Resize } from '../transforms/geometry.js';
import { FeaturewiseStandardization, ZCAWhitening } from '../transforms/statistics.js';
import type { Transform } from '../transforms/transform.js';

export type PreprocessingStep =
  /** (x − mean) / (std + eps) with statistics fitted on the training images; mean and std flat, row-major, of `shape`. */
  | { type: 'featurewise'; mode: 'channel' | 'pixel'; center: boolean; scale: boolean; eps: number; shape: number[]; mean: number[]; std: number[] }
  /** ZCA whitening fitted on the training images; its D×D matrix stays in the run's statistics.safetensors. */
  | { type: 'zca'; epsilon: number; maxDim: number; meanShape: number[]; statistics: 'statistics.safetensors' }
  /** The gray channel repeated to `channels` (or colour turned to gray luma 0.2989 R + 0.587 G + 0.114 B). */
  | { type: 'grayscale'; channels: 1 | 3 }
  /** torchvision's Resize: one number scales the shorter side to it, keeping the aspect ratio; two are [height, width]. */
  | { type: 'resize'; size: number | number[]; interpolation: string; antialias: boolean; maxSize?: number }
  /** The central [height, width] box. */
  | { type: 'center_crop'; size: [number, number] }
  /** (x − mean) / std per channel. */
  | { type: 'normalize'; mean: number[]; std: number[] };

export interface Preprocessing {
  /**
   * How an image file is read: to `channels` (1: PIL's ITU-R 601 luma of a colour file, 3: RGB, alpha dropped),
   * scaled so that it covers `size` [height, width] and centre-cropped to it, as values in [0, 1]. A PNG is resized
   * bilinear with antialiasing as torchvision's Resize and centre-cropped as its CenterCrop (`png`); a JPEG likewise,
   * after decoding at PIL's draft DCT scale (1/2, 1/4 or 1/8, the smallest still covering `size`: `jpeg`); the
   * formats sharp decodes (WebP, GIF, TIFF, AVIF, 16-bit PNG) with Lanczos-3 (`kernel`).
   */
  decode: { channels: 1 | 3; size: [number, number]; fit: 'cover'; kernel: 'lanczos3'; jpeg: 'draft, bilinear antialiased'; png: 'bilinear antialiased'; range: [0, 1] };
  /** Applied in order to the decoded C×H×W image. */
  steps: PreprocessingStep[];
  /** What the model takes: one image's [channels, height, width] after the steps (N×C×H×W float32 in a batch). */
  input: [number, number, number];
  /** The published weights the run started from, by torchvision's name (their preset is among the steps), or null. */
  weights: string | null;
}

const flat = (values: unknown): number[] => (Array.isArray(values) ? values.flatMap(flat) : [Number(values)]);

function describeStep(step: Transform): PreprocessingStep {
  if (step instanceof FeaturewiseStandardization) {
    const { mean, std } = step.stateDict();
    return { type: 'featurewise', mode: step.mode, center: step.center, scale: step.scale, eps: step.eps, shape: mean.shape, mean: flat(mean.tolist()), std: flat(std.tolist()) };
  }
  if (step instanceof ZCAWhitening) return { type: 'zca', epsilon: step.epsilon, maxDim: step.maxDim, meanShape: step.stateDict().mean.shape, statistics: 'statistics.safetensors' };
  if (step instanceof Grayscale) return { type: 'grayscale', channels: step.numOutputChannels };
  if (step instanceof Resize) {
    return { type: 'resize', size: step.size, interpolation: step.interpolation, antialias: step.antialias, ...(step.maxSize === undefined ? {} : { maxSize: step.maxSize }) };
  }
  if (step instanceof CenterCrop) return { type: 'center_crop', size: step.size };
  if (step instanceof Normalize) return { type: 'normalize', mean: step.mean, std: step.std };
  throw new Error(`describePreprocessing: no description for the step ${step.constructor.name}`);
}

/** The preprocessing of a run's classifier (decoding, then its steps) and the input shape its model takes. */
export function describePreprocessing(classifier: Classifier): Preprocessing {
  const { mode, size } = classifier.decode;
  const channels = mode === 'gray' ? 1 : 3;
  // The steps run on a blank decoded image tell the model's input shape (a preset's crop, the adapter's channels).
  const input = tidy(() => noGrad(() => classifier.steps.reduce((x, step) => step.forward(x), zeros([channels, ...size])).shape));
  const { weights } = classifier.config.options;
  const published = publishedWeightsOf(classifier.config.model, weights)?.name ?? null;
  return {
    decode: { channels, size: [size[0], size[1]], fit: 'cover', kernel: 'lanczos3', jpeg: 'draft, bilinear antialiased', png: 'bilinear antialiased', range: [0, 1] },
    steps: classifier.steps.map(describeStep),
    input: input as [number, number, number],
    weights: published,
  };
}
