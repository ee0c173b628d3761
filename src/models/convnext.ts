// torchvision's ConvNeXt (Liu et al. 2022): a 4×4 patchify stem, stages of CNBlocks (7×7 depthwise convolution,
// LayerNorm, an inverted MLP with GELU, layer scale and stochastic depth), LayerNorm2d + 2×2 convolutions between
// stages, and the head `classifier` (LayerNorm2d, Flatten, Linear). Names and initialization are torchvision's.
import { full } from '../torch/creation.js';
import type { Tensor } from '../torch/tensor.js';
import { GELU } from '../nn/layers/activation.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { LayerNorm } from '../nn/layers/normalization.js';
import { AdaptiveAvgPool2d } from '../nn/layers/pooling.js';
import { Flatten } from '../nn/layers/reshape.js';
import { truncNormal_, zeros_ } from '../nn/init.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Conv2dNormActivation, LayerNorm2d, Permute, StochasticDepth } from './ops.js';
import { buildClassifier, type ClassifierOptions } from './weights.js';

const layerNorm2d = (channels: number) => new LayerNorm2d(channels, { eps: 1e-6 });

export class CNBlock extends Module {
  block: Sequential;
  layer_scale: Parameter;
  stochastic_depth: StochasticDepth;

  constructor(dim: number, layerScale: number, stochasticDepthProb: number) {
    super();
    this.block = new Sequential(
      new Conv2d(dim, dim, 7, { padding: 3, groups: dim }),
      new Permute([0, 2, 3, 1]),
      new LayerNorm(dim, { eps: 1e-6 }),
      new Linear(dim, 4 * dim),
      new GELU(),
      new Linear(4 * dim, dim),
      new Permute([0, 3, 1, 2]),
    );
    this.layer_scale = new Parameter(full([dim, 1, 1], layerScale));
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, 'row');
  }

  forward(input: Tensor): Tensor {
    return this.stochastic_depth.forward(this.layer_scale.mul(this.block.forward(input))).add(input);
  }
}

/** One stage: its channels, the next stage's (null for the last) and its block count. */
export interface CNBlockConfig { inputChannels: number; outChannels: number | null; numLayers: number }

export class ConvNeXt extends Module {
  features: Sequential;
  avgpool = new AdaptiveAvgPool2d(1);
  classifier: Sequential;

  constructor(setting: CNBlockConfig[], options: { stochasticDepthProb?: number; layerScale?: number; numClasses?: number } = {}) {
    super();
    const { stochasticDepthProb = 0, layerScale = 1e-6, numClasses = 1000 } = options;
    if (setting.length === 0) throw new RangeError('ConvNeXt: the block setting must not be empty');
    this.features = new Sequential(new Conv2dNormActivation(3, setting[0].inputChannels, { kernelSize: 4, stride: 4, padding: 0, normLayer: layerNorm2d, bias: true }));
    const totalBlocks = setting.reduce((n, cnf) => n + cnf.numLayers, 0);
    let blockId = 0;
    for (const cnf of setting) {
      const stage = new Sequential();
      for (let i = 0; i < cnf.numLayers; i++) {
        // Stochastic depth grows linearly with depth, from 0 to stochasticDepthProb.
        stage.append(new CNBlock(cnf.inputChannels, layerScale, (stochasticDepthProb * blockId) / (totalBlocks - 1)));
        blockId++;
      }
      this.features.append(stage);
      if (cnf.outChannels !== null) {
        this.features.append(new Sequential(layerNorm2d(cnf.inputChannels), new Conv2d(cnf.inputChannels, cnf.outChannels, 2, { stride: 2 })));
      }
    }
    const last = setting[setting.length - 1];
    const lastChannels = last.outChannels ?? last.inputChannels;
    this.classifier = new Sequential(layerNorm2d(lastChannels), new Flatten(1), new Linear(lastChannels, numClasses));
    for (const m of this.modules()) {
      if (m instanceof Conv2d || m instanceof Linear) {
        truncNormal_(m.weight, 0, 0.02);
        if (m.bias) zeros_(m.bias);
      }
    }
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)));
  }
}

const TINY: CNBlockConfig[] = [
  { inputChannels: 96, outChannels: 192, numLayers: 3 },
  { inputChannels: 192, outChannels: 384, numLayers: 3 },
  { inputChannels: 384, outChannels: 768, numLayers: 9 },
  { inputChannels: 768, outChannels: null, numLayers: 3 },
];

/** ConvNeXt-Tiny: stochastic depth up to 0.1 (stochasticDepthProb to change it). */
export const convnextTiny = (options: ClassifierOptions & { stochasticDepthProb?: number } = {}): ConvNeXt =>
  buildClassifier('convnext_tiny', 'classifier.2', options, (numClasses) => new ConvNeXt(TINY, { stochasticDepthProb: options.stochasticDepthProb ?? 0.1, numClasses }));
