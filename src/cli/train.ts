// `cnnkit train`: trains a model and writes the run folder (config.json, metrics.csv, best.safetensors,
// last.safetensors, learning-curves.svg): the library's run.train with flags. With --nproc-per-node, the command
// starts its ranks itself (distributed.launch) as this command without the launcher's flags.
import { launch } from '../distributed/launch.js';
import { listModels } from '../models/index.js';
import { optionName, type TrainOptions } from '../run/options.js';
import { train as trainRun } from '../run/train.js';
import { parseFlags, type FlagSpec, type Flags } from './args.js';
import { UsageError } from '../util/usage-error.js';

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
  'batch-size': { type: 'number', about: 'batch size (default 128); data-parallel: per rank, so the global batch is this × the ranks' },
  limit: { type: 'number', about: 'train on N training images only: the first N, or a seeded random N of an image folder' },
  augment: { type: 'string', about: 'augment the training images by a recipe, e.g. "hflip,randomErasing(0.3)" (cnnkit augment --list)' },
  'val-fraction': { type: 'number', about: 'share of the training images held out for validation (default 0.1)' },
  seed: { type: 'number', about: 'random seed (default 0)' },
  workers: { type: 'number', about: 'data-loading worker threads (default 0: load in the main thread)' },
  threads: { type: 'number', about: 'libtorch threads (default: all cores; data-parallel: the cores / the ranks on this host)' },
  device: { type: 'string', about: 'auto (default: CUDA when libtorch has it, else the CPU), cpu, cuda or cuda:N; batches reach CUDA from pinned memory without blocking' },
  precision: { type: 'string', about: '32 (default), bf16 (autocast to bfloat16, CPU and CUDA) or fp16 (autocast to float16 with loss scaling as PyTorch\'s GradScaler, CUDA only)' },
  'channels-last': { type: 'boolean', about: 'model and batches in channels_last (NHWC) memory format' },
  accumulate: { type: 'number', about: 'gradient accumulation: the optimizer steps every N batches, as on one batch N times larger (default 1)' },
  out: { type: 'string', about: 'the run folder (default runs/<dataset>-<model>-<time>)' },
  resume: { type: 'boolean', about: 'continue the run in --out from its last.safetensors' },
  quiet: { type: 'boolean', about: 'print only the final result' },
  json: { type: 'boolean', about: 'print one JSON line per epoch and a JSON result' },
  weights: { type: 'string', about: 'start from pretrained weights, with a new head for the data\'s classes: a weights name for --model (IMAGENET1K_V1, DEFAULT) or a .safetensors / .pth file' },
  freeze: { type: 'string', about: 'what does not train: backbone (all but the head), none (default), or N (the first N layer groups; negative counts from the end)' },
  'sync-bn': { type: 'boolean', about: 'data-parallel: batch norm statistics over all ranks\' batches (SyncBatchNorm)' },
  'fine-tune': { type: 'boolean', about: 'fastai\'s fine-tune: 1 epoch training the head only, then the rest of --epochs training everything with lower learning rates for earlier layers (--lr: the head\'s peak, default 0.002)' },
};

/** The launcher's flags, as torchrun's; the ranks it starts get the other flags. */
const launcherFlags: FlagSpec = {
  'nproc-per-node': { type: 'number', about: 'data-parallel: start N ranks on this host (as torchrun); each gets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT' },
  nnodes: { type: 'number', about: 'data-parallel: hosts taking part (default 1); run the same command on each with its --node-rank' },
  'node-rank': { type: 'number', about: 'data-parallel: this host, 0..nnodes-1 (default 0; node 0 hosts rank 0, the master)' },
  'master-addr': { type: 'string', about: 'data-parallel: the address of node 0 (default 127.0.0.1)' },
  'master-port': { type: 'number', about: 'data-parallel: the port rank 0 listens on for the rendezvous (default 29500)' },
  'local-addr': { type: 'string', about: "data-parallel: this host's address that its ranks bind to (default: loopback for a loopback master, else the host name's)" },
};

/** The command line of one rank: this one with the launcher's flags left out. */
function rankArgs(flags: Flags): string[] {
  return Object.entries(flags).filter(([name]) => !(name in launcherFlags))
    .map(([name, value]) => (value === true ? `--${name}` : `--${name}=${String(value)}`));
}

async function launchRanks(flags: Flags): Promise<void> {
  if (flags['nproc-per-node'] === undefined) {
    const given = Object.keys(launcherFlags).filter((name) => flags[name] !== undefined).map((name) => `--${name}`);
    throw new UsageError(`train: ${given.join(', ')} go${given.length === 1 ? 'es' : ''} with --nproc-per-node N`);
  }
  await launch(process.execPath, [...process.execArgv, process.argv[1], 'train', ...rankArgs(flags)], {
    nprocPerNode: flags['nproc-per-node'] as number, nnodes: flags.nnodes as number | undefined, nodeRank: flags['node-rank'] as number | undefined,
    masterAddr: flags['master-addr'] as string | undefined, masterPort: flags['master-port'] as number | undefined, localAddr: flags['local-addr'] as string | undefined,
  });
}

export async function train(args: string[]): Promise<void> {
  const flags = parseFlags('train', args, { ...trainFlags, ...launcherFlags });
  if (Object.keys(launcherFlags).some((name) => flags[name] !== undefined)) return launchRanks(flags);
  const { quiet, json, ...rest } = flags;
  const options = Object.fromEntries(Object.entries(rest).map(([flag, value]) => [optionName(flag), value])) as TrainOptions;
  const result = await trainRun({ ...options, ...(quiet ? { progress: 'quiet' } : json ? { progress: 'json' } : {}) });
  // In a data-parallel run, rank 0 speaks for all.
  if (result.rank !== 0) return;
  const last = result.history[result.history.length - 1];
  if (json) {
    const scored = { [`${result.scored}_loss`]: result.loss, [`${result.scored}_acc`]: result.accuracy, best_epoch: result.bestEpoch, train_acc: last.train_acc, val_acc: last.val_acc, out: result.out };
    console.log(JSON.stringify(result.skipped !== null ? { ...scored, skipped_images: result.skipped.length } : scored));
  } else {
    console.log(`${result.scored === 'test' ? 'test' : 'validation'} accuracy ${(100 * result.accuracy).toFixed(2)} % (loss ${result.loss.toFixed(4)}) with the weights of epoch ${result.bestEpoch}; files in ${result.out}`);
  }
}
