// What every transform is: a kernel's parameters drawn at random (from currentRandom()) and applied to an image
// (C×H×W) or to each image of a batch (N×C×H×W, independent parameters per image), as torchvision's transforms.
import type { Batch, WorkerSpec } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../torch/tensor.js';
import { printTransform, transformSpec } from './schema.js';

/**
 * A per-image transform. Images are float (values in [0, 1]) or uint8 (0..255), as in torchvision; the result keeps
 * the input's dtype and device unless the transform is about changing them. Each class declares its schema
 * (defineTransform), from which its worker rebuild and printed form come.
 */
export abstract class Transform {
  /** One image C×H×W, or a batch N×C×H×W whose images each get their own random parameters. */
  abstract forward(x: Tensor): Tensor;

  /** How a DataLoader worker thread rebuilds this transform: its module, class and constructor arguments. */
  workerSpec(): WorkerSpec { return transformSpec(this); }

  /** torchvision's printed form, e.g. `RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)`. */
  toString(): string { return printTransform(this); }
}

/** What a mixing transform may look at besides the batch: the trainer passes the model being trained and the epoch. */
export interface MixingContext {
  model?: Module;
  epoch?: number;
}

/**
 * A transform of whole collated batches {inputs, targets}, run by the Trainer before the forward pass (mixup, cutmix,
 * mosaic, adversarial erasing): it may mix images across the batch and turn class indices into soft targets (N×K
 * probabilities), so it sees the targets too, unlike a per-image Transform.
 */
export abstract class MixingTransform {
  /** The new batch; the input batch is left as it was (the caller disposes it). */
  abstract forward(batch: Batch, context?: MixingContext): Batch;
  workerSpec(): WorkerSpec { return transformSpec(this); }
  toString(): string { return printTransform(this); }
}
