// Training a run: the data, the model (optionally pretrained with a new head), the recipe, the optimizer and
// schedule, then fitting, with the run folder written as it goes (config.json, metrics.csv, best.safetensors,
// last.safetensors, learning-curves.svg, statistics.safetensors for fitted recipes) and the test set scored at the end.
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { autocastDtypeOf, precisions, type Precision } from '../amp/precision.js';
import { DataLoader } from '../data/dataloader.js';
import type { Dataset } from '../data/dataset.js';
import { DistributedSampler } from '../data/distributed-sampler.js';
import type { SkippedImage } from '../data/labelled-images.js';
import { getModel, layerGroups, listModels } from '../models/index.js';
import { pretrainedWithNewHead } from '../models/pretrained.js';
import { SyncBatchNorm } from '../nn/layers/sync-batch-norm.js';
import type { Module } from '../nn/module.js';
import { DistributedDataParallel } from '../nn/parallel/distributed-data-parallel.js';
import { l1, l2, type Regularizer } from '../nn/regularizers.js';
import { Adam, AdamW, SGD, type Optimizer } from '../optim/index.js';
import { CosineAnnealingLR, OneCycleLR, ReduceLROnPlateau, StepLR } from '../optim/lr-scheduler/index.js';
import { manualSeed, setNumThreads } from '../torch/runtime.js';
import { dispose } from '../torch/scope.js';
import { transformDataset } from '../data/transformed-dataset.js';
import { CSVLogger, EarlyStopping, learningCurvesSvg, loadCheckpoint, ModelCheckpoint, Trainer, type Callback, type EpochLogs, type Scheduler } from '../train/index.js';
import { optimizerStepsPerEpoch } from '../train/trainer.js';
import { fineTune } from '../train/fine-tune.js';
import { freeze, freezeTo } from '../train/freeze.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UsageError } from '../util/usage-error.js';
import { readRunConfig, writeRunConfig, type RunConfig } from './config.js';
import { fromRankZero, joinRunGroup, leaveRunGroup, shardOf, threadsPerRank } from './data-parallel.js';
import { resolveDevice } from './device.js';
import { describeSkipped, holdsIdxFiles, openDataset, openImageFolder, skippedImages } from './datasets.js';
import { modelInputSteps, publishedWeightsOf } from './model-input.js';
import { flagName, positive, rate, type TrainOptions } from './options.js';
import { fitStatistics, loadStatistics, readRecipe } from './recipe.js';
import { trainValSplit } from './split.js';

/** The options that go with a folder of images only. */
const IMAGE_FOLDER_OPTIONS = ['labelsFromName', 'imageSize', 'strict', 'cacheImages'] as const;

export interface TrainResult {
  /** Which images scored the best weights at the end: the test set, or the validation images of a folder without one. */
  scored: 'test' | 'best_val';
  loss: number;
  accuracy: number;
  bestEpoch: number;
  history: EpochLogs[];
  /** The run folder. */
  out: string;
  /** Image files skipped as unreadable (an image folder without `strict`); null when the data is not a folder of images. */
  skipped: SkippedImage[] | null;
  /** This process's rank and the ranks in all (0 and 1 for a run in one process); only rank 0 writes the run folder. */
  rank: number;
  worldSize: number;
}

function makeOptimizer(options: TrainOptions, model: Module): Optimizer {
  const name = options.optimizer ?? 'adam';
  const weightDecay = rate(options, 'weightDecay');
  const params = model.parameters();
  switch (name) {
    case 'sgd': return new SGD(params, { lr: positive(options, 'lr', 0.05), momentum: rate(options, 'momentum', 1) || 0.9, weightDecay });
    case 'adam': return new Adam(params, { lr: positive(options, 'lr', 0.001), weightDecay });
    case 'adamw': return new AdamW(params, { lr: positive(options, 'lr', 0.001), weightDecay: options.weightDecay === undefined ? 0.01 : weightDecay });
    default: throw new UsageError(`train: unknown optimizer '${name}'; valid: sgd, adam, adamw`);
  }
}

