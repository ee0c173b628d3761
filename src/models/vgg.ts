// torchvision's VGG (Simonyan and Zisserman 2014): stacks of 3×3 convolutions (with batch norm in the _bn
// variants) and 2×2 max-pooling in `features`, 7×7 adaptive pooling, three dense layers in `classifier`.
import type { Tensor } from '../torch/tensor.js';
import { ReLU } from '../nn/layers/activation.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/layers/pooling.js';
import { Module } from '../nn/module.js';
import { initConvNets } from './ops.js';
import { buildClassifier, type ClassifierOptions } from './weights.js';

/** Output channels of each 3×3 convolution, 'M' for a max-pooling: configurations A (VGG-11) and D (VGG-16). */
export const VGG_CONFIGS = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
} as const;

export function makeVggLayers(config: readonly (number | 'M')[], batchNorm: boolean): Sequential {
  const layers = new Sequential();
  let inChannels = 3;
  for (const v of config) {
    if (v === 'M') {
      layers.append(new MaxPool2d(2, { stride: 2 }));
      continue;
    }
    layers.append(new Conv2d(inChannels, v, 3, { padding: 1 }));
    if (batchNorm) layers.append(new BatchNorm2d(v));
    layers.append(new ReLU());
    inChannels = v;
  }
  return layers;
}

export class VGG extends Module {
  features: Sequential;
  avgpool = new AdaptiveAvgPool2d([7, 7]);
  classifier: Sequential;

  constructor(features: Sequential, options: { numClasses?: number; dropout?: number } = {}) {
    super();
    const { numClasses = 1000, dropout = 0.5 } = options;
    this.features = features;
    this.classifier = new Sequential(
      new Linear(512 * 7 * 7, 4096), new ReLU(), new Dropout(dropout),
      new Linear(4096, 4096), new ReLU(), new Dropout(dropout),
      new Linear(4096, numClasses),
    );
    initConvNets(this, 0.01);
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

const vgg = (name: string, config: keyof typeof VGG_CONFIGS, batchNorm: boolean) =>
  (options: ClassifierOptions & { dropout?: number } = {}): VGG =>
    buildClassifier(name, 'classifier.6', options, (numClasses) => new VGG(makeVggLayers(VGG_CONFIGS[config], batchNorm), { ...options, numClasses }));

export const vgg11 = vgg('vgg11', 'A', false);
export const vgg11Bn = vgg('vgg11_bn', 'A', true);
export const vgg16 = vgg('vgg16', 'D', false);
export const vgg16Bn = vgg('vgg16_bn', 'D', true);
