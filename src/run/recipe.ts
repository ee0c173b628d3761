// A run's augmentation recipe: read from its text, and its fitted steps (featurewise, zca) fitted on the training
// images once and saved in the run folder as statistics.safetensors, which evaluation and --resume load instead.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Dataset } from '../data/dataset.js';
import { dispose } from '../torch/scope.js';
import { load, save } from '../torch/serialization.js';
import { fittedStateDict, loadFittedStateDict, parseRecipe, type Recipe } from '../transforms/recipe.js';
import { UsageError } from '../util/usage-error.js';

export const STATISTICS_FILE = 'statistics.safetensors';

/** The recipe of --augment; its mistakes are usage errors. `command` names the caller in messages. */
export function readRecipe(command: string, text: unknown, numClasses: number): Recipe {
  if (typeof text !== 'string') throw new UsageError(`${command}: give the recipe with --augment "…" (cnnkit augment --list shows the names)`);
  try {
    return parseRecipe(text, { numClasses });
  } catch (error) {
    throw new UsageError(`${command}: --augment: ${(error as Error).message}`);
  }
}

/** Fits the recipe's fitted steps on `trainSet` and saves their statistics in `dir`. */
export function fitStatistics(recipe: Recipe, trainSet: Dataset, dir: string | null): void {
  if (recipe.fitted.length === 0) return;
  for (const step of recipe.fitted) step.fit(trainSet);
  // null: fitted only (a data-parallel rank other than 0, which writes no files).
  if (dir !== null) save(fittedStateDict(recipe), join(dir, STATISTICS_FILE), { recipe: recipe.text });
}

/** Loads the statistics that training fitted and saved in `dir` into the recipe's fitted steps. */
export function loadStatistics(recipe: Recipe, dir: string, command: string): void {
  if (recipe.fitted.length === 0) return;
  const path = join(dir, STATISTICS_FILE);
  if (!existsSync(path)) throw new Error(`${command}: the run was trained with --augment "${recipe.text}", whose statistics belong in ${path}, which is missing; keep it beside the checkpoint`);
  const state = load(path);
  try {
    loadFittedStateDict(recipe, state);
  } finally {
    dispose(state);
  }
}
