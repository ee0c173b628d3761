// Classification metrics accumulated over batches as plain numbers.
import { noGrad } from '../torch/autograd.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';

/** Class indices of targets given as indices (N) or as soft labels (N×C, e.g. after mixup). */
export function hardTargets(target: Tensor): Tensor {
  return target.ndim === 2 ? target.argmax(1) : target;
}

/** Counts of correct top-k predictions for each k, for one batch. */
export function topkCorrect(logits: Tensor, target: Tensor, ks: number[]): number[] {
  return tidy(() => noGrad(() => {
    const maxK = Math.min(Math.max(...ks), logits.shape[1]);
    const top = logits.topk(maxK, 1).indices;
    const hits = top.eq(hardTargets(target).unsqueeze(1));
    return ks.map((k) => hits.narrow(1, 0, Math.min(k, maxK)).any(1).sum().item() as number);
  }));
}

/** A running mean of per-batch values weighted by batch size. */
export class RunningMean {
  private total = 0;
  private count = 0;
  add(value: number, weight = 1): void {
    this.total += value * weight;
    this.count += weight;
  }
  get value(): number {
    return this.count ? this.total / this.count : NaN;
  }
  /** The weighted sum and the total weight, e.g. to add up over ranks. */
  get parts(): [number, number] {
    return [this.total, this.count];
  }
  /** A mean from a weighted sum and its total weight. */
  static of(total: number, count: number): RunningMean {
    const mean = new RunningMean();
    mean.total = total;
    mean.count = count;
    return mean;
  }
}

/** A confusion matrix: rows are true classes, columns predicted ones. */
export class ConfusionMatrix {
  readonly counts: number[][];
  constructor(readonly numClasses: number) {
    this.counts = Array.from({ length: numClasses }, () => new Array(numClasses).fill(0));
  }
  add(logits: Tensor, target: Tensor): void {
    const [predicted, truth] = tidy(() => noGrad(() => [logits.argmax(1).tolist() as number[], hardTargets(target).tolist() as number[]]));
    truth.forEach((t, i) => this.counts[t][predicted[i]]++);
  }
  /** Accuracy per true class (NaN for a class with no samples). */
  perClassAccuracy(): number[] {
    return this.counts.map((row, c) => row[c] / row.reduce((a, b) => a + b, 0));
  }
  accuracy(): number {
    const correct = this.counts.reduce((n, row, c) => n + row[c], 0);
    return correct / this.counts.flat().reduce((a, b) => a + b, 0);
  }
}
