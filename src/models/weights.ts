// The `weights` option of the zoo's builders: a state dict, a .pth or .safetensors file, or published weights
// (their name or registry entry), which must already be in the cache: builders never wait on the network
// (hub.load and hub.downloadWeights fetch them).
import { cachedWeightsPath, isWeightsFile } from '../hub/download.js';
import { loadPth } from '../hub/pth.js';
import { getWeights, type Weights } from '../hub/registry.js';
import { load } from '../torch/serialization.js';
import type { StateDict } from '../torch/serialization.js';
import { dispose } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';
import type { Module } from '../nn/module.js';

/** A state dict, a file path (.pth, .pt, .safetensors), a weights name ('DEFAULT', 'IMAGENET1K_V1', 'ResNet18_Weights.IMAGENET1K_V1') or registry weights. */
export type WeightsSource = string | Weights | StateDict;

export interface ClassifierOptions {
  /** Output classes; with weights it must equal theirs (1000 for ImageNet): replace the head after loading for others. */
  numClasses?: number;
  weights?: WeightsSource | null;
}

const isRegistryEntry = (w: object): w is Weights => typeof (w as Weights).url === 'string' && typeof (w as Weights).model === 'string';
const readFile = (path: string): StateDict => (/\.safetensors$/i.test(path) ? load(path) : loadPth(path));

/** The weights as a state dict; owned when read from a file here (then freed after loading). */
function readWeights(model: string, weights: WeightsSource): { state: StateDict; owned: boolean } {
  if (typeof weights === 'string') {
    const path = isWeightsFile(weights) ? weights : cachedWeightsPath(getWeights(weights, model));
    return { state: readFile(path), owned: true };
  }
  if (weights !== null && typeof weights === 'object' && isRegistryEntry(weights)) {
    if (weights.model !== model) throw new Error(`${model}: ${weights.name} are weights of ${weights.model}, not of ${model}`);
    return { state: readFile(cachedWeightsPath(weights)), owned: true };
  }
  if (weights === null || typeof weights !== 'object' || !Object.values(weights).every((t) => t instanceof Tensor)) {
    throw new TypeError(`${model}: weights must be a state dict (name → Tensor), a .pth or .safetensors path, or a weights name such as 'DEFAULT'`);
  }
  return { state: weights as StateDict, owned: false };
}

/**
 * Builds a classifier and loads weights into it, with torchvision's rule: the class count comes from the weights,
 * and a different numClasses is refused (load first, then replace the head named by `head`). build sees the weights
 * for what else they fix (ViT's image size).
 */
export function buildClassifier<M extends Module>(model: string, head: string, options: ClassifierOptions, build: (numClasses: number, weights?: StateDict) => M): M {
  const { numClasses, weights } = options;
  if (weights === undefined || weights === null) return build(numClasses ?? 1000);
  const { state, owned } = readWeights(model, weights);
  try {
    const headWeight = state[`${head}.weight`];
    if (!headWeight) throw new Error(`${model}: the weights have no '${head}.weight'; are they weights of another architecture?`);
    const weightClasses = headWeight.shape[0];
    if (numClasses !== undefined && numClasses !== weightClasses) {
      throw new RangeError(`${model}: numClasses ${numClasses} differs from the weights' ${weightClasses} classes; build with the weights' classes (leave numClasses out), then replace the head '${head}' for ${numClasses} classes`);
    }
    const net = build(weightClasses, state);
    net.loadStateDict(state);
    return net;
  } finally {
    if (owned) dispose(state);
  }
}
