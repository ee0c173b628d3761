// The augmentation recipe language of the command line: `hflip,affine(degrees=15,translate=0.1,scale=0.9-1.1),mixup(0.2)`.
// Each name maps to a transform class, whose schema (schema.ts) gives the parameters with torchvision's option names and
// how each is read; per-sample techniques keep the recipe's order,
// batch techniques (mixup, cutmix, …) run after collation, in their own order.
import type { Dataset } from '../data/dataset.js';
import type { Tensor } from '../torch/tensor.js';
import { AdversarialErasing } from './adversarial-erasing.js';
import { CLAHE, ColorJitter, GaussianBlur, GaussianNoise, RandomAutocontrast, RandomEqualize, RandomGrayscale } from './color.js';
import { Cutout, GridMask, HideAndSeek, RandomErasing } from './erasing.js';
import { RandomAffine, RandomCrop, RandomHorizontalFlip, RandomResizedCrop, RandomRotation, RandomVerticalFlip } from './geometry.js';
import { CutMix, Mixup, MixupCutmix, Mosaic } from './mixing.js';
import { AutoAugment, RandAugment, TrivialAugmentWide } from './policies.js';
import { FeaturewiseStandardization, ZCAWhitening } from './statistics.js';
import { MixStyle, StyleAugment } from './style.js';
import { constructorArgs, schemaOf, type AnyTransform, type ParameterKind, type RecipeSchema, type TransformClass, type TransformSchema } from './schema.js';
import { MixingTransform, type Transform } from './transform.js';

/** Where a technique runs: on each sample in the loader, on collated batches, or per sample after fitting on the training set. */
export type RecipeStage = 'sample' | 'batch' | 'fitted';

/** A recipe name's technique: the class and its schema, which gives the parameters, their kinds, the constructor's form and the recipe's shorthands. */
interface RecipeEntry extends RecipeSchema {
  Class: TransformClass;
  schema: TransformSchema;
}

/** A transform fitted on the training images (featurewise, zca); its statistics are saved with a run and loaded for evaluation. */
export interface FittedTransform extends Transform {
  fit(images: Tensor | Dataset): unknown;
  stateDict(): Record<string, Tensor>;
  loadStateDict(state: Record<string, Tensor>): unknown;
}

export interface RecipeStep {
  /** The recipe name, e.g. `randomErasing`. */
  name: string;
  /** The step as written, e.g. `randomErasing(p=0.5)`. */
  text: string;
  stage: RecipeStage;
  transform: AnyTransform;
}

export interface Recipe {
  text: string;
  /** Every step in the order written. */
  steps: RecipeStep[];
  /** Per-sample transforms in order (the fitted ones among them): the training set's pipeline. */
  sample: Transform[];
  /** Mixing transforms in order, for the Trainer's mixingTransforms. */
  batch: MixingTransform[];
  /** The sample transforms to fit on the training images before training and to apply to validation and test data too. */
  fitted: FittedTransform[];
}

// The classes of the recipe language, in the order `cnnkit augment --list` shows them; their schemas name them.
const recipeClasses: TransformClass[] = [
  RandomHorizontalFlip, RandomVerticalFlip, RandomRotation, RandomAffine, RandomResizedCrop, RandomCrop, ColorJitter,
  RandomGrayscale, GaussianBlur, GaussianNoise, RandomEqualize, CLAHE, RandomAutocontrast, FeaturewiseStandardization,
  ZCAWhitening, RandomErasing, Cutout, HideAndSeek, GridMask, Mixup, CutMix, MixupCutmix, Mosaic, AdversarialErasing,
  StyleAugment, MixStyle, AutoAugment, RandAugment, TrivialAugmentWide,
];

const registry: Record<string, RecipeEntry> = Object.fromEntries(recipeClasses.map((Class) => {
  const schema = schemaOf(Class);
  if (!schema?.recipe) throw new TypeError(`recipe: ${Class.name} declares no recipe name in its schema`);
  return [schema.recipe.name, { Class, schema, ...schema.recipe }];
}));

/** The parameters a recipe may give: the class's options that have a kind, in the schema's order. */
function parametersOf(entry: RecipeEntry): Record<string, ParameterKind> {
  return Object.fromEntries(Object.entries(entry.schema.options).flatMap(([key, { kind }]) => (kind ? [[key, kind]] : [])));
}

/** Mixing transforms run on collated batches; those that fit statistics on the training set, per sample after fitting. */
function stageOf(entry: RecipeEntry): RecipeStage {
  if (entry.Class.prototype instanceof MixingTransform) return 'batch';
  return typeof (entry.Class.prototype as Partial<FittedTransform>).fit === 'function' ? 'fitted' : 'sample';
}

