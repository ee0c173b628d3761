// Converters for the model zoo: the blocks and models whose forward is code of their own, each following that forward.
import { AlexNet } from '../models/alexnet.js';
import { CNBlock, ConvNeXt } from '../models/convnext.js';
import { LectureCnn } from '../models/lecture-cnn.js';
import { InvertedResidual, MobileNetV2 } from '../models/mobilenet-v2.js';
import { InvertedResidualV3, MobileNetV3 } from '../models/mobilenet-v3.js';
import { Conv2dNormActivation, LayerNorm2d, Permute, SqueezeExcitation, StochasticDepth } from '../models/ops.js';
import { BasicBlock, Bottleneck, ResNet } from '../models/resnet.js';
import { ResNetCifar } from '../models/resnet-cifar.js';
import { VGG } from '../models/vgg.js';
import { Encoder, EncoderBlock, MLPBlock, VisionTransformer } from '../models/vit.js';
import type { Module } from '../nn/module.js';
import { registerConverter, type Scope } from './converter.js';
import { int, ints } from './graph.js';
import { adaptiveAvgPool2d, layerNorm, passThrough, sequential } from './layers.js';

registerConverter(Conv2dNormActivation, sequential);
registerConverter(MLPBlock, sequential);
registerConverter(StochasticDepth, passThrough);
registerConverter(Permute, (m, x, s) => s.op('Transpose', [x], [ints('perm', m.dims)]));
registerConverter(LayerNorm2d, (m, x, s) => {
  const last = s.op('Transpose', [x], [ints('perm', [0, 2, 3, 1])]);
  const normalized = layerNorm(s, last, m.normalizedShape.length, m.weight, m.bias, m.options.eps ?? 1e-5, m.normalizedShape);
  return s.op('Transpose', [normalized], [ints('perm', [0, 3, 1, 2])]);
});

/** torch.flatten(x, 1) of an N×C×H×W value is ONNX's Flatten at axis 1. */
const flatten1 = (s: Scope, x: string) => s.op('Flatten', [x], [int('axis', 1)]);

/** The children `before` in order, torch.flatten(1) of the result, then the children `after` (e.g. fc). */
const flattenThen = (s: Scope, x: string, before: string[], after: string[]) => s.chain(after, flatten1(s, s.chain(before, x)));

// ---- ResNets ----
/** relu(main(x) + (downsample(x) or x)), as BasicBlock and Bottleneck. */
const residualBlock = (main: string[]) => (m: BasicBlock | Bottleneck, x: string, s: Scope) =>
  s.child('relu', s.op('Add', [s.chain(main, x), m.downsample ? s.child('downsample', x) : x]));
registerConverter(BasicBlock, residualBlock(['conv1', 'bn1', 'relu', 'conv2', 'bn2']));
registerConverter(Bottleneck, residualBlock(['conv1', 'bn1', 'relu', 'conv2', 'bn2', 'relu', 'conv3', 'bn3']));
registerConverter(ResNet, (_m, x, s) => flattenThen(s, x, ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool'], ['fc']));
registerConverter(ResNetCifar, (_m, x, s) => flattenThen(s, x, ['conv1', 'bn1', 'relu', 'layer1', 'layer2', 'layer3', 'avgpool'], ['fc']));

// ---- the lecture's CNN, AlexNet, VGG ----
registerConverter(LectureCnn, (_m, x, s) => s.chain(['features', 'classifier'], x));
const pooledClassifier = (_m: Module, x: string, s: Scope) => flattenThen(s, x, ['features', 'avgpool'], ['classifier']);
registerConverter(AlexNet, pooledClassifier);
registerConverter(VGG, pooledClassifier);

// ---- MobileNets ----
registerConverter(InvertedResidual, (m, x, s) => (m.useResConnect ? s.op('Add', [x, s.child('conv', x)]) : s.child('conv', x)));
registerConverter(InvertedResidualV3, (m, x, s) => (m.useResConnect ? s.op('Add', [s.child('block', x), x]) : s.child('block', x)));
registerConverter(SqueezeExcitation, (_m, x, s) => s.op('Mul', [s.chain(['avgpool', 'fc1', 'activation', 'fc2', 'scale_activation'], x), x]));
registerConverter(MobileNetV2, (m, x, s) => {
  // Its forward pools with F.adaptiveAvgPool2d(features, 1), not a module.
  const pooled = adaptiveAvgPool2d(s, s.child('features', x), s.shapes(m.features).output, [1, 1]);
  return s.child('classifier', flatten1(s, pooled));
});
registerConverter(MobileNetV3, pooledClassifier);

// ---- ConvNeXt ----
// stochastic_depth(layer_scale · block(x)) + x
registerConverter(CNBlock, (m, x, s) => s.op('Add', [s.child('stochastic_depth', s.op('Mul', [s.tensor(m.layer_scale), s.child('block', x)])), x]));
registerConverter(ConvNeXt, (_m, x, s) => s.chain(['features', 'avgpool', 'classifier'], x));

// ---- Vision Transformer ----
registerConverter(EncoderBlock, (_m, input, s) => {
  const x = s.op('Add', [s.chain(['ln_1', 'self_attention', 'dropout'], input), input]);
  return s.op('Add', [x, s.chain(['ln_2', 'mlp'], x)]);
});
registerConverter(Encoder, (m, x, s) => s.chain(['dropout', 'layers', 'ln'], s.op('Add', [x, s.tensor(m.pos_embedding)])));
registerConverter(VisionTransformer, (m, x, s) => {
  // Patches as a sequence N × (h/p · w/p) × hidden, after the class token expanded to the batch.
  const patches = s.op('Transpose', [s.op('Reshape', [s.child('conv_proj', x), s.constant('int64', [0, m.hiddenDim, -1])])], [ints('perm', [0, 2, 1])]);
  const batch = s.op('Gather', [s.op('Shape', [x]), s.constant('int64', [0])], [int('axis', 0)]);
  const tokenShape = s.op('Concat', [batch, s.constant('int64', [1, m.hiddenDim])], [int('axis', 0)]);
  const classTokens = s.op('Expand', [s.tensor(m.class_token), tokenShape]);
  const tokens = s.op('Concat', [classTokens, patches], [int('axis', 1)]);
  // The class token's output: Gather with a scalar index drops the sequence axis, as select(1, 0).
  const first = s.op('Gather', [s.child('encoder', tokens), s.constant('int64', [0], [])], [int('axis', 1)]);
  return s.child('heads', first);
});
