// What a training run is asked for: the options of `run.train` (and, kebab-cased, the flags of `cnnkit train`).
import type { Precision } from '../amp/precision.js';
import type { ProgressMode } from '../train/progress.js';
import { UsageError } from '../util/usage-error.js';

export interface TrainOptions {
  /** A named data set: 'fashion-mnist' (default) or 'mnist'. */
  dataset?: string;
  /** A folder of images (class folders, or flat with labelsFromName); with `dataset`, the folder of its IDX files. */
  data?: string;
  /** Label a flat `data` folder by this regular expression's first group on each file name. */
  labelsFromName?: string;
  /** Images are decoded at N×N: the shorter side scaled to N, the centre cropped (default 64, or the weights' resize size). */
  imageSize?: number;
  /** An unreadable image stops the run instead of being skipped. */
  strict?: boolean;
  /** Decode each image once and keep its pixels in memory for the later epochs. */
  cacheImages?: boolean;
  /** lecture_cnn (default), resnet20 or one of torchvision's architectures (models.listModels()). */
  model?: string;
  /** lecture_cnn's switches. */
  batchNorm?: boolean;
  dropout?: number;
  spatialDropout?: number;
  residual?: boolean;
  optimizer?: 'sgd' | 'adam' | 'adamw';
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  l1?: number;
  l2?: number;
  scheduler?: 'onecycle' | 'cosine' | 'step' | 'plateau';
  /** What "best" means for best.safetensors and early stopping (default val_loss). */
  monitor?: 'val_loss' | 'val_acc';
  earlyStopping?: number;
  epochs?: number;
  batchSize?: number;
  /** Train on N training images only: the first N, or a seeded random N of an image folder. */
  limit?: number;
  /** An augmentation recipe, e.g. "hflip,randomErasing(0.3)". */
  augment?: string;
  valFraction?: number;
  seed?: number;
  workers?: number;
  threads?: number;
  /** The run folder (default runs/<data>-<model>-<time>). */
  out?: string;
  /** Continue the run in `out` from its last.safetensors. */
  resume?: boolean;
  /** Pretrained weights with a new head: a weights name (IMAGENET1K_V1, DEFAULT) or a .safetensors/.pth file. */
  weights?: string;
  /** What does not train: 'backbone', 'none', or N (the first N layer groups; negative counts from the end). */
  freeze?: string | number;
  /** fastai's fine-tune: one epoch training the head, then the rest with discriminative learning rates. */
  fineTune?: boolean;
  /** auto (default: CUDA when libtorch has it), cpu, cuda or cuda:N. */
  device?: string;
  /** 32 (default), bf16 (autocast to bfloat16; CPU and CUDA) or fp16 (autocast to float16 with loss scaling; CUDA). */
  precision?: Precision;
  /** Model and batches in channels_last (NHWC) memory format. */
  channelsLast?: boolean;
  /** Step the optimizer every N batches, as one batch N times larger (default 1). */
  accumulate?: number;
  /** Data-parallel runs: batch norm over all ranks' batches (SyncBatchNorm), as PyTorch's reference train.py's --sync-bn. */
  syncBn?: boolean;
  /** How training reports its progress (default: a bar on a terminal, else lines). */
  progress?: ProgressMode;
}

/** The flag that sets an option on the command line, for messages: batchSize → --batch-size. */
export const flagName = (option: string): string => `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The option a flag sets: batch-size → batchSize. */
export const optionName = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function positive(options: TrainOptions, name: keyof TrainOptions, fallback: number, integer = false): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !(value > 0) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`train: ${flagName(name)} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
  return value;
}

export function rate(options: TrainOptions, name: keyof TrainOptions, max = Infinity): number {
  const value = (options[name] as number | undefined) ?? 0;
  if (!(typeof value === 'number' && value >= 0 && value < max)) {
    throw new UsageError(`train: ${flagName(name)} must be at least 0${max < Infinity ? ` and below ${max}` : ''}, got ${value}`);
  }
  return value;
}