function makeScheduler(options: TrainOptions, optimizer: Optimizer, epochs: number, stepsPerEpoch: number): { scheduler: Scheduler | null; interval: 'epoch' | 'batch' } {
  const lr = optimizer.paramGroups[0].lr;
  switch (options.scheduler) {
    case undefined: return { scheduler: null, interval: 'epoch' };
    case 'onecycle': return { scheduler: new OneCycleLR(optimizer, { maxLr: lr, epochs, stepsPerEpoch }), interval: 'batch' };
    case 'cosine': return { scheduler: new CosineAnnealingLR(optimizer, { tMax: epochs }), interval: 'epoch' };
    case 'step': return { scheduler: new StepLR(optimizer, { stepSize: Math.max(1, Math.floor(epochs / 3)), gamma: 0.1 }), interval: 'epoch' };
    case 'plateau': return { scheduler: new ReduceLROnPlateau(optimizer, { patience: 2, factor: 0.1 }), interval: 'epoch' };
    default: throw new UsageError(`train: unknown scheduler '${options.scheduler}'; valid: onecycle, cosine, step, plateau`);
  }
}

/** Applies `freeze`: 'backbone', 'none' or a layer-group count. */
function applyFreeze(model: Module, value: TrainOptions['freeze']): void {
  if (value === undefined || value === 'none') return;
  if (value === 'backbone') return freeze(model);
  const n = Number(value);
  const groups = layerGroups(model).length;
  if (!Number.isInteger(n) || n < -groups || n > groups) {
    throw new UsageError(`train: --freeze must be backbone, none, or an integer from ${-groups} to ${groups} (this model has ${groups} layer groups), got '${value}'`);
  }
  freezeTo(model, n);
}

/** fineTune sets its own freezing, optimizer and schedule. */
function checkFineTune(options: TrainOptions, epochs: number): void {
  if (!options.fineTune) return;
  for (const name of ['scheduler', 'optimizer', 'freeze', 'resume'] as const) {
    if (options[name] !== undefined) throw new UsageError(`train: --fine-tune sets its own freezing, optimizer and schedule; leave out ${flagName(name)}`);
  }
  if (epochs < 2) throw new UsageError(`train: --fine-tune needs --epochs 2 or more (1 with the head only, then the rest with everything), got ${epochs}`);
}

/** A resumed run keeps what its schedule and its recipe were laid out with. */
function checkResume(out: string, options: TrainOptions, epochs: number): void {
  if (!existsSync(join(out, 'last.safetensors'))) throw new UsageError(`train: --resume needs ${join(out, 'last.safetensors')}; give the run folder with --out`);
  const previous = readRunConfig(out).options;
  const planned = previous.epochs ?? 15;
  if ((options.scheduler === 'onecycle' || options.scheduler === 'cosine') && planned !== epochs) {
    throw new UsageError(`train: --resume continues a ${options.scheduler} schedule planned over ${planned} epochs; give --epochs ${planned}`);
  }
  if (previous.augment !== options.augment) {
    throw new UsageError(`train: --resume continues a run trained ${previous.augment === undefined ? 'without --augment; leave it out' : `with --augment "${previous.augment}"; give the same recipe`}`);
  }
}

/** The precision asked for, or a UsageError naming --precision where it cannot run on `device`. */
function checkPrecision(precision: string | undefined, device: string): Precision {
  const asked = precision ?? '32';
  if (!(precisions as readonly string[]).includes(asked)) throw new UsageError(`train: --precision must be ${precisions.slice(0, -1).join(', ')} or ${precisions.at(-1)}, got '${asked}'`);
  try {
    autocastDtypeOf(asked as Precision, device);
  } catch (error) {
    throw new UsageError(`train: --precision ${asked} on ${device}: ${(error as Error).message}`);
  }
  return asked as Precision;
}

/** What data-parallel training does not do yet. */
function checkDataParallel(options: TrainOptions, device: string): void {
  if (options.fineTune) throw new UsageError('train: --fine-tune does not run data-parallel yet (it unfreezes layers during the run); train in one process');
  if (device !== 'cpu') throw new UsageError(`train: data-parallel training runs on the CPU (Gloo); give --device cpu, got ${device}`);
}

