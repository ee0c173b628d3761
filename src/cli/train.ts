// `cnnkit train`: trains a model on a named data set and writes the run folder
// (config.json, metrics.csv, best.safetensors, last.safetensors, learning-curves.svg).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { DataLoader } from '../data/dataloader.js';
import type { Dataset } from '../data/dataset.js';
import { randomSplit } from '../data/random-split.js';
import { Subset } from '../data/subset.js';
import { transformDataset } from '../data/transformed-dataset.js';
import { listModels } from '../models/index.js';
import type { Module } from '../nn/module.js';
import { l1, l2, type Regularizer } from '../nn/regularizers.js';
import { Adam, AdamW, SGD, type Optimizer } from '../optim/index.js';
import { CosineAnnealingLR, OneCycleLR, ReduceLROnPlateau, StepLR } from '../optim/lr-scheduler/index.js';
import { manualSeed, setNumThreads } from '../torch/runtime.js';
import { dispose } from '../torch/scope.js';
import { load, save } from '../torch/serialization.js';
import { fittedStateDict, loadFittedStateDict } from '../transforms/recipe.js';
import { CSVLogger, EarlyStopping, learningCurvesSvg, loadCheckpoint, ModelCheckpoint, Trainer, type Callback, type Scheduler } from '../train/index.js';
import { fineTune } from '../train/fine-tune.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { parseFlags, type FlagSpec } from './args.js';
import { readRecipe } from './augment.js';
import { describeSkipped, holdsIdxFiles, openDataset, openImageFolder, skippedImages } from './datasets.js';
import { channelAdapter } from './channels.js';
import { applyFreeze, buildModel, checkFineTune, transferFlags, weightsPreprocessing } from './transfer.js';
import { UsageError } from './usage-error.js';

export const trainFlags: FlagSpec = {
  dataset: { type: 'string', about: 'fashion-mnist (default) or mnist' },
  data: { type: 'string', about: 'a folder of images: class folders (ImageFolder; train/ and test/ or val/ inside make a test set), or flat with --labels-from-name; with --dataset, the folder of its IDX files' },
  'labels-from-name': { type: 'string', about: "label a flat --data folder by this regular expression's first group on each file name, e.g. '^(cat|dog)\\.'" },
  'image-size': { type: 'number', about: 'with --data images: decode at N×N, the shorter side scaled to N and the centre cropped (default 64)' },
  strict: { type: 'boolean', about: 'with --data images: an unreadable file stops the run (default: skipped, and named in a warning at the end)' },
  'cache-images': { type: 'boolean', about: 'with --data images: decode each file once and keep its pixels in memory for the later epochs (images × 3 × size² bytes)' },
  model: { type: 'string', about: `${listModels().join(' or ')} (default lecture_cnn)` },
  'batch-norm': { type: 'boolean', about: 'batch normalization after each convolution (lecture_cnn)' },
  dropout: { type: 'number', about: 'dropout rate before the dense layers (lecture_cnn)' },
  'spatial-dropout': { type: 'number', about: 'Dropout2d rate in the conv blocks (lecture_cnn)' },
  residual: { type: 'boolean', about: 'skip connections in the conv blocks (lecture_cnn)' },
  optimizer: { type: 'string', about: 'sgd, adam (default) or adamw' },
  lr: { type: 'number', about: 'learning rate (default 0.001 for adam/adamw, 0.05 for sgd)' },
  momentum: { type: 'number', about: 'SGD momentum (default 0.9)' },
  'weight-decay': { type: 'number', about: 'weight decay (decoupled with adamw)' },
  l1: { type: 'number', about: 'L1 penalty on conv and linear weights' },
  l2: { type: 'number', about: 'L2 penalty on conv and linear weights' },
  scheduler: { type: 'string', about: 'onecycle, cosine, step or plateau' },
  monitor: { type: 'string', about: 'what "best" means for best.safetensors and early stopping: val_loss (default) or val_acc' },
  'early-stopping': { type: 'number', about: 'stop after this many epochs without a better monitored value, keeping the best weights' },
  epochs: { type: 'number', about: 'epochs (default 15)' },
  'batch-size': { type: 'number', about: 'batch size (default 128)' },
  limit: { type: 'number', about: 'train on N training images only: the first N, or a seeded random N of an image folder' },
  augment: { type: 'string', about: 'augment the training images by a recipe, e.g. "hflip,randomErasing(0.3)" (cnnkit augment --list)' },
  'val-fraction': { type: 'number', about: 'share of the training images held out for validation (default 0.1)' },
  seed: { type: 'number', about: 'random seed (default 0)' },
  workers: { type: 'number', about: 'data-loading worker threads (default 0: load in the main thread)' },
  threads: { type: 'number', about: 'libtorch threads (default: all cores)' },
  out: { type: 'string', about: 'the run folder (default runs/<dataset>-<model>-<time>)' },
  resume: { type: 'boolean', about: 'continue the run in --out from its last.safetensors' },
  quiet: { type: 'boolean', about: 'print only the final result' },
  json: { type: 'boolean', about: 'print one JSON line per epoch and a JSON result' },
  ...transferFlags,
};

