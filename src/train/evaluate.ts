// Scoring a model on batches: loss, accuracy, top-k and the confusion matrix, in eval mode without gradients.
import type { Batch } from '../data/dataset.js';
import * as F from '../nn/functional.js';
import type { Module } from '../nn/module.js';
import { noGrad } from '../torch/autograd.js';
import type { ProcessGroup } from '../torch/distributed.js';
import { dispose, tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { ConfusionMatrix, RunningMean, topkCorrect } from './metrics.js';
import { sumOverRanks } from './sum-over-ranks.js';

export interface Evaluation {
  loss: number;
  accuracy: number;
  topk?: number;
  confusion: ConfusionMatrix;
}

export interface EvaluateOptions {
  /** Default: cross entropy. */
  loss?: (output: Tensor, target: Tensor) => Tensor;
  topK?: number;
  device?: string;
  /** Data-parallel scoring: each rank scores its own share of the data and the tallies are summed over the group. */
  group?: ProcessGroup;
}

/** The default loss of training and scoring: cross entropy of logits against class indices or probabilities. */
export const defaultLoss = (output: Tensor, target: Tensor): Tensor => F.crossEntropy(output, target);

/** A batch tensor on the model's device (unchanged where no device is set or it is there already). */
export const onDevice = (t: Tensor, device?: string): Tensor => (device && t.device !== device ? t.to(device) : t);

/** The k of each accuracy counted: top-1, and top-k when asked for. */
export const accuracyKs = (topK?: number): number[] => (topK ? [1, topK] : [1]);

/** Scores `model` on every batch (freeing each), then restores the model's training mode. */
export async function evaluate(model: Module, batches: AsyncIterable<Batch> | Iterable<Batch>, options: EvaluateOptions = {}): Promise<Evaluation> {
  const lossOf = options.loss ?? defaultLoss;
  const toDevice = (t: Tensor) => onDevice(t, options.device);
  const ks = accuracyKs(options.topK);
  const wasTraining = model.training;
  model.eval();
  let loss = new RunningMean();
  let correct = 0;
  let topk = 0;
  let seen = 0;
  let confusion: ConfusionMatrix | null = null;
  try {
    for await (const batch of batches) {
      tidy(() => noGrad(() => {
        const targets = toDevice(batch.targets);
        const output = model.forward(toDevice(batch.inputs));
        confusion ??= new ConfusionMatrix(output.shape[1]);
        confusion.add(output, targets);
        const size = output.shape[0];
        loss.add(lossOf(output, targets).item() as number, size);
        const hits = topkCorrect(output, targets, ks);
        correct += hits[0];
        topk += hits[1] ?? 0;
        seen += size;
      }));
      dispose(batch);
    }
  } finally {
    model.train(wasTraining);
  }
  if (options.group) {
    const [lossSum, count, c, t, s] = sumOverRanks([...loss.parts, correct, topk, seen], options.group);
    loss = RunningMean.of(lossSum, count);
    [correct, topk, seen] = [c, t, s];
    confusion = sumConfusion(confusion, options.group);
  }
  if (seen === 0 || !confusion) throw new Error('evaluate: the data gave no batch');
  return { loss: loss.value, accuracy: correct / seen, topk: options.topK ? topk / seen : undefined, confusion };
}

/** The confusion matrices of all ranks added up (a rank whose share gave no batch adds zeros). */
function sumConfusion(local: ConfusionMatrix | null, group: ProcessGroup): ConfusionMatrix | null {
  const [classes] = sumOverRanks([local?.numClasses ?? 0], group, 'max');
  if (classes === 0) return null;
  const summed = new ConfusionMatrix(classes);
  const counts = sumOverRanks(local ? local.counts.flat() : new Array(classes * classes).fill(0), group);
  counts.forEach((n, i) => { summed.counts[Math.floor(i / classes)][i % classes] = n; });
  return summed;
}