/**
 * Trains a model as `cnnkit train` does and writes its run folder; resolves when the best weights are scored.
 * Where RANK and WORLD_SIZE are set (torchrun's environment, as `cnnkit train --nproc-per-node` sets it), the
 * process is one rank of a data-parallel run: batchSize is per rank, only rank 0 reports progress and writes the run
 * folder, and every rank logs the metrics of the whole data.
 */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  // `data` is a folder of images unless a named data set is given or the folder holds IDX files.
  const imageFolder = options.data !== undefined && options.dataset === undefined && !holdsIdxFiles(options.data);
  for (const name of IMAGE_FOLDER_OPTIONS) {
    if (!imageFolder && options[name] !== undefined) throw new UsageError(`train: ${flagName(name)} goes with --data DIR, a folder of images`);
  }
  // Published weights bring their preprocessing: the decode size, a centre crop and their normalization.
  const published = publishedWeightsOf(options.model ?? 'lecture_cnn', options.weights);
  const images = imageFolder
    ? openImageFolder(options.data!, { labelsFromName: options.labelsFromName, imageSize: positive(options, 'imageSize', published?.transforms.resizeSize[0] ?? 64, true),
      strict: Boolean(options.strict), cache: Boolean(options.cacheImages) })
    : null;
  const datasetName = images?.name ?? options.dataset ?? 'fashion-mnist';
  const modelName = options.model ?? 'lecture_cnn';
  if (!listModels().includes(modelName)) throw new UsageError(`train: unknown model '${modelName}'; available: ${listModels().join(', ')}`);
  const epochs = positive(options, 'epochs', 15, true);
  checkFineTune(options, epochs);
  const monitor = options.monitor ?? 'val_loss';
  if (monitor !== 'val_loss' && monitor !== 'val_acc') throw new UsageError(`train: --monitor must be val_loss or val_acc, got '${monitor}'`);
  const batchSize = positive(options, 'batchSize', 128, true);
  const seed = options.seed ?? 0;
  const valFraction = rate(options, 'valFraction', 1) || 0.1;
  const workers = rate(options, 'workers');
  const device = resolveDevice(options.device, 'train');
  const precision = checkPrecision(options.precision, device);
  const accumulate = positive(options, 'accumulate', 1, true);
  const parallel = joinRunGroup();
  if (parallel) checkDataParallel(options, device);
  const primary = (parallel?.rank ?? 0) === 0;
  setNumThreads(positive(options, 'threads', parallel ? threadsPerRank(parallel) : availableParallelism(), true));
  manualSeed(seed); // the model's initial weights too
  const out = options.out ?? join('runs', `${datasetName}-${modelName}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (options.resume) checkResume(out, options, epochs);
  if (primary) mkdirSync(out, { recursive: true });

  const data = images ?? openDataset(datasetName, options.data);
  if (primary && images && images.unmatched.length > 0) {
    console.error(`cnnkit: warning: --labels-from-name labels none of ${images.unmatched.length} image files, left out: ${images.unmatched.slice(0, 5).join(', ')}${images.unmatched.length > 5 ? ', …' : ''}`);
  }
  const limit = options.limit === undefined ? undefined : positive(options, 'limit', 1, true);
  const [trainSet, valSet] = trainValSplit(data.train, { limit, valFraction, seed }, images !== null);
  // The recipe's per-sample steps augment the training images only; its fitted steps (featurewise, zca) are fitted on
  // them, saved with the run, and applied to the validation and test images too.
  const recipe = options.augment === undefined ? null : readRecipe('train', options.augment, data.classes.length);
  if (recipe && options.resume) loadStatistics(recipe, out, 'train');
  else if (recipe) fitStatistics(recipe, trainSet, primary ? out : null);
  const modelOptions = {
    inChannels: data.channels, numClasses: data.classes.length, inputSize: data.size,
    batchNorm: Boolean(options.batchNorm), spatialDropout: rate(options, 'spatialDropout', 1), residual: Boolean(options.residual),
    // Only when asked: torchvision's models have dropout of their own by default (0.2 in MobileNets, 0.5 in VGG).
    ...(options.dropout !== undefined ? { dropout: rate(options, 'dropout', 1) } : {}),
  };
  const built = options.weights === undefined ? getModel(modelName, modelOptions) : await pretrainedWithNewHead(modelName, modelOptions, options.weights);
  applyFreeze(built, options.freeze);
  // SyncBatchNorm keeps BatchNorm's parameter and buffer names, so checkpoints load into the plain model.
  const model = parallel && options.syncBn ? SyncBatchNorm.convertSyncBatchnorm(built, parallel.group) : built;
  const toModel = modelInputSteps(model, data.channels, published, 'train');
  // Workers that live through the run spare each epoch their start-up (reading the modules, libtorch, sharp).
  const loaderOptions = { batchSize, numWorkers: workers, persistentWorkers: workers > 0 };
  // Data-parallel: each rank trains on its DistributedSampler share (the same seeded order on every rank) and scores
  // its share of the validation and test images; the tallies are summed over the ranks.
  const sampler = parallel ? new DistributedSampler(trainSet.length, { numReplicas: parallel.worldSize, rank: parallel.rank, shuffle: true, seed }) : undefined;
  const scored = <S>(set: Dataset<S>) => (parallel ? shardOf(set, parallel) : set);
  const trainLoader = new DataLoader(transformDataset(trainSet, [...(recipe?.sample ?? []), ...toModel]), { ...loaderOptions, ...(sampler ? { sampler } : { shuffle: true }), seed });
  const valLoader = new DataLoader(transformDataset(scored(valSet), [...(recipe?.fitted ?? []), ...toModel]), loaderOptions);
  const testLoader = data.test ? new DataLoader(transformDataset(scored(data.test), [...(recipe?.fitted ?? []), ...toModel]), loaderOptions) : null;

  const optimizer = makeOptimizer(options, model);
  const { scheduler, interval } = makeScheduler(options, optimizer, epochs, optimizerStepsPerEpoch(trainLoader.length, accumulate));
  const regularizers: Regularizer[] = [];
  if (options.l1) regularizers.push(l1(rate(options, 'l1')));
  if (options.l2) regularizers.push(l2(rate(options, 'l2')));
  const { progress, ...asked } = options;
  const config: RunConfig = {
    command: 'train', dataset: datasetName, model: modelName, modelOptions, options: asked, classes: [...data.classes],
    trainImages: trainSet.length, valImages: valSet.length, augment: recipe?.text, ...(parallel ? { worldSize: parallel.worldSize } : {}),
  };
  if (primary) writeRunConfig(out, config);

  const callbacks: Callback[] = primary ? [new CSVLogger(join(out, 'metrics.csv')), new ModelCheckpoint(out, { monitor })] : [];
  // Each epoch's share of every rank comes from the same order: torch.randperm seeded by seed + epoch.
  if (sampler) callbacks.push({ onEpochBegin: (epoch) => sampler.setEpoch(epoch - 1) });
  if (options.earlyStopping !== undefined) {
    callbacks.push(new EarlyStopping({ monitor, patience: positive(options, 'earlyStopping', 1, true), restoreBestWeights: true }));
  }
  const run = { regularizers, callbacks, seed, config, progress: primary ? progress : 'quiet' as const, mixingTransforms: recipe?.batch, device, precision, channelsLast: Boolean(options.channelsLast), accumulate };
  const distributed = parallel ? { model: new DistributedDataParallel(model, { group: parallel.group }), group: parallel.group } : undefined;
  const trainer = new Trainer({ model, optimizer, scheduler, schedulerInterval: interval, distributed, ...run });
  if (options.resume) trainer.resume(join(out, 'last.safetensors'), [trainLoader]);
  const ranks = parallel ? ` on ${parallel.worldSize} ranks (batch ${batchSize} per rank, ${batchSize * parallel.worldSize} in all${options.syncBn ? ', SyncBatchNorm' : ''})` : '';
  trainer.progress.message(`training ${modelName} (${model.numParameters().toLocaleString('en-US')} parameters) on ${trainSet.length} ${datasetName} images${ranks}, validating on ${valSet.length}; run folder ${out}`);
  const history = options.fineTune
    ? await fineTune(model, trainLoader, { epochs: epochs - 1, baseLr: options.lr ?? 2e-3, validation: valLoader, ...run })
    : await trainer.fit(trainLoader, { epochs, validation: valLoader });
  if (primary) writeFileAtomic(join(out, 'learning-curves.svg'), [Buffer.from(learningCurvesSvg(history))]);

  // The test set is scored with the best epoch's weights (by monitor), which rank 0 saved and passes to the others.
  let bestEpoch = 0;
  if (primary) {
    const best = loadCheckpoint(join(out, 'best.safetensors'));
    model.loadStateDict(best.weights);
    bestEpoch = best.info.epoch;
    dispose(best);
  }
  if (parallel) bestEpoch = fromRankZero(model, bestEpoch, parallel);
  // A folder without a test set: the best weights are scored on the validation images instead.
  const test = await trainer.evaluate(testLoader ?? valLoader);
  await Promise.all([trainLoader, valLoader, testLoader].map((loader) => loader?.close()));
  if (parallel) leaveRunGroup(parallel);
  const skipped = images ? skippedImages(images) : null;
  if (primary && skipped && skipped.length > 0) console.error(`cnnkit: warning: ${describeSkipped(skipped)}`);
  return { scored: testLoader ? 'test' : 'best_val', loss: test.loss, accuracy: test.accuracy, bestEpoch, history, out, skipped,
    rank: parallel?.rank ?? 0, worldSize: parallel?.worldSize ?? 1 };
}
