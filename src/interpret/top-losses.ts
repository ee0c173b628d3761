// The samples a model gets most wrong: the highest per-sample cross-entropy, as fastai's top_losses.
import * as F from '../nn/functional.js';
import { noGrad } from '../torch/autograd.js';
import { describe } from '../torch/check.js';
import { tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';

export interface TopLoss {
  /** The sample's position in the batch given. */
  index: number;
  loss: number;
  predicted: number;
  actual: number;
  /** The softmax probability of the predicted class. */
  probability: number;
  /** The softmax probability of the true class. */
  actualProbability: number;
}

/** The logits (N×C) and class indices (N) checked against each other; `where` names the caller. */
export function checkLogits(logits: Tensor, targets: Tensor, where: string): void {
  if (!(logits instanceof Tensor) || logits.ndim !== 2) throw new TypeError(`${where}: logits must be an N×C tensor, got ${describe(logits)}`);
  if (!(targets instanceof Tensor) || targets.ndim !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new TypeError(`${where}: targets must be N class indices for the ${logits.shape[0]} rows of logits, got ${describe(targets)}`);
  }
}

/** The k samples (all with k ≥ N) with the highest cross-entropy of logits (N×C) against targets (N), highest first. */
export function topLosses(logits: Tensor, targets: Tensor, k: number): TopLoss[] {
  checkLogits(logits, targets, 'topLosses');
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topLosses: k must be an integer ≥ 1, got ${describe(k)}`);
  return tidy(() => noGrad(() => {
    const truth = targets.to('int64');
    const losses = F.crossEntropy(logits, truth, { reduction: 'none' });
    const top = losses.topk(Math.min(k, losses.shape[0]));
    const indices = top.indices.tolist() as number[];
    const probabilities = logits.softmax(1).indexSelect(0, top.indices);
    const predicted = probabilities.argmax(1);
    const picked = truth.indexSelect(0, top.indices);
    const lossValues = top.values.tolist() as number[];
    const predictedProbability = probabilities.gather(1, predicted.unsqueeze(1)).squeeze(1).tolist() as number[];
    const actualProbability = probabilities.gather(1, picked.unsqueeze(1)).squeeze(1).tolist() as number[];
    const predictedClass = predicted.tolist() as number[];
    const actualClass = picked.tolist() as number[];
    return indices.map((index, i) => ({
      index, loss: lossValues[i], predicted: predictedClass[i], actual: actualClass[i],
      probability: predictedProbability[i], actualProbability: actualProbability[i],
    }));
  }));
}
