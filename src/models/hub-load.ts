// hub.load / hub.list as torch.hub reads them for 'pytorch/vision': the model zoo's builders with published
// weights downloaded (or found in the cache) first, so the builders themselves never wait on the network.
import { downloadWeights, isWeightsFile, type DownloadOptions } from '../hub/download.js';
import { getWeights, listModelsWithWeights, type Weights } from '../hub/registry.js';
import type { Module } from '../nn/module.js';
import type { StateDict } from '../torch/serialization.js';
import { getModel, listModels, type ModelOptions } from './index.js';

const SUPPORTED_REPOS = ['pytorch/vision'];

export interface HubLoadOptions extends Omit<ModelOptions, 'weights'>, DownloadOptions {
  /** A weights name ('DEFAULT', 'IMAGENET1K_V1', 'ResNet18_Weights.IMAGENET1K_V1'), registry weights, a file path or a state dict. */
  weights?: string | Weights | StateDict | null;
}

/** The models a hub repository offers, as torch.hub.list: the torchvision architectures of the zoo. */
export function list(repo: string): string[] {
  checkRepo(repo, 'list');
  return torchvisionModels();
}

function torchvisionModels(): string[] {
  const torchvision = new Set(listModelsWithWeights());
  return listModels().filter((name) => torchvision.has(name));
}

/**
 * Builds `model` from `repo` with optional weights, as torch.hub.load('pytorch/vision', 'resnet18', weights='DEFAULT').
 * Published weights are downloaded into the cache once (see downloadWeights for offline use).
 */
export async function load(repo: string, model: string, options: HubLoadOptions = {}): Promise<Module> {
  checkRepo(repo, 'load');
  const available = torchvisionModels();
  if (typeof model !== 'string' || !available.includes(model)) {
    throw new Error(`hub.load: '${String(model)}' is not a model of ${repo}; available: ${available.join(', ')}` +
      (listModels().includes(model) ? `; cnnkit's own '${model}' comes from models.getModel` : ''));
  }
  const { weights, cacheDir, progress, checkHash, offline, ...modelOptions } = options;
  let resolved: ModelOptions['weights'] = weights as ModelOptions['weights'];
  if (isPublished(weights)) {
    const entry = typeof weights === 'string' ? getWeights(weights, model) : weights;
    if (entry.model !== model) throw new Error(`hub.load: ${entry.name} are weights of ${entry.model}, not of ${model}`);
    resolved = await downloadWeights(entry, { cacheDir, progress, checkHash, offline });
  }
  return getModel(model, { ...modelOptions, weights: resolved });
}

function isPublished(weights: HubLoadOptions['weights']): weights is string | Weights {
  if (typeof weights === 'string') return !isWeightsFile(weights);
  return typeof weights === 'object' && weights !== null && typeof (weights as Weights).url === 'string' && typeof (weights as Weights).model === 'string';
}

function checkRepo(repo: string, caller: string): void {
  const name = typeof repo === 'string' ? repo.split(':')[0] : repo;
  if (!SUPPORTED_REPOS.includes(name)) {
    throw new Error(`hub.${caller}: repository ${JSON.stringify(repo)} is not supported; cnnkit builds models of ${SUPPORTED_REPOS.join(', ')} ` +
      '(torchvision) itself and runs no code from other repositories');
  }
}
