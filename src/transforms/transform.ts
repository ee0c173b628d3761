// What every transform is: a kernel's parameters drawn at random (from currentRandom()) and applied to an image
// (C×H×W) or to each image of a batch (N×C×H×W, independent parameters per image), as torchvision's transforms.
import type { Batch, WorkerSpec } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../torch/tensor.js';

/**
 * A per-image transform. Images are float (values in [0, 1]) or uint8 (0..255), as in torchvision; the result keeps
 * the input's dtype and device unless the transform is about changing them.
 */
export abstract class Transform {
  /** One image C×H×W, or a batch N×C×H×W whose images each get their own random parameters. */
  abstract forward(x: Tensor): Tensor;

  /** How a DataLoader worker thread rebuilds this transform: its module, class and constructor arguments. */
  abstract workerSpec(): WorkerSpec;

  /** torchvision's printed form, e.g. `RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)`. */
  abstract toString(): string;
}

/** What a batch transform may look at besides the batch: the trainer passes the model being trained and the epoch. */
export interface BatchContext {
  model?: Module;
  epoch?: number;
}

/**
 * A transform of whole collated batches, run after collation (mixup, cutmix, mosaic, adversarial erasing):
 * it may mix images across the batch and turn class indices into soft targets (N×K probabilities).
 */
export abstract class BatchTransform {
  /** The new batch; the input batch is left as it was (the caller disposes it). */
  abstract forward(batch: Batch, context?: BatchContext): Batch;
  abstract workerSpec(): WorkerSpec;
  abstract toString(): string;
}
