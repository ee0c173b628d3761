// Scoring a run's checkpoint on a named data set's test split, through the run's fitted statistics and channel adapter.
import { DataLoader } from '../data/dataloader.js';
import { transformDataset } from '../data/transformed-dataset.js';
import { evaluate, type Evaluation } from '../train/evaluate.js';
import { UsageError } from '../util/usage-error.js';
import { channelAdapter } from './channels.js';
import { datasetNames, openDataset } from './datasets.js';
import { openRun } from './open.js';
import { loadStatistics, readRecipe } from './recipe.js';

export interface EvaluateRunOptions {
  /** The data set (default: the run's). */
  dataset?: string;
  /** A folder with the data set's IDX files instead of the npm copy. */
  data?: string;
  batchSize?: number;
}

export interface RunEvaluation extends Evaluation {
  dataset: string;
  classes: readonly string[];
  images: number;
}

export async function evaluateRun(checkpoint: string, options: EvaluateRunOptions = {}): Promise<RunEvaluation> {
  const { config, model, dir } = openRun(checkpoint, 'eval');
  const datasetName = options.dataset ?? config.dataset;
  if (options.dataset === undefined && typeof config.options.data === 'string' && !datasetNames().includes(datasetName)) {
    throw new UsageError(`eval: the run trained on the image folder ${config.options.data}, which cnnkit eval does not score yet; ` +
      'cnnkit train scored its test (or validation) images at the end of the run; or give --dataset to score a named data set');
  }
  const data = openDataset(datasetName, options.data);
  // The test images go through the run's fitted augmentation steps (featurewise, zca) with the statistics training saved.
  const recipe = config.augment === undefined ? null : readRecipe('eval', config.augment, data.classes.length);
  if (recipe) loadStatistics(recipe, dir, 'eval');
  const test = transformDataset(data.test, [...(recipe?.fitted ?? []), ...channelAdapter(model, data.channels, 'eval')]);
  const result = await evaluate(model, new DataLoader(test, { batchSize: options.batchSize ?? 256 }));
  return { ...result, dataset: datasetName, classes: data.classes, images: data.test.length };
}
