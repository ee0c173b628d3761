// Freezing for transfer learning, as fastai's freeze / unfreeze / freeze_to over layer groups, or by name.
// A frozen parameter has requiresGrad false: backward computes no gradient for it and optimizers skip it.
import { BatchNorm1d, BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Module } from '../nn/module.js';
import type { Parameter } from '../nn/parameter.js';
import { layerGroups } from '../models/heads.js';

export interface FreezeOptions {
  /**
   * Batch-norm layers in frozen parts stay in eval mode, even when a training loop calls model.train(), so their
   * running statistics keep the pretrained values (fastai's BnFreeze). Default true.
   */
  bnEval?: boolean;
  /**
   * Batch-norm weights and biases in frozen parts stay trainable (fastai's train_bn). Default false: a frozen part
   * is then a fixed function, so its features can be computed once (extractFeatures) and the pretrained
   * normalization is kept exactly; fastai's default (true) adapts a few parameters per channel to the new data.
   */
  trainBn?: boolean;
}

const isBatchNorm = (m: Module) => m instanceof BatchNorm1d || m instanceof BatchNorm2d;

// Batch norms held in eval mode: their `training` reads false whatever train() sets, until unpinned.
const pinned = new WeakSet<Module>();

function pinEval(bn: Module): void {
  if (pinned.has(bn)) return;
  Object.defineProperty(bn, 'training', { configurable: true, enumerable: true, get: () => false, set: () => {} });
  pinned.add(bn);
}

function unpin(bn: Module, training: boolean): void {
  if (!pinned.delete(bn)) return;
  delete (bn as { training?: boolean }).training;
  bn.training = training;
}

/** Makes `frozen` (modules with all they hold, and loose parameters) the only frozen part; everything else trains. */
function applyFreeze(model: Module, frozen: Module[], looseParams: Parameter[], options: FreezeOptions): void {
  const { bnEval = true, trainBn = false } = options;
  const frozenModules = new Set(frozen.flatMap((m) => m.modules()));
  const frozenParams = new Set<Parameter>(looseParams);
  for (const m of frozenModules) {
    if (trainBn && isBatchNorm(m)) continue;
    for (const p of m.parameters(false)) frozenParams.add(p);
  }
  for (const p of model.parameters()) {
    const freeze = frozenParams.has(p);
    p.requiresGrad_(!freeze);
    if (freeze) p.grad = null; // a gradient left from before would still be applied by the optimizer
  }
  for (const m of model.modules()) {
    if (!isBatchNorm(m)) continue;
    if (bnEval && frozenModules.has(m)) pinEval(m);
    else unpin(m, model.training);
  }
}

/**
 * Freezes the layer groups before group n and unfreezes the rest (fastai's freeze_to); a negative n counts from
 * the end, so freezeTo(model, -1) trains the head only. Groups: models.layerGroups(model).
 */
export function freezeTo(model: Module, n: number, options: FreezeOptions = {}): void {
  if (!(model instanceof Module)) throw new TypeError(`freezeTo: expected an nn.Module, got ${model === null ? 'null' : typeof model}`);
  const groups = layerGroups(model);
  const index = n < 0 ? groups.length + n : n;
  if (!Number.isInteger(n) || index < 0 || index > groups.length) {
    throw new RangeError(`freezeTo: n must be an integer from ${-groups.length} to ${groups.length} (${model.typeName} has ${groups.length} layer groups), got ${n}`);
  }
  // The model's own parameters (ViT's class_token) belong to the first group.
  applyFreeze(model, groups.slice(0, index).flatMap((g) => g.modules), index > 0 ? model.parameters(false) : [], options);
}

/** Trains the head group only (fastai's freeze). */
export function freeze(model: Module, options: FreezeOptions = {}): void {
  freezeTo(model, -1, options);
}

/** Trains everything, batch norms included, in the mode the model is in (fastai's unfreeze). */
export function unfreeze(model: Module): void {
  freezeTo(model, 0);
}

/**
 * Freezes the submodules and parameters whose dotted names are a prefix or below one ('layer1', 'features.0'),
 * and unfreezes everything else.
 */
export function freezeByName(model: Module, prefixes: string[], options: FreezeOptions = {}): void {
  if (!(model instanceof Module)) throw new TypeError(`freezeByName: expected an nn.Module, got ${model === null ? 'null' : typeof model}`);
  if (!Array.isArray(prefixes) || prefixes.some((p) => typeof p !== 'string' || p === '')) {
    throw new TypeError('freezeByName: prefixes must be an array of non-empty dotted names, e.g. ["conv1", "layer1"]');
  }
  const under = (name: string, prefix: string) => name === prefix || name.startsWith(`${prefix}.`);
  const modules = model.namedModules().filter(([name]) => name !== '');
  const frozen: Module[] = [];
  const looseParams: Parameter[] = [];
  for (const prefix of prefixes) {
    const matched = modules.filter(([name]) => under(name, prefix)).map(([, m]) => m);
    // A parameter's own name ('fc.bias') matches no module.
    const params = model.namedParameters().filter(([name]) => under(name, prefix)).map(([, p]) => p);
    if (matched.length === 0 && params.length === 0) {
      const top = model.namedChildren().map(([name]) => name).join(', ');
      throw new RangeError(`freezeByName: ${model.typeName} has no submodule or parameter '${prefix}'; its top-level submodules are ${top}`);
    }
    if (matched.length) frozen.push(...matched);
    else looseParams.push(...params);
  }
  applyFreeze(model, frozen, looseParams, options);
}
