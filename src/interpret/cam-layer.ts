// Where Grad-CAM looks by default: each zoo architecture's last convolutional stage, by its dotted module name.
import { ReLU } from '../nn/layers/activation.js';
import type { Module } from '../nn/module.js';
import { AlexNet } from '../models/alexnet.js';
import { ConvNeXt } from '../models/convnext.js';
import { LectureCnn } from '../models/lecture-cnn.js';
import { MobileNetV2 } from '../models/mobilenet-v2.js';
import { MobileNetV3 } from '../models/mobilenet-v3.js';
import { ResNet } from '../models/resnet.js';
import { ResNetCifar } from '../models/resnet-cifar.js';
import { VGG } from '../models/vgg.js';
import { EncoderBlock, VisionTransformer } from '../models/vit.js';

/**
 * The layer whose output Grad-CAM weighs: the last feature map before the global pooling (ResNet's layer4, the
 * CIFAR ResNet's layer3, `features` of the others, as pytorch-grad-cam's examples). For lecture_cnn it is the last
 * block's activation before its pooling, twice as fine (3×3 rather than 1×1 on 28×28 Fashion-MNIST). For a ViT it is the last encoder
 * block's first LayerNorm (ln_1), as pytorch-grad-cam does: the block's own output reaches the head only through the
 * class token, so the patch tokens' gradients there are zero.
 */
export function defaultCamLayer(model: Module): string {
  if (model instanceof ResNet) return 'layer4';
  if (model instanceof ResNetCifar) return 'layer3';
  if ([AlexNet, VGG, MobileNetV2, MobileNetV3, ConvNeXt].some((kind) => model instanceof kind)) return 'features';
  if (model instanceof LectureCnn) {
    const last = model.features.namedChildren().at(-1)!;
    const [relu] = last[1].namedChildren().filter(([, m]) => m instanceof ReLU).at(-1)!;
    return `features.${last[0]}.${relu}`;
  }
  if (model instanceof VisionTransformer) {
    const [name] = model.namedModules().filter(([, m]) => m instanceof EncoderBlock).at(-1)!;
    return `${name}.ln_1`;
  }
  throw new Error(`gradCam: no default layer for a ${model.typeName}; give layer, the dotted name of a module whose output is a feature map (one of ${describeNames(model)})`);
}

/** The submodule at a dotted path ('layer4', 'features.3'), or an error that lists what there is. */
export function findModule(model: Module, path: string): Module {
  const found = model.namedModules().find(([name]) => name === path);
  if (!found || path === '') throw new Error(`gradCam: ${model.typeName} has no module '${path}'; its modules include ${describeNames(model)}`);
  return found[1];
}

function describeNames(model: Module): string {
  const names = model.namedModules().map(([name]) => name).filter((name) => name !== '');
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, … (${names.length} in all)` : names.join(', ') || 'none';
}
