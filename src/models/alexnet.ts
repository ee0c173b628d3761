// torchvision's AlexNet ("One weird trick" variant, Krizhevsky 2014): five convolutions, 6×6 adaptive pooling,
// three dense layers in `classifier`, and PyTorch's default initialization (torchvision sets none of its own).
import type { Tensor } from '../torch/tensor.js';
import { ReLU } from '../nn/layers/activation.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/layers/pooling.js';
import { Module } from '../nn/module.js';
import { buildClassifier, type ClassifierOptions } from './weights.js';

export class AlexNet extends Module {
  features: Sequential;
  avgpool = new AdaptiveAvgPool2d([6, 6]);
  classifier: Sequential;

  constructor(options: { numClasses?: number; dropout?: number } = {}) {
    super();
    const { numClasses = 1000, dropout = 0.5 } = options;
    const pool = () => new MaxPool2d(3, { stride: 2 });
    this.features = new Sequential(
      new Conv2d(3, 64, 11, { stride: 4, padding: 2 }), new ReLU(), pool(),
      new Conv2d(64, 192, 5, { padding: 2 }), new ReLU(), pool(),
      new Conv2d(192, 384, 3, { padding: 1 }), new ReLU(),
      new Conv2d(384, 256, 3, { padding: 1 }), new ReLU(),
      new Conv2d(256, 256, 3, { padding: 1 }), new ReLU(), pool(),
    );
    this.classifier = new Sequential(
      new Dropout(dropout), new Linear(256 * 6 * 6, 4096), new ReLU(),
      new Dropout(dropout), new Linear(4096, 4096), new ReLU(),
      new Linear(4096, numClasses),
    );
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

/** Needs input of at least 63×63. */
export const alexnet = (options: ClassifierOptions & { dropout?: number } = {}): AlexNet =>
  buildClassifier('alexnet', 'classifier.6', options, (numClasses) => new AlexNet({ ...options, numClasses }));
