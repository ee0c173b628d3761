// A run folder's config.json: what the run is (data, architecture and its options, the options it was trained with,
// its classes and recipe), written when training starts and read back by --resume, evaluation and prediction.
// The same object is stored in every checkpoint the run writes, so a checkpoint alone is enough to rebuild the model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ModelOptions } from '../models/index.js';
import { datasetNames } from './datasets.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { optionName, type TrainOptions } from './options.js';

export const CONFIG_FILE = 'config.json';

// A type rather than an interface, so that it is a plain JSON object to the checkpoint that stores it.
export type RunConfig = {
  command: 'train';
  /** The named data set, or the image folder's name. */
  dataset: string;
  model: string;
  modelOptions: ModelOptions;
  /** What the run was asked for. */
  options: TrainOptions;
  /** Class names in output order (missing in runs written before cnnkit 0.2: then the data set's). */
  classes?: string[];
  trainImages: number;
  valImages: number;
  /** The augmentation recipe's text. */
  augment?: string;
  /** The ranks of a data-parallel run (its batchSize was per rank). */
  worldSize?: number;
};

/**
 * A run config from JSON: today's, or one written before the options were stored by name, whose `flags` held
 * the command line's flags (kebab-case), which name the same options.
 */
export function parseRunConfig(value: unknown, source: string): RunConfig {
  const config = value as Partial<RunConfig> & { flags?: Record<string, unknown> } | null;
  if (typeof config !== 'object' || config === null || typeof config.model !== 'string') {
    throw new Error(`${source} holds no run configuration (it was not written by cnnkit train)`);
  }
  const { flags, ...rest } = config;
  const options = config.options ?? Object.fromEntries(Object.entries(flags ?? {}).map(([flag, v]) => [optionName(flag), v])) as TrainOptions;
  return { ...rest, options, modelOptions: config.modelOptions ?? {}, dataset: config.dataset ?? 'fashion-mnist' } as RunConfig;
}

/** Whether the run trained on a folder of images (its `dataset` is then the folder's name, not a named data set). */
export function trainedOnImageFolder(config: RunConfig): boolean {
  return typeof config.options.data === 'string' && config.options.dataset === undefined && !datasetNames().includes(config.dataset);
}

export function readRunConfig(dir: string): RunConfig {
  const path = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${path} is missing; is ${dir} a run folder of cnnkit train?`);
  }
  try {
    return parseRunConfig(JSON.parse(text), path);
  } catch (error) {
    throw new Error(error instanceof SyntaxError ? `${path} is not JSON (${error.message})` : (error as Error).message);
  }
}

export function writeRunConfig(dir: string, config: RunConfig): void {
  writeFileAtomic(join(dir, CONFIG_FILE), [Buffer.from(`${JSON.stringify(config, null, 2)}\n`)]);
}
