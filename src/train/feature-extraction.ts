// Feature extraction: a frozen backbone's outputs are computed once, and only the head trains on them, instead of
// running the whole network forward every epoch (far faster on a CPU; the same result as training the frozen
// model without augmentation, since a frozen backbone with batch norms in eval mode is a fixed function).
import { DataLoader } from '../data/dataloader.js';
import { TensorDataset } from '../data/tensor-dataset.js';
import { Identity } from '../nn/layers/reshape.js';
import type { Module } from '../nn/module.js';
import { layerGroups } from '../models/heads.js';
import { Adam } from '../optim/adam.js';
import { noGrad } from '../torch/autograd.js';
import { cat } from '../torch/functions.js';
import { dispose, keep, tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { onDevice } from './evaluate.js';
import type { EpochLogs } from './logs.js';
import { Trainer, type Batches, type TrainerOptions } from './trainer.js';

/**
 * The head that extractFeatures leaves out and trainHead trains: the one module with parameters in the model's
 * last layer group (ResNet's fc, LectureCnn's and MobileNet's classifier, ViT's heads), with its property name.
 */
export function headModule(model: Module): { name: string; module: Module } {
  const head = layerGroups(model).at(-1)!;
  const trainable = head.names.map((name, i) => ({ name, module: head.modules[i] })).filter(({ module }) => module.parameters().length > 0);
  if (trainable.length !== 1 || trainable[0].name.includes('.')) {
    throw new Error(`headModule: ${model.typeName}'s head group (${head.names.join(', ')}) is not one top-level module with parameters; extract features by hand`);
  }
  return trainable[0];
}

/**
 * Runs the model with its head replaced by Identity over the batches, in eval mode without gradients, and returns
 * the features (what the head receives) with the targets. The model is left as it was.
 */
export async function extractFeatures(model: Module, batches: Batches, options: { device?: string } = {}): Promise<TensorDataset> {
  const { name, module: head } = headModule(model);
  const slot = model as unknown as Record<string, Module>;
  const modes = model.modules().map((m) => [m, m.training] as const);
  const features: Tensor[] = [];
  const targets: Tensor[] = [];
  slot[name] = new Identity();
  model.eval();
  try {
    for await (const batch of batches) {
      features.push(tidy(() => noGrad(() => keep(model.forward(onDevice(batch.inputs, options.device)).cpu()))));
      targets.push(keep(batch.targets.cpu()));
      dispose(batch);
    }
    if (features.length === 0) throw new Error('extractFeatures: the batches gave no batch');
    return tidy(() => new TensorDataset(keep(cat(features)), keep(cat(targets))));
  } finally {
    slot[name] = head;
    for (const [m, training] of modes) m.training = training;
    dispose([features, targets]);
  }
}

export interface TrainHeadOptions extends Omit<TrainerOptions, 'model' | 'optimizer'> {
  epochs: number;
  /** Default 64. */
  batchSize?: number;
  /** Adam's lr when no optimizer is given (default 1e-3). */
  lr?: number;
  /** Default Adam over the head's parameters. */
  optimizer?: TrainerOptions['optimizer'];
  /** Features of validation data (extractFeatures), scored after each epoch. */
  validation?: TensorDataset;
}

/**
 * Trains the model's head (headModule) on extracted features, shuffled each epoch (seeded by `seed`, default 0);
 * the head is the model's own module, so the model predicts with it at once. Returns the history.
 */
export async function trainHead(model: Module, features: TensorDataset, options: TrainHeadOptions): Promise<EpochLogs[]> {
  const { epochs, batchSize = 64, lr = 1e-3, optimizer, validation, seed = 0, ...trainerOptions } = options;
  if (!(features instanceof TensorDataset)) throw new TypeError('trainHead: features must be the TensorDataset that extractFeatures returns');
  const { module: head } = headModule(model);
  const ownOptimizer = optimizer ? null : new Adam(head.parameters(), { lr });
  const trainer = new Trainer({ ...trainerOptions, seed, model: head, optimizer: optimizer ?? ownOptimizer! });
  const loader = new DataLoader(features, { batchSize, shuffle: true, seed });
  try {
    return await trainer.fit(loader, { epochs, validation: validation && new DataLoader(validation, { batchSize: Math.max(batchSize, 256) }) });
  } finally {
    ownOptimizer?.dispose();
  }
}
