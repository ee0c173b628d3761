// Test-time augmentation: the mean of the softmax over each image and its horizontal flip (fastai's tta() and
// timm's flip averaging). Its forward gives the log of that mean, so that cross entropy, accuracy and the
// confusion matrix take it as they take logits.
import { Module } from '../nn/module.js';
import type { Tensor } from '../torch/tensor.js';

export class FlipTTA extends Module {
  constructor(readonly model: Module) {
    super();
    // evaluate() puts a model back in the mode it found it in: the wrapped model's.
    this.training = model.training;
  }

  /** log((softmax(f(x)) + softmax(f(flip(x)))) / 2) over images N×C×H×W. */
  forward(inputs: Tensor): Tensor {
    const plain = this.model.forward(inputs).softmax(1);
    const flipped = this.model.forward(inputs.flip(3)).softmax(1);
    return plain.add(flipped).div(2).log();
  }
}