/** The recipe names, in the order of the table above. */
export function recipeNames(): string[] {
  return Object.keys(registry);
}

/** The registry entry of a recipe name (undefined for an unknown one). */
function recipeEntry(name: string): RecipeEntry | undefined {
  return Object.hasOwn(registry, name) ? registry[name] : undefined;
}

/** One line per name: `name  Class, stage: key=kind, …; shorthand name(…)`: the grammar's reference, made from the registry. */
export function describeRecipe(): string {
  const width = Math.max(...recipeNames().map((n) => n.length));
  const stageText: Record<RecipeStage, string> = { sample: 'per sample', batch: 'per batch, after collation', fitted: 'per sample, fitted on the training set' };
  return recipeNames().map((name) => {
    const entry = registry[name];
    const params = Object.entries(parametersOf(entry)).map(([key, kind]) => `${key}=${kind}`);
    const positional = entry.shorthand?.length ? `; shorthand ${name}(${entry.shorthand.join(', ')})` : '';
    const aliases = entry.aliases ? `; ${Object.entries(entry.aliases).map(([a, b]) => `${a} = ${b}`).join(', ')}` : '';
    return `${name.padEnd(width)}  ${entry.Class.name}, ${stageText[stageOf(entry)]}: ${params.join(', ')}${positional}${aliases}`;
  }).join('\n');
}

export interface ParseRecipeOptions {
  /** The data set's number of classes, given to batch techniques that make soft targets unless the recipe sets numClasses. */
  numClasses?: number;
}

/** Splits at commas outside parentheses. */
function splitTopLevel(text: string, where: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) throw new SyntaxError(`${where}: a ')' without its '(' at character ${i + 1} of '${text}'`);
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth > 0) throw new SyntaxError(`${where}: a '(' without its ')' in '${text}'`);
  parts.push(text.slice(start));
  return parts.map((s) => s.trim());
}

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const numberPattern = new RegExp(`^${NUMBER}$`);
// `a-b` with signed numbers on either side: -15-15, 0.9-1.1, -3--1, 1e-3-1e-2.
const rangePattern = new RegExp(`^(${NUMBER})-(${NUMBER})$`);
const sizePattern = /^(\d+)[x×](\d+)$/;
const listPattern = new RegExp(`^${NUMBER}(?:/${NUMBER})+$`);

/** A parameter's value from its text, checked against its kind; `where` names the step in messages. */
function readValue(text: string, kind: ParameterKind, where: string): unknown {
  const bad = (expected: string) => new TypeError(`${where}: expected ${expected}, got '${text}'`);
  const range = rangePattern.exec(text);
  const pair = range ? [Number(range[1]), Number(range[2])] : undefined;
  const isNumber = numberPattern.test(text);
  switch (kind) {
    case 'number':
      if (!isNumber) throw bad('a number');
      return Number(text);
    case 'integer':
      if (!isNumber || !Number.isInteger(Number(text))) throw bad('an integer');
      return Number(text);
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw bad('true or false');
      return text === 'true';
    case 'string':
      if (text === '') throw bad('a word');
      return text;
    case 'range':
      if (isNumber) return Number(text);
      if (pair) return pair;
      throw bad('a number or a range a-b');
    case 'pair':
      if (isNumber) return [Number(text), Number(text)];
      if (pair) return pair;
      throw bad('a number or a pair a-b');
    case 'size': {
      const size = sizePattern.exec(text);
      if (/^\d+$/.test(text)) return Number(text);
      if (size) return [Number(size[1]), Number(size[2])];
      throw bad('a size N or HxW');
    }
    case 'list':
      if (isNumber) return [Number(text)];
      if (listPattern.test(text)) return text.split('/').map(Number);
      throw bad('numbers a/b/c');
    case 'numbers':
      if (isNumber) return Number(text);
      if (listPattern.test(text)) return text.split('/').map(Number);
      throw bad('a number or several a/b/c');
    case 'value':
      if (isNumber) return Number(text);
      if (listPattern.test(text)) return text.split('/').map(Number);
      if (/^[A-Za-z]\w*$/.test(text)) return text;
      throw bad('a number, numbers a/b/c or a word');
  }
}

