// A backbone from pretrained weights with a new head: every layer from the weights except the classifier, which is
// new, sized for the data's classes and initialized as the architecture's builder does (transfer learning).
import { downloadWeights, isWeightsFile } from '../hub/download.js';
import { loadPth } from '../hub/pth.js';
import { getWeights, type Weights } from '../hub/registry.js';
import type { Module } from '../nn/module.js';
import { dispose } from '../torch/scope.js';
import type { StateDict } from '../torch/serialization.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { UsageError } from '../util/usage-error.js';
import { headOf } from './heads.js';
import { getModel, type ModelOptions } from './index.js';

/** A state dict from a .pth or a .safetensors file (a plain one, or a cnnkit checkpoint such as best.safetensors). */
function readWeightsFile(path: string): StateDict {
  if (!/\.safetensors$/i.test(path)) return loadPth(path);
  const checkpoint = loadCheckpoint(path);
  dispose([checkpoint.optimizerTensors, checkpoint.rng]);
  return checkpoint.weights;
}

/** The local file of `weights`: the file itself, or the published weights of `model` (downloaded into the cache once). */
async function weightsFile(model: string, weights: string): Promise<string> {
  if (isWeightsFile(weights)) return weights;
  return downloadWeights(publishedWeights(model, weights));
}

/** The registry entry of a weights name of `model`; an unknown name is a usage error. */
export function publishedWeights(model: string, weights: string): Weights {
  try {
    return getWeights(weights, model);
  } catch (error) {
    throw new UsageError(`train: --weights '${weights}' is neither a .safetensors/.pth file nor published weights of ${model}: ${(error as Error).message}`);
  }
}

/**
 * `name` built with `options` (numClasses: the new head's), its layers but the head loaded from `weights`: a weights
 * name for the architecture ('DEFAULT', 'IMAGENET1K_V1'; downloaded once into the cache) or a .pth/.safetensors file.
 */
export async function pretrainedWithNewHead(name: string, options: ModelOptions, weights: string): Promise<Module> {
  const model = getModel(name, options);
  const head = headOf(model);
  const headName = model.namedModules().find(([, m]) => m === head)![0];
  const isHead = (key: string) => key.startsWith(`${headName}.`);
  const state = readWeightsFile(await weightsFile(name, weights));
  try {
    const { missingKeys, unexpectedKeys } = model.loadStateDict(Object.fromEntries(Object.entries(state).filter(([key]) => !isHead(key))), { strict: false });
    const problems = [...missingKeys.filter((k) => !isHead(k)).map((k) => `missing ${k}`), ...unexpectedKeys.map((k) => `unexpected ${k}`)];
    if (problems.length) throw new UsageError(`train: --weights ${weights} do not fit ${name}: ${problems.slice(0, 6).join(', ')}; are they for another model?`);
  } finally {
    dispose(state);
  }
  return model;
}
