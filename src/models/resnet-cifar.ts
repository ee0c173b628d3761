// ResNets for small images (He et al. 2016, section 4.2): a 3×3 stem of 16 channels, three stages of n
// BasicBlocks with 16, 32 and 64 channels, global average pooling and a classifier; depth = 6n + 2 (20, 32, 44, 56).
// Shortcuts that change shape are 1×1 convolutions with batch norm (the paper's option B), named as torchvision's.
import { checkInt } from '../torch/check.js';
import type { Tensor } from '../torch/tensor.js';
import { ReLU } from '../nn/layers/activation.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { AdaptiveAvgPool2d } from '../nn/layers/pooling.js';
import { Module } from '../nn/module.js';
import { initConvNets } from './ops.js';
import { BasicBlock } from './resnet.js';

export interface ResNetCifarOptions { depth?: number; numClasses?: number; inChannels?: number }

export class ResNetCifar extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu = new ReLU();
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  avgpool = new AdaptiveAvgPool2d(1);
  fc: Linear;

  constructor(options: ResNetCifarOptions = {}) {
    super();
    const { depth = 20, numClasses = 10, inChannels = 3 } = options;
    checkInt(depth, 'depth', 'resnet_cifar', 8);
    if ((depth - 2) % 6) throw new RangeError(`resnet_cifar: depth must be 6n + 2 (20, 32, 44, 56, 110), got ${depth}`);
    const n = (depth - 2) / 6;
    this.conv1 = new Conv2d(inChannels, 16, 3, { padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(16);
    const stage = (inPlanes: number, planes: number, stride: number) =>
      new Sequential(...Array.from({ length: n }, (_, i) => new BasicBlock(i === 0 ? inPlanes : planes, planes, i === 0 ? stride : 1)));
    this.layer1 = stage(16, 16, 1);
    this.layer2 = stage(16, 32, 2);
    this.layer3 = stage(32, 64, 2);
    this.fc = new Linear(64, numClasses);
    // He initialization for convolutions, as the paper and torchvision's ResNet.
    initConvNets(this);
  }

  forward(x: Tensor): Tensor {
    const stem = this.relu.forward(this.bn1.forward(this.conv1.forward(x)));
    const features = this.layer3.forward(this.layer2.forward(this.layer1.forward(stem)));
    return this.fc.forward(this.avgpool.forward(features).flatten(1));
  }
}

export const resnet20 = (options: Omit<ResNetCifarOptions, 'depth'> = {}): ResNetCifar => new ResNetCifar({ ...options, depth: 20 });
