// Transfer learning on the command line: --weights (pretrained weights with a new head for the data's classes),
// --freeze (what trains) and --fine-tune (fastai's recipe).
import { getModel, headOf, layerGroups, replaceHead, type ModelOptions } from '../models/index.js';
import type { Module } from '../nn/module.js';
import { dispose } from '../torch/scope.js';
import { freeze, freezeTo } from '../train/freeze.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import type { FlagSpec } from './args.js';
import { UsageError } from './usage-error.js';

export const transferFlags: FlagSpec = {
  weights: { type: 'string', about: 'start from pretrained weights, with a new head for the data\'s classes: a weights name for --model (IMAGENET1K_V1, DEFAULT) or a .safetensors / .pth file' },
  freeze: { type: 'string', about: 'what does not train: backbone (all but the head), none (default), or N (the first N layer groups; negative counts from the end)' },
  'fine-tune': { type: 'boolean', about: 'fastai\'s fine-tune: 1 epoch training the head only, then the rest of --epochs training everything with lower learning rates for earlier layers (--lr: the head\'s peak, default 0.002)' },
};

type Flags = Record<string, string | number | boolean>;

/**
 * The model, with pretrained weights when --weights is given: every layer from the weights except the head, which
 * is new, sized for `numClasses` and initialized as torchvision does.
 */
export function buildModel(name: string, options: ModelOptions, weights: string | undefined): Module {
  if (weights === undefined) return getModel(name, options);
  if (!/\.safetensors$/i.test(weights)) {
    // A weights name or a .pth file: the zoo's builder reads it, with the weights' own classes.
    const model = getModel(name, { ...options, numClasses: undefined, weights });
    replaceHead(model, options.numClasses!);
    return model;
  }
  const model = getModel(name, options);
  const head = headOf(model);
  const headName = model.namedModules().find(([, m]) => m === head)![0];
  const checkpoint = loadCheckpoint(weights);
  try {
    const state = Object.fromEntries(Object.entries(checkpoint.weights).filter(([key]) => !key.startsWith(`${headName}.`)));
    const { missingKeys, unexpectedKeys } = model.loadStateDict(state, { strict: false });
    const missing = missingKeys.filter((key) => !key.startsWith(`${headName}.`));
    if (missing.length || unexpectedKeys.length) {
      throw new UsageError(`train: --weights ${weights} do not fit ${name}: ${[...missing.map((k) => `missing ${k}`), ...unexpectedKeys.map((k) => `unexpected ${k}`)].slice(0, 6).join(', ')}; are they for another model?`);
    }
  } finally {
    dispose(checkpoint);
  }
  return model;
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
