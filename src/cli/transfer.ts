// Transfer learning on the command line: --weights (pretrained weights with a new head for the data's classes),
// --freeze (what trains) and --fine-tune (fastai's recipe).
import { downloadWeights, isWeightsFile } from '../hub/download.js';
import { loadPth } from '../hub/pth.js';
import { getWeights, type Weights } from '../hub/registry.js';
import { getModel, headOf, layerGroups, type ModelOptions } from '../models/index.js';
import type { Module } from '../nn/module.js';
import { dispose } from '../torch/scope.js';
import type { StateDict } from '../torch/serialization.js';
import { Normalize } from '../transforms/color.js';
import { CenterCrop } from '../transforms/geometry.js';
import type { Transform } from '../transforms/transform.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { freeze, freezeTo } from '../train/freeze.js';
import type { FlagSpec } from './args.js';
import { UsageError } from './usage-error.js';

export const transferFlags: FlagSpec = {
  weights: { type: 'string', about: 'start from pretrained weights, with a new head for the data\'s classes: a weights name for --model (IMAGENET1K_V1, DEFAULT) or a .safetensors / .pth file' },
  freeze: { type: 'string', about: 'what does not train: backbone (all but the head), none (default), or N (the first N layer groups; negative counts from the end)' },
  'fine-tune': { type: 'boolean', about: 'fastai\'s fine-tune: 1 epoch training the head only, then the rest of --epochs training everything with lower learning rates for earlier layers (--lr: the head\'s peak, default 0.002)' },
};

type Flags = Record<string, string | number | boolean>;

/** The local file of --weights: the file itself, or the published weights (downloaded into the cache once). */
async function weightsFile(model: string, weights: string): Promise<string> {
  if (isWeightsFile(weights)) return weights;
  return downloadWeights(publishedWeights(model, weights));
}

function publishedWeights(model: string, weights: string): Weights {
  try {
    return getWeights(weights, model);
  } catch (error) {
    throw new UsageError(`train: --weights '${weights}' is neither a .safetensors/.pth file nor published weights of ${model}: ${(error as Error).message}`);
  }
}

/** A state dict from a .pth or a .safetensors file (a plain one, or a cnnkit checkpoint such as best.safetensors). */
function readWeights(path: string): StateDict {
  if (!/\.safetensors$/i.test(path)) return loadPth(path);
  const checkpoint = loadCheckpoint(path);
  dispose([checkpoint.optimizerTensors, checkpoint.rng]);
  return checkpoint.weights;
}

/**
 * The model, with pretrained weights when --weights is given: every layer from the weights except the head, which
 * is new, sized for the data's classes (options.numClasses) and initialized as the architecture's builder does.
 */
export async function buildModel(name: string, options: ModelOptions, weights: string | undefined): Promise<Module> {
  const model = getModel(name, options);
  if (weights === undefined) return model;
  const head = headOf(model);
  const headName = model.namedModules().find(([, m]) => m === head)![0];
  const isHead = (key: string) => key.startsWith(`${headName}.`);
  const state = readWeights(await weightsFile(name, weights));
  try {
    const { missingKeys, unexpectedKeys } = model.loadStateDict(Object.fromEntries(Object.entries(state).filter(([key]) => !isHead(key))), { strict: false });
    const problems = [...missingKeys.filter((k) => !isHead(k)).map((k) => `missing ${k}`), ...unexpectedKeys.map((k) => `unexpected ${k}`)];
    if (problems.length) throw new UsageError(`train: --weights ${weights} do not fit ${name}: ${problems.slice(0, 6).join(', ')}; are they for another model?`);
  } finally {
    dispose(state);
  }
  return model;
}

/**
 * The preprocessing of published weights (--weights NAME), torchvision's preset: images decoded with the short side
 * at the weights' resize size (and centre-cropped square), then centre-cropped to their crop size and normalized
 * with their mean and std. Null for weights files, which carry no preprocessing.
 */
export function weightsPreprocessing(flags: Flags): { resizeSize: number; transforms: Transform[] } | null {
  const weights = flags.weights as string | undefined;
  if (weights === undefined || isWeightsFile(weights)) return null;
  const { transforms } = publishedWeights((flags.model as string | undefined) ?? 'lecture_cnn', weights);
  const [height, width = height] = transforms.cropSize; // torchvision writes a square crop as [224]
  return { resizeSize: transforms.resizeSize[0], transforms: [new CenterCrop([height, width]), new Normalize(transforms.mean, transforms.std)] };
}

/** Applies --freeze: 'backbone', 'none' or a layer-group count. */
export function applyFreeze(model: Module, flags: Flags): void {
  const value = flags.freeze;
  if (value === undefined || value === 'none') return;
  if (value === 'backbone') return freeze(model);
  const n = Number(value);
  const groups = layerGroups(model).length;
  if (!Number.isInteger(n) || n < -groups || n > groups) {
    throw new UsageError(`train: --freeze must be backbone, none, or an integer from ${-groups} to ${groups} (this model has ${groups} layer groups), got '${value}'`);
  }
  freezeTo(model, n);
}

/** Flags that --fine-tune replaces with its own schedule and optimizer. */
export function checkFineTune(flags: Flags, epochs: number): void {
  if (!flags['fine-tune']) return;
  for (const name of ['scheduler', 'optimizer', 'freeze', 'resume']) {
    if (flags[name] !== undefined) throw new UsageError(`train: --fine-tune sets its own freezing, optimizer and schedule; leave out --${name}`);
  }
  if (epochs < 2) throw new UsageError(`train: --fine-tune needs --epochs 2 or more (1 with the head only, then the rest with everything), got ${epochs}`);
}
