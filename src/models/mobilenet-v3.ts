// torchvision's MobileNetV3-Large and -Small (Howard et al. 2019): inverted residual blocks with optional
// squeeze-and-excitation and hard-swish, batch norm with eps 0.001 and momentum 0.01, and the head `classifier`.
import type { Tensor } from '../torch/tensor.js';
import { Hardswish, ReLU } from '../nn/layers/activation.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Sequential } from '../nn/layers/containers.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { AdaptiveAvgPool2d } from '../nn/layers/pooling.js';
import { Module } from '../nn/module.js';
import { addAndFree, Conv2dNormActivation, initConvNets, makeDivisible, SqueezeExcitation } from './ops.js';
import { buildClassifier, type ClassifierOptions } from './weights.js';

const bn = (channels: number) => new BatchNorm2d(channels, { eps: 0.001, momentum: 0.01 });

/** One row of the paper's Tables 1 and 2. */
export interface InvertedResidualConfig {
  inputChannels: number;
  kernel: number;
  expandedChannels: number;
  outChannels: number;
  useSe: boolean;
  /** Hard-swish ('HS') or ReLU ('RE'). */
  activation: 'HS' | 'RE';
  stride: number;
  dilation: number;
}

export class InvertedResidualV3 extends Module {
  block: Sequential;
  readonly useResConnect: boolean;

  constructor(cnf: InvertedResidualConfig) {
    super();
    if (cnf.stride !== 1 && cnf.stride !== 2) throw new RangeError(`InvertedResidual: stride must be 1 or 2, got ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const activationLayer = cnf.activation === 'HS' ? () => new Hardswish() : () => new ReLU();
    this.block = new Sequential();
    if (cnf.expandedChannels !== cnf.inputChannels) {
      this.block.append(new Conv2dNormActivation(cnf.inputChannels, cnf.expandedChannels, { kernelSize: 1, normLayer: bn, activationLayer }));
    }
    this.block.append(new Conv2dNormActivation(cnf.expandedChannels, cnf.expandedChannels, {
      kernelSize: cnf.kernel, stride: cnf.dilation > 1 ? 1 : cnf.stride, dilation: cnf.dilation, groups: cnf.expandedChannels, normLayer: bn, activationLayer,
    }));
    if (cnf.useSe) this.block.append(new SqueezeExcitation(cnf.expandedChannels, makeDivisible(Math.floor(cnf.expandedChannels / 4), 8)));
    this.block.append(new Conv2dNormActivation(cnf.expandedChannels, cnf.outChannels, { kernelSize: 1, normLayer: bn }));
  }

  /** torchvision names this block InvertedResidual, as MobileNetV2's. */
  get typeName(): string {
    return 'InvertedResidual';
  }

  forward(x: Tensor): Tensor {
    const out = this.block.forward(x);
    return this.useResConnect ? addAndFree(out, x, x) : out;
  }
}

export class MobileNetV3 extends Module {
  features: Sequential;
  avgpool = new AdaptiveAvgPool2d(1);
  classifier: Sequential;

  constructor(setting: InvertedResidualConfig[], lastChannel: number, options: { numClasses?: number; dropout?: number } = {}) {
    super();
    const { numClasses = 1000, dropout = 0.2 } = options;
    if (setting.length === 0) throw new RangeError('MobileNetV3: the inverted residual setting must not be empty');
    const hardswish = () => new Hardswish();
    const lastConvInput = setting[setting.length - 1].outChannels;
    const lastConvOutput = 6 * lastConvInput;
    this.features = new Sequential(
      new Conv2dNormActivation(3, setting[0].inputChannels, { stride: 2, normLayer: bn, activationLayer: hardswish }),
      ...setting.map((cnf) => new InvertedResidualV3(cnf)),
      new Conv2dNormActivation(lastConvInput, lastConvOutput, { kernelSize: 1, normLayer: bn, activationLayer: hardswish }),
    );
    this.classifier = new Sequential(new Linear(lastConvOutput, lastChannel), new Hardswish(), new Dropout(dropout), new Linear(lastChannel, numClasses));
    initConvNets(this, 0.01);
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

type Row = [number, number, number, number, boolean, 'HS' | 'RE', number];
const config = (rows: Row[]): InvertedResidualConfig[] => rows.map(([inputChannels, kernel, expandedChannels, outChannels, useSe, activation, stride]) =>
  ({ inputChannels, kernel, expandedChannels, outChannels, useSe, activation, stride, dilation: 1 }));

const LARGE = config([
  [16, 3, 16, 16, false, 'RE', 1], [16, 3, 64, 24, false, 'RE', 2], [24, 3, 72, 24, false, 'RE', 1],
  [24, 5, 72, 40, true, 'RE', 2], [40, 5, 120, 40, true, 'RE', 1], [40, 5, 120, 40, true, 'RE', 1],
  [40, 3, 240, 80, false, 'HS', 2], [80, 3, 200, 80, false, 'HS', 1], [80, 3, 184, 80, false, 'HS', 1],
  [80, 3, 184, 80, false, 'HS', 1], [80, 3, 480, 112, true, 'HS', 1], [112, 3, 672, 112, true, 'HS', 1],
  [112, 5, 672, 160, true, 'HS', 2], [160, 5, 960, 160, true, 'HS', 1], [160, 5, 960, 160, true, 'HS', 1],
]);
const SMALL = config([
  [16, 3, 16, 16, true, 'RE', 2], [16, 3, 72, 24, false, 'RE', 2], [24, 3, 88, 24, false, 'RE', 1],
  [24, 5, 96, 40, true, 'HS', 2], [40, 5, 240, 40, true, 'HS', 1], [40, 5, 240, 40, true, 'HS', 1],
  [40, 5, 120, 48, true, 'HS', 1], [48, 5, 144, 48, true, 'HS', 1], [48, 5, 288, 96, true, 'HS', 2],
  [96, 5, 576, 96, true, 'HS', 1], [96, 5, 576, 96, true, 'HS', 1],
]);

type MobileNetV3Options = ClassifierOptions & { dropout?: number };
export const mobilenetV3Large = (options: MobileNetV3Options = {}): MobileNetV3 =>
  buildClassifier('mobilenet_v3_large', 'classifier.3', options, (numClasses) => new MobileNetV3(LARGE, 1280, { ...options, numClasses }));
export const mobilenetV3Small = (options: MobileNetV3Options = {}): MobileNetV3 =>
  buildClassifier('mobilenet_v3_small', 'classifier.3', options, (numClasses) => new MobileNetV3(SMALL, 1024, { ...options, numClasses }));