/** One step `name` or `name(args)` of a recipe, made into its transform. */
function parseStep(text: string, options: ParseRecipeOptions): RecipeStep {
  const match = /^([A-Za-z]\w*)\s*(?:\((.*)\))?$/s.exec(text);
  if (!match) throw new SyntaxError(`parseRecipe: '${text}' is not a technique; write name or name(key=value, …), e.g. randomErasing(p=0.5)`);
  const [, name, argText] = match;
  const entry = recipeEntry(name);
  if (!entry) throw new TypeError(`parseRecipe: unknown technique '${name}'; valid names: ${recipeNames().join(', ')}`);
  const where = `parseRecipe: ${text}`;
  const parameters = parametersOf(entry);
  const valid = () => `valid parameters of ${name}: ${Object.keys(parameters).join(', ')}${entry.aliases ? ` (also ${Object.keys(entry.aliases).join(', ')})` : ''}`;
  const given: Record<string, unknown> = {};
  const args = argText === undefined || argText.trim() === '' ? [] : splitTopLevel(argText, where);
  let positionalIndex = 0;
  for (const arg of args) {
    const eq = arg.indexOf('=');
    let key: string;
    let value: string;
    if (eq < 0) {
      const positional = entry.shorthand ?? [];
      if (positionalIndex >= positional.length) {
        throw new TypeError(`${where}: '${arg}' has no name and ${name} takes ${positional.length ? `only ${positional.length} value(s) without a name (${positional.join(', ')})` : 'no value without a name'}; ${valid()}`);
      }
      key = positional[positionalIndex++];
      value = arg;
    } else {
      const written = arg.slice(0, eq).trim();
      key = entry.aliases?.[written] ?? written;
      value = arg.slice(eq + 1).trim();
      if (!Object.hasOwn(parameters, key)) throw new TypeError(`${where}: unknown parameter '${written}'; ${valid()}`);
    }
    if (Object.hasOwn(given, key)) throw new TypeError(`${where}: ${key} is given twice`);
    given[key] = readValue(value, parameters[key], `${where}: ${key}`);
  }
  if ('numClasses' in parameters && given.numClasses === undefined && options.numClasses !== undefined) given.numClasses = options.numClasses;
  let transform: AnyTransform;
  try {
    transform = new entry.Class(...constructorArgs(entry.schema, { ...entry.defaults, ...given }));
  } catch (error) {
    throw new (error instanceof RangeError ? RangeError : TypeError)(`${where}: ${(error as Error).message}`, { cause: error });
  }
  return { name, text, stage: stageOf(entry), transform };
}

/**
 * Reads a recipe: comma-separated techniques `name` or `name(value, key=value, …)`; values are numbers, ranges `a-b`
 * ([a, b]; negative numbers work: `-10-10`), sizes `HxW`, true/false or words. Throws one line naming the fault.
 */
export function parseRecipe(text: string, options: ParseRecipeOptions = {}): Recipe {
  if (typeof text !== 'string' || text.trim() === '') throw new TypeError(`parseRecipe: expects a recipe such as 'hflip,randomErasing(0.5)', got ${JSON.stringify(text)}`);
  const steps = splitTopLevel(text, 'parseRecipe').map((part) => {
    if (part === '') throw new SyntaxError(`parseRecipe: an empty technique in '${text}' (two commas in a row, or one at an end)`);
    return parseStep(part, options);
  });
  return {
    text,
    steps,
    sample: steps.filter((s) => s.stage !== 'batch').map((s) => s.transform as Transform),
    batch: steps.filter((s) => s.stage === 'batch').map((s) => s.transform as MixingTransform),
    fitted: steps.filter((s) => s.stage === 'fitted').map((s) => s.transform as FittedTransform),
  };
}

/** The statistics of the recipe's fitted steps as one state dict, keyed `<step index>.<name>.<key>` (e.g. `0.featurewise.mean`). */
export function fittedStateDict(recipe: Recipe): Record<string, Tensor> {
  const state: Record<string, Tensor> = {};
  recipe.steps.forEach((step, i) => {
    if (step.stage !== 'fitted') return;
    for (const [key, value] of Object.entries((step.transform as FittedTransform).stateDict())) state[`${i}.${step.name}.${key}`] = value;
  });
  return state;
}

/** Gives the recipe's fitted steps the statistics of fittedStateDict(), as saved with a run. */
export function loadFittedStateDict(recipe: Recipe, state: Record<string, Tensor>): void {
  recipe.steps.forEach((step, i) => {
    if (step.stage !== 'fitted') return;
    const prefix = `${i}.${step.name}.`;
    const own = Object.fromEntries(Object.entries(state).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]));
    if (Object.keys(own).length === 0) {
      throw new Error(`loadFittedStateDict: no statistics for step ${i} (${step.text}) of '${recipe.text}'; they were saved for another recipe (keys ${Object.keys(state).join(', ') || 'none'})`);
    }
    (step.transform as FittedTransform).loadStateDict(own);
  });
}
