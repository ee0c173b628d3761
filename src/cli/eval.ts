// `cnnkit eval`: scores a checkpoint on a data set's test split.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { DataLoader } from '../data/dataloader.js';
import type { Dataset } from '../data/dataset.js';
import { transformDataset } from '../data/transformed-dataset.js';
import { getModel, type ModelOptions } from '../models/index.js';
import { dispose } from '../torch/scope.js';
import { load } from '../torch/serialization.js';
import { loadFittedStateDict } from '../transforms/recipe.js';
import { evaluate, loadCheckpoint } from '../train/index.js';
import { parseFlags } from './args.js';
import { readRecipe } from './augment.js';
import { channelAdapter } from './channels.js';
import { datasetNames, openDataset } from './datasets.js';
import { UsageError } from './usage-error.js';

export async function evaluateCommand(args: string[]): Promise<void> {
  const flags = parseFlags('eval', args, {
    checkpoint: { type: 'string', about: 'a best.safetensors or last.safetensors of a run' },
    dataset: { type: 'string', about: "the data set (default: the run's)" },
    data: { type: 'string', about: 'a folder with the IDX files instead of the npm copy' },
    'batch-size': { type: 'number', about: 'batch size (default 256)' },
    json: { type: 'boolean', about: 'print the result as JSON' },
  });
  const path = flags.checkpoint as string | undefined;
  if (!path) throw new UsageError('eval: give --checkpoint FILE (a best.safetensors or last.safetensors of a run)');
  if (!existsSync(path)) throw new UsageError(`eval: the checkpoint ${path} does not exist`);
  const checkpoint = loadCheckpoint(path);
  const config = checkpoint.info.config as { dataset?: string; model?: string; modelOptions?: ModelOptions; augment?: string } | undefined;
  if (!config?.model) {
    dispose(checkpoint);
    throw new Error(`eval: ${path} holds no run configuration (it was not written by cnnkit train)`);
  }
  const datasetName = (flags.dataset as string | undefined) ?? config.dataset ?? 'fashion-mnist';
  const folder = (config as { flags?: Record<string, unknown> }).flags?.data;
  if (flags.dataset === undefined && typeof folder === 'string' && !datasetNames().includes(datasetName)) {
    dispose(checkpoint);
    throw new UsageError(`eval: the run trained on the image folder ${folder}, which cnnkit eval does not score yet; ` +
      'cnnkit train scored its test (or validation) images at the end of the run; or give --dataset to score a named data set');
  }
  const data = openDataset(datasetName, flags.data as string | undefined);
  const model = getModel(config.model, config.modelOptions);
  try {
    model.loadStateDict(checkpoint.weights);
  } finally {
    dispose(checkpoint);
  }
  const batchSize = (flags['batch-size'] as number | undefined) ?? 256;
  const test = transformDataset(withFittedSteps(data.test, config.augment, data.classes.length, path), channelAdapter(model, data.channels, 'eval'));
  const result = await evaluate(model, new DataLoader(test, { batchSize }));
  const perClass = result.confusion.perClassAccuracy();
  if (flags.json) {
    console.log(JSON.stringify({ loss: result.loss, accuracy: result.accuracy, perClass: Object.fromEntries(data.classes.map((c, i) => [c, perClass[i]])), confusion: result.confusion.counts }));
    return;
  }
  console.log(`${datasetName} test set, ${data.test.length} images: loss ${result.loss.toFixed(4)}, accuracy ${(100 * result.accuracy).toFixed(2)} %\n`);
  const width = Math.max(...data.classes.map((c) => c.length));
  console.log('per class:');
  data.classes.forEach((c, i) => console.log(`  ${c.padEnd(width)}  ${(100 * perClass[i]).toFixed(1).padStart(5)} %`));
  console.log('\nconfusion matrix (rows: true class, columns: predicted):');
  const cell = Math.max(4, ...result.confusion.counts.flat().map((n) => String(n).length + 1));
  console.log(`  ${''.padEnd(width)} ${data.classes.map((_, i) => String(i).padStart(cell)).join('')}`);
  result.confusion.counts.forEach((row, i) => console.log(`  ${data.classes[i].padEnd(width)} ${row.map((n) => String(n).padStart(cell)).join('')}`));
}

/**
 * The test set through the run's fitted augmentation steps (featurewise, zca), with the statistics that training fitted
 * and saved beside the checkpoint; as it is when the run's recipe has none.
 */
function withFittedSteps(test: Dataset, recipeText: string | undefined, numClasses: number, checkpoint: string): Dataset {
  if (recipeText === undefined) return test;
  const recipe = readRecipe('eval', recipeText, numClasses);
  if (recipe.fitted.length === 0) return test;
  const statistics = join(dirname(checkpoint), 'statistics.safetensors');
  if (!existsSync(statistics)) throw new Error(`eval: the run was trained with --augment "${recipeText}", whose statistics belong in ${statistics}, which is missing; keep it beside the checkpoint`);
  const state = load(statistics);
  try {
    loadFittedStateDict(recipe, state);
  } finally {
    dispose(state);
  }
  return transformDataset(test, recipe.fitted);
}
