// The model zoo: builders by name, as torchvision's list_models / get_model.
import type { Module } from '../nn/module.js';
import { AlexNet, alexnet } from './alexnet.js';
import { CNBlock, ConvNeXt, convnextTiny, type CNBlockConfig } from './convnext.js';
import { LectureCnn, lectureCnn, type LectureCnnOptions } from './lecture-cnn.js';
import { InvertedResidual, MobileNetV2, mobilenetV2, type MobileNetV2Options } from './mobilenet-v2.js';
import { InvertedResidualV3, MobileNetV3, mobilenetV3Large, mobilenetV3Small, type InvertedResidualConfig } from './mobilenet-v3.js';
import { Conv2dNormActivation, LayerNorm2d, Permute, SqueezeExcitation, StochasticDepth } from './ops.js';
import { BasicBlock, Bottleneck, ResNet, resnet101, resnet152, resnet18, resnet34, resnet50 } from './resnet.js';
import { ResNetCifar, resnet20, type ResNetCifarOptions } from './resnet-cifar.js';
import { VGG, vgg11, vgg11Bn, vgg16, vgg16Bn } from './vgg.js';
import { EncoderBlock, VisionTransformer, vitB16, type VisionTransformerOptions } from './vit.js';
import type { ClassifierOptions, WeightsSource } from './weights.js';

export { headOf, layerGroups, replaceHead, type LayerGroup } from './heads.js';
export { pretrainedWithNewHead, publishedWeights } from './pretrained.js';

export {
  AlexNet, alexnet, BasicBlock, Bottleneck, CNBlock, Conv2dNormActivation, ConvNeXt, convnextTiny, EncoderBlock, InvertedResidual,
  InvertedResidualV3, LayerNorm2d, LectureCnn, lectureCnn, MobileNetV2, mobilenetV2, MobileNetV3, mobilenetV3Large, mobilenetV3Small,
  Permute, ResNet, resnet101, resnet152, resnet18, ResNetCifar, resnet20, resnet34, resnet50, SqueezeExcitation, StochasticDepth,
  VGG, vgg11, vgg11Bn, vgg16, vgg16Bn, VisionTransformer, vitB16,
  type ClassifierOptions, type CNBlockConfig, type InvertedResidualConfig, type LectureCnnOptions, type MobileNetV2Options,
  type ResNetCifarOptions, type VisionTransformerOptions, type WeightsSource,
};

/** Options of getModel: numClasses and weights for every torchvision architecture, plus each builder's own. */
export interface ModelOptions extends LectureCnnOptions, ClassifierOptions {
  numClasses?: number;
  inChannels?: number;
  /** MobileNetV2's width multiplier. */
  widthMult?: number;
  /** ViT's input size (without weights). */
  imageSize?: number;
  /** ConvNeXt's largest stochastic depth rate. */
  stochasticDepthProb?: number;
}

const builders: Record<string, (options: ModelOptions) => Module> = {
  alexnet,
  convnext_tiny: convnextTiny,
  lecture_cnn: lectureCnn,
  mobilenet_v2: mobilenetV2,
  mobilenet_v3_large: mobilenetV3Large,
  mobilenet_v3_small: mobilenetV3Small,
  resnet101,
  resnet152,
  resnet18,
  resnet20: (o) => resnet20({ numClasses: o.numClasses, inChannels: o.inChannels }),
  resnet34,
  resnet50,
  vgg11,
  vgg11_bn: vgg11Bn,
  vgg16,
  vgg16_bn: vgg16Bn,
  vit_b_16: vitB16,
};

/** The registered model names, sorted (as torchvision's list_models). */
export const listModels = (): string[] => Object.keys(builders).sort();

export function getModel(name: string, options: ModelOptions = {}): Module {
  const build = builders[name];
  if (!build) throw new Error(`getModel: unknown model '${name}'; available: ${listModels().join(', ')}`);
  return build(options);
}