type Flags = Record<string, string | number | boolean>;

function positive(flags: Flags, name: string, fallback: number, integer = false): number {
  const value = flags[name] ?? fallback;
  if (typeof value !== 'number' || !(value > 0) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`train: --${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
  return value;
}

function rate(flags: Flags, name: string, max = Infinity): number {
  const value = (flags[name] as number | undefined) ?? 0;
  if (!(value >= 0 && value < max)) throw new UsageError(`train: --${name} must be at least 0${max < Infinity ? ` and below ${max}` : ''}, got ${value}`);
  return value;
}

function makeOptimizer(flags: Flags, model: Module): Optimizer {
  const name = (flags.optimizer as string | undefined) ?? 'adam';
  const weightDecay = rate(flags, 'weight-decay');
  const params = model.parameters();
  switch (name) {
    case 'sgd': return new SGD(params, { lr: positive(flags, 'lr', 0.05), momentum: rate(flags, 'momentum', 1) || 0.9, weightDecay });
    case 'adam': return new Adam(params, { lr: positive(flags, 'lr', 0.001), weightDecay });
    case 'adamw': return new AdamW(params, { lr: positive(flags, 'lr', 0.001), weightDecay: flags['weight-decay'] === undefined ? 0.01 : weightDecay });
    default: throw new UsageError(`train: unknown optimizer '${name}'; valid: sgd, adam, adamw`);
  }
}

function makeScheduler(flags: Flags, optimizer: Optimizer, epochs: number, stepsPerEpoch: number): { scheduler: Scheduler | null; interval: 'epoch' | 'batch' } {
  const name = flags.scheduler as string | undefined;
  const lr = optimizer.paramGroups[0].lr;
  switch (name) {
    case undefined: return { scheduler: null, interval: 'epoch' };
    case 'onecycle': return { scheduler: new OneCycleLR(optimizer, { maxLr: lr, epochs, stepsPerEpoch }), interval: 'batch' };
    case 'cosine': return { scheduler: new CosineAnnealingLR(optimizer, { tMax: epochs }), interval: 'epoch' };
    case 'step': return { scheduler: new StepLR(optimizer, { stepSize: Math.max(1, Math.floor(epochs / 3)), gamma: 0.1 }), interval: 'epoch' };
    case 'plateau': return { scheduler: new ReduceLROnPlateau(optimizer, { patience: 2, factor: 0.1 }), interval: 'epoch' };
    default: throw new UsageError(`train: unknown scheduler '${name}'; valid: onecycle, cosine, step, plateau`);
  }
}

export async function train(args: string[]): Promise<void> {
  const flags = parseFlags('train', args, trainFlags);
  // --data is a folder of images unless a named data set is given or the folder holds IDX files.
  const imageFolder = flags.data !== undefined && flags.dataset === undefined && !holdsIdxFiles(flags.data as string);
  for (const name of ['labels-from-name', 'image-size', 'strict', 'cache-images']) {
    if (!imageFolder && flags[name] !== undefined) throw new UsageError(`train: --${name} goes with --data DIR, a folder of images`);
  }
  // Published weights bring their preprocessing: the decode size, a centre crop and their normalization.
  const preprocessing = weightsPreprocessing(flags);
  const images = imageFolder
    ? openImageFolder(flags.data as string, { labelsFromName: flags['labels-from-name'] as string | undefined, imageSize: positive(flags, 'image-size', preprocessing?.resizeSize ?? 64, true),
      strict: Boolean(flags.strict), cache: Boolean(flags['cache-images']) })
    : null;
  const datasetName = images?.name ?? (flags.dataset as string | undefined) ?? 'fashion-mnist';
  const modelName = (flags.model as string | undefined) ?? 'lecture_cnn';
  if (!listModels().includes(modelName)) throw new UsageError(`train: unknown model '${modelName}'; available: ${listModels().join(', ')}`);
  const epochs = positive(flags, 'epochs', 15, true);
  checkFineTune(flags, epochs);
  const monitor = (flags.monitor as string | undefined) ?? 'val_loss';
  if (monitor !== 'val_loss' && monitor !== 'val_acc') throw new UsageError(`train: --monitor must be val_loss or val_acc, got '${monitor}'`);
  const batchSize = positive(flags, 'batch-size', 128, true);
  const seed = (flags.seed as number | undefined) ?? 0;
  const valFraction = rate(flags, 'val-fraction', 1) || 0.1;
  const workers = rate(flags, 'workers');
  setNumThreads(positive(flags, 'threads', availableParallelism(), true));
  manualSeed(seed); // the model's initial weights too
  const out = (flags.out as string | undefined) ?? join('runs', `${datasetName}-${modelName}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (flags.resume) {
    if (!existsSync(join(out, 'last.safetensors'))) throw new UsageError(`train: --resume needs ${join(out, 'last.safetensors')}; give the run folder with --out`);
    // A one-cycle or cosine schedule is laid out over the run's epochs, so a resumed run keeps their number.
    const previous = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).flags as Flags;
    const planned = (previous.epochs as number | undefined) ?? 15;
    if ((flags.scheduler === 'onecycle' || flags.scheduler === 'cosine') && planned !== epochs) {
      throw new UsageError(`train: --resume continues a ${flags.scheduler} schedule planned over ${planned} epochs; give --epochs ${planned}`);
    }
    if (previous.augment !== flags.augment) {
      throw new UsageError(`train: --resume continues a run trained ${previous.augment === undefined ? 'without --augment; leave it out' : `with --augment "${previous.augment}"; give the same recipe`}`);
    }
  }
  mkdirSync(out, { recursive: true });
  const mode = flags.quiet ? 'quiet' : flags.json ? 'json' : undefined;

  const data = images ?? openDataset(datasetName, flags.data as string | undefined);
  if (images && images.unmatched.length > 0) {
    console.error(`cnnkit: warning: --labels-from-name labels none of ${images.unmatched.length} image files, left out: ${images.unmatched.slice(0, 5).join(', ')}${images.unmatched.length > 5 ? ', …' : ''}`);
  }
  let pool: Dataset = data.train;
  if (flags.limit !== undefined) {
    const limit = Math.min(positive(flags, 'limit', 1, true), data.train.length);
    // A folder's samples are grouped by class, so its first N would be one class: take a seeded random N instead.
    pool = images
      ? randomSplit(data.train, [limit, data.train.length - limit], { seed })[0]
      : new Subset(data.train, Int32Array.from({ length: limit }, (_, i) => i));
  }
  const valCount = Math.max(1, Math.round(pool.length * valFraction));
  const [trainSet, valSet] = randomSplit(pool, [pool.length - valCount, valCount], { seed });
  // The recipe's per-sample steps augment the training images only; its fitted steps (featurewise, zca) are fitted on
  // them, saved with the run, and applied to the validation and test images too.
  const recipe = flags.augment === undefined ? null : readRecipe('train', flags.augment, data.classes.length);
  if (recipe && recipe.fitted.length > 0) {
    const statistics = join(out, 'statistics.safetensors');
    if (flags.resume) {
      const state = load(statistics);
      loadFittedStateDict(recipe, state);
      dispose(state);
    } else {
      for (const step of recipe.fitted) step.fit(trainSet);
      save(fittedStateDict(recipe), statistics, { recipe: recipe.text });
    }
  }
  const modelOptions = {
    inChannels: data.channels, numClasses: data.classes.length, inputSize: data.size,
    batchNorm: Boolean(flags['batch-norm']), spatialDropout: rate(flags, 'spatial-dropout', 1), residual: Boolean(flags.residual),
    // Only when asked: torchvision's models have dropout of their own by default (0.2 in MobileNets, 0.5 in VGG).
    ...(flags.dropout !== undefined ? { dropout: rate(flags, 'dropout', 1) } : {}),
  };
  const model = await buildModel(modelName, modelOptions, flags.weights as string | undefined);
  applyFreeze(model, flags);
  // What every image goes through last: the model's channels, then the published weights' preprocessing.
  const toModel = [...channelAdapter(model, data.channels, 'train'), ...(preprocessing?.transforms ?? [])];
  // Workers that live through the run spare each epoch their start-up (reading the modules, libtorch, sharp).
  const loaderOptions = { batchSize, numWorkers: workers, persistentWorkers: workers > 0 };
  const trainLoader = new DataLoader(transformDataset(trainSet, [...(recipe?.sample ?? []), ...toModel]), { ...loaderOptions, shuffle: true, seed });
  const valLoader = new DataLoader(transformDataset(valSet, [...(recipe?.fitted ?? []), ...toModel]), loaderOptions);
  const testLoader = data.test ? new DataLoader(transformDataset(data.test, [...(recipe?.fitted ?? []), ...toModel]), loaderOptions) : null;

  const optimizer = makeOptimizer(flags, model);
  const { scheduler, interval } = makeScheduler(flags, optimizer, epochs, trainLoader.length);
  const regularizers: Regularizer[] = [];
  if (flags.l1) regularizers.push(l1(rate(flags, 'l1')));
  if (flags.l2) regularizers.push(l2(rate(flags, 'l2')));
  const config = { command: 'train', dataset: datasetName, model: modelName, modelOptions, flags, trainImages: trainSet.length, valImages: valSet.length, augment: recipe?.text };
  writeFileAtomic(join(out, 'config.json'), [Buffer.from(`${JSON.stringify(config, null, 2)}\n`)]);

  const callbacks: Callback[] = [new CSVLogger(join(out, 'metrics.csv')), new ModelCheckpoint(out, { monitor })];
  if (flags['early-stopping'] !== undefined) {
    callbacks.push(new EarlyStopping({ monitor, patience: positive(flags, 'early-stopping', 1, true), restoreBestWeights: true }));
  }
  const trainer = new Trainer({ model, optimizer, scheduler, schedulerInterval: interval, regularizers, callbacks, seed, config, progress: mode, mixingTransforms: recipe?.batch });
  if (flags.resume) trainer.resume(join(out, 'last.safetensors'), [trainLoader]);
  trainer.progress.message(`training ${modelName} (${model.numParameters().toLocaleString('en-US')} parameters) on ${trainSet.length} ${datasetName} images, validating on ${valSet.length}; run folder ${out}`);
  const history = flags['fine-tune']
    ? await fineTune(model, trainLoader, { epochs: epochs - 1, baseLr: (flags.lr as number | undefined) ?? 2e-3, validation: valLoader, regularizers, callbacks, seed, config, progress: mode, mixingTransforms: recipe?.batch })
    : await trainer.fit(trainLoader, { epochs, validation: valLoader });
  writeFileAtomic(join(out, 'learning-curves.svg'), [Buffer.from(learningCurvesSvg(history))]);

  // The test set is scored with the best epoch's weights (by --monitor).
  const best = loadCheckpoint(join(out, 'best.safetensors'));
  model.loadStateDict(best.weights);
  dispose(best);
  // A folder without a test set: the best weights are scored on the validation images instead.
  const test = await trainer.evaluate(testLoader ?? valLoader);
  await Promise.all([trainLoader, valLoader, testLoader].map((loader) => loader?.close()));
  const scored = testLoader ? 'test' : 'best_val';
  const last = history[history.length - 1];
  const result = { [`${scored}_loss`]: test.loss, [`${scored}_acc`]: test.accuracy, best_epoch: best.info.epoch, train_acc: last.train_acc, val_acc: last.val_acc, out };
  const skipped = images ? skippedImages(images) : [];
  if (skipped.length > 0) console.error(`cnnkit: warning: ${describeSkipped(skipped)}`);
  if (flags.json) console.log(JSON.stringify(images ? { ...result, skipped_images: skipped.length } : result));
  else console.log(`${testLoader ? 'test' : 'validation'} accuracy ${(100 * test.accuracy).toFixed(2)} % (loss ${test.loss.toFixed(4)}) with the weights of epoch ${best.info.epoch}; files in ${out}`);
}
