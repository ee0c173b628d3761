// torchvision's MobileNetV2 (Sandler et al. 2018): inverted residual blocks (1×1 expand, 3×3 depthwise,
// linear 1×1 projection) with ReLU6, then a 1×1 convolution to 1280 channels and the head `classifier`.
import { checkNumber } from '../torch/check.js';
import type { Tensor } from '../torch/tensor.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout } from '../nn/layers/dropout.js';
import { ReLU6 } from '../nn/layers/hardtanh.js';
import { Linear } from '../nn/layers/linear.js';
import * as F from '../nn/functional.js';
import { Module } from '../nn/module.js';
import { addAndFree, Conv2dNormActivation, initConvNets, makeDivisible } from './ops.js';
import { buildClassifier, type ClassifierOptions } from './weights.js';

const bn = (channels: number) => new BatchNorm2d(channels);
const relu6 = () => new ReLU6();

export class InvertedResidual extends Module {
  conv: Sequential;
  readonly useResConnect: boolean;

  constructor(inp: number, oup: number, readonly stride: number, expandRatio: number) {
    super();
    if (stride !== 1 && stride !== 2) throw new RangeError(`InvertedResidual: stride must be 1 or 2, got ${stride}`);
    const hidden = Math.round(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    this.conv = new Sequential(
      ...(expandRatio !== 1 ? [new Conv2dNormActivation(inp, hidden, { kernelSize: 1, normLayer: bn, activationLayer: relu6 })] : []),
      new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden, normLayer: bn, activationLayer: relu6 }),
      new Conv2d(hidden, oup, 1, { bias: false }),
      bn(oup),
    );
  }

  forward(x: Tensor): Tensor {
    const out = this.conv.forward(x);
    return this.useResConnect ? addAndFree(x, out, x) : out;
  }
}

export interface MobileNetV2Options { numClasses?: number; widthMult?: number; dropout?: number }

// Expansion t, channels c, repeats n, first stride s (the paper's Table 2).
const SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];

export class MobileNetV2 extends Module {
  features: Sequential;
  classifier: Sequential;
  readonly lastChannel: number;

  constructor(options: MobileNetV2Options = {}) {
    super();
    const { numClasses = 1000, widthMult = 1, dropout = 0.2 } = options;
    checkNumber(widthMult, 'widthMult', 'MobileNetV2');
    let inputChannel = makeDivisible(32 * widthMult, 8);
    this.lastChannel = makeDivisible(1280 * Math.max(1, widthMult), 8);
    this.features = new Sequential(new Conv2dNormActivation(3, inputChannel, { stride: 2, normLayer: bn, activationLayer: relu6 }));
    for (const [t, c, n, s] of SETTING) {
      const outputChannel = makeDivisible(c * widthMult, 8);
      for (let i = 0; i < n; i++) {
        this.features.append(new InvertedResidual(inputChannel, outputChannel, i === 0 ? s : 1, t));
        inputChannel = outputChannel;
      }
    }
    this.features.append(new Conv2dNormActivation(inputChannel, this.lastChannel, { kernelSize: 1, normLayer: bn, activationLayer: relu6 }));
    this.classifier = new Sequential(new Dropout(dropout), new Linear(this.lastChannel, numClasses));
    initConvNets(this, 0.01);
  }

  forward(x: Tensor): Tensor {
    const features = this.features.forward(x);
    return this.classifier.forward(F.adaptiveAvgPool2d(features, 1).flatten(1));
  }
}

export const mobilenetV2 = (options: ClassifierOptions & Omit<MobileNetV2Options, 'numClasses'> = {}): MobileNetV2 =>
  buildClassifier('mobilenet_v2', 'classifier.1', options, (numClasses) => new MobileNetV2({ ...options, numClasses }));
