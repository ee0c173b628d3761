// torchvision's ResNets (He et al. 2016) for ImageNet-sized input: a 7×7 stem, four stages of BasicBlocks
// (ResNet-18/34) or Bottlenecks (ResNet-50/101/152, stride on the 3×3 convolution as torchvision's "v1.5"),
// global average pooling and the head `fc`. Module names and initialization are torchvision's.
import type { Tensor } from '../torch/tensor.js';
import { ReLU } from '../nn/layers/activation.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/layers/pooling.js';
import { Module } from '../nn/module.js';
import { addAndFree, applyInOrder, initConvNets } from './ops.js';
import { buildClassifier, type ClassifierOptions } from './weights.js';

/** The 1×1 convolution and batch norm that bring the input to the block's output shape. */
function downsample(inPlanes: number, outPlanes: number, stride: number): Sequential | null {
  return stride !== 1 || inPlanes !== outPlanes
    ? new Sequential(new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false }), new BatchNorm2d(outPlanes)) : null;
}

/** Two 3×3 convolutions with a skip connection. */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu = new ReLU();
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride = 1) {
    super();
    this.conv1 = new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = new Conv2d(planes, planes, 3, { padding: 1, bias: false });
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample(inPlanes, planes, stride);
  }

  forward(x: Tensor): Tensor {
    const out = applyInOrder(x, [this.conv1, this.bn1, this.relu, this.conv2, this.bn2]);
    return applyInOrder(addAndFree(out, this.downsample ? this.downsample.forward(x) : x, x), [this.relu]);
  }
}

/** 1×1 reduce, 3×3 (carrying the stride), 1×1 expand to 4 × planes, with a skip connection. */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  conv3: Conv2d;
  bn3: BatchNorm2d;
  relu = new ReLU();
  downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride = 1) {
    super();
    const outPlanes = planes * Bottleneck.expansion;
    this.conv1 = new Conv2d(inPlanes, planes, 1, { bias: false });
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = new Conv2d(planes, planes, 3, { stride, padding: 1, bias: false });
    this.bn2 = new BatchNorm2d(planes);
    this.conv3 = new Conv2d(planes, outPlanes, 1, { bias: false });
    this.bn3 = new BatchNorm2d(outPlanes);
    this.downsample = downsample(inPlanes, outPlanes, stride);
  }

  forward(x: Tensor): Tensor {
    const out = applyInOrder(x, [this.conv1, this.bn1, this.relu, this.conv2, this.bn2, this.relu, this.conv3, this.bn3]);
    return applyInOrder(addAndFree(out, this.downsample ? this.downsample.forward(x) : x, x), [this.relu]);
  }
}

export type ResNetBlock = typeof BasicBlock | typeof Bottleneck;

export class ResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu = new ReLU();
  maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool = new AdaptiveAvgPool2d([1, 1]);
  fc: Linear;

  /** layers: blocks per stage, e.g. [2, 2, 2, 2] for ResNet-18. */
  constructor(block: ResNetBlock, layers: [number, number, number, number], numClasses = 1000) {
    super();
    this.conv1 = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(64);
    let inPlanes = 64;
    const stage = (planes: number, blocks: number, stride: number) => {
      const out = new Sequential();
      for (let i = 0; i < blocks; i++) {
        out.append(new block(inPlanes, planes, i === 0 ? stride : 1));
        inPlanes = planes * block.expansion;
      }
      return out;
    };
    this.layer1 = stage(64, layers[0], 1);
    this.layer2 = stage(128, layers[1], 2);
    this.layer3 = stage(256, layers[2], 2);
    this.layer4 = stage(512, layers[3], 2);
    this.fc = new Linear(512 * block.expansion, numClasses);
    initConvNets(this);
  }

  forward(x: Tensor): Tensor {
    const pooled = applyInOrder(x, [this.conv1, this.bn1, this.relu, this.maxpool, this.layer1, this.layer2, this.layer3, this.layer4, this.avgpool]);
    return applyInOrder(pooled.flatten(1), [this.fc]);
  }
}

const resnet = (name: string, block: ResNetBlock, layers: [number, number, number, number]) =>
  (options: ClassifierOptions = {}): ResNet => buildClassifier(name, 'fc', options, (numClasses) => new ResNet(block, layers, numClasses));

export const resnet18 = resnet('resnet18', BasicBlock, [2, 2, 2, 2]);
export const resnet34 = resnet('resnet34', BasicBlock, [3, 4, 6, 3]);
export const resnet50 = resnet('resnet50', Bottleneck, [3, 4, 6, 3]);
export const resnet101 = resnet('resnet101', Bottleneck, [3, 4, 23, 3]);
export const resnet152 = resnet('resnet152', Bottleneck, [3, 8, 36, 3]);
