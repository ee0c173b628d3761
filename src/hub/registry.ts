// torchvision's published weights, as its weights API describes them (ResNet18_Weights.IMAGENET1K_V1 and so on):
// where each file is, the hash prefix torch.hub checks, the preprocessing the accuracies were measured with, and meta.
// The data is src/hub/torchvision-weights.json, made by scripts/make-weights-registry.py from torchvision itself.
// Imported as a module, so the compiler copies it into the build and it ships with the package.
import registryFile from './torchvision-weights.json' with { type: 'json' };

/** torchvision's ImageClassification preset: resize the short side, center-crop, scale to [0, 1], normalize. */
export interface WeightsTransforms {
  resizeSize: number[];
  cropSize: number[];
  mean: number[];
  std: number[];
  interpolation: 'nearest' | 'bilinear' | 'bicubic';
  antialias: boolean;
}

export interface WeightsMeta {
  /** Class names in output order, or null where only a feature extractor was trained. */
  categories: string[] | null;
  numClasses: number | null;
  numParams: number;
  /** The smallest input [height, width] the architecture accepts. */
  minSize: number[];
  recipe: string;
  /** e.g. {'ImageNet-1K': {'acc@1': 69.758, 'acc@5': 89.078}}; null where torchvision publishes none. */
  metrics: Record<string, Record<string, number | null>>;
  docs: string;
  license?: string;
}

/** One published weights file; a Weights object may also be made by hand for files of one's own. */
export interface Weights {
  /** torchvision's full name, e.g. 'ResNet18_Weights.IMAGENET1K_V1'. */
  name: string;
  /** The builder it belongs to, e.g. 'resnet18'. */
  model: string;
  url: string;
  fileName: string;
  /** The start of the file's sha256 that its name carries (torch.hub's check_hash), or null. */
  hashPrefix: string | null;
  transforms: WeightsTransforms;
  meta: WeightsMeta;
}

interface RegistryFile {
  source: string;
  categories: Record<string, string[]>;
  models: Record<string, {
    enum: string;
    default: string;
    weights: (Omit<Weights, 'name' | 'model' | 'meta'> & { name: string; meta: Omit<WeightsMeta, 'categories'> & { categories: string | null } })[];
  }>;
}

interface Registry {
  byModel: Map<string, { enumName: string; defaultName: string; weights: Weights[] }>;
}

let registry: Registry | undefined;

function load(): Registry {
  if (registry) return registry;
  const data = registryFile as RegistryFile;
  const byModel = new Map<string, { enumName: string; defaultName: string; weights: Weights[] }>();
  for (const [model, entry] of Object.entries(data.models)) {
    const weights = entry.weights.map((w) => Object.freeze({
      ...w,
      name: `${entry.enum}.${w.name}`,
      model,
      meta: { ...w.meta, categories: w.meta.categories === null ? null : data.categories[w.meta.categories] },
    }));
    byModel.set(model, { enumName: entry.enum, defaultName: entry.default, weights });
  }
  registry = { byModel };
  return registry;
}

/** The models that have published weights, e.g. ['resnet18', …]. */
export function listModelsWithWeights(): string[] {
  return [...load().byModel.keys()];
}

/** Every published weights entry of a model, as torchvision's get_model_weights(name). */
export function getModelWeights(model: string): Weights[] {
  const entry = load().byModel.get(model);
  if (!entry) throw new Error(`getModelWeights: no published weights for model '${model}'; models with weights: ${listModelsWithWeights().join(', ')}`);
  return [...entry.weights];
}

/**
 * One weights entry, as torchvision's get_weight: by full name ('ResNet18_Weights.IMAGENET1K_V1',
 * 'ResNet18_Weights.DEFAULT'), or by entry name for a model ('IMAGENET1K_V1' or 'DEFAULT' with 'resnet18').
 */
export function getWeights(name: string, model?: string): Weights {
  if (typeof name !== 'string') throw new TypeError(`getWeights: name must be a string such as 'ResNet18_Weights.IMAGENET1K_V1', got ${typeof name}`);
  const { byModel } = load();
  let found: { enumName: string; defaultName: string; weights: Weights[] } | undefined;
  let entryName = name;
  if (name.includes('.')) {
    const [enumName, rest] = [name.slice(0, name.lastIndexOf('.')), name.slice(name.lastIndexOf('.') + 1)];
    found = [...byModel.values()].find((e) => e.enumName === enumName);
    if (!found) {
      const enums = [...byModel.values()].map((e) => e.enumName);
      throw new Error(`getWeights: unknown weights enum '${enumName}' in '${name}'; known: ${enums.join(', ')}`);
    }
    if (model !== undefined && byModel.get(model) !== found) throw new Error(`getWeights: '${name}' are not weights of model '${model}'`);
    entryName = rest;
  } else {
    if (model === undefined) throw new Error(`getWeights: '${name}' needs a model (getWeights('${name}', 'resnet18')) or a full name such as 'ResNet18_Weights.${name}'`);
    found = byModel.get(model);
    if (!found) throw new Error(`getWeights: no published weights for model '${model}'; models with weights: ${listModelsWithWeights().join(', ')}`);
  }
  if (entryName === 'DEFAULT') entryName = found.defaultName;
  const weights = found.weights.find((w) => w.name === `${found.enumName}.${entryName}`);
  if (!weights) {
    throw new Error(`getWeights: ${found.enumName} has no entry '${entryName}'; it has ${found.weights.map((w) => w.name.split('.')[1]).join(', ')} and DEFAULT (= ${found.defaultName})`);
  }
  return weights;
}
