// torchvision's Vision Transformer (Dosovitskiy et al. 2020): 16×16 patches embedded by a strided convolution,
// a class token and learned position embeddings, pre-norm encoder blocks (multi-head self-attention and an MLP),
// and the head `heads.head` on the class token. Module names and initialization are torchvision's.
import { checkInt } from '../torch/check.js';
import { empty, zeros } from '../torch/creation.js';
import { cat } from '../torch/functions.js';
import type { StateDict } from '../torch/serialization.js';
import type { Tensor } from '../torch/tensor.js';
import { GELU } from '../nn/layers/activation.js';
import { MultiheadAttention } from '../nn/layers/attention.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Linear } from '../nn/layers/linear.js';
import { LayerNorm } from '../nn/layers/normalization.js';
import { normal_, truncNormal_, xavierUniform_, zeros_ } from '../nn/init.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { namedSequential } from './ops.js';
import { buildClassifier, type ClassifierOptions } from './weights.js';

const layerNorm = (dim: number) => new LayerNorm(dim, { eps: 1e-6 });

/** Linear → GELU → Dropout → Linear → Dropout. */
export class MLPBlock extends Sequential {
  constructor(inDim: number, mlpDim: number, dropout: number) {
    super(new Linear(inDim, mlpDim), new GELU(), new Dropout(dropout), new Linear(mlpDim, inDim), new Dropout(dropout));
    for (const m of this.children()) {
      if (m instanceof Linear) {
        xavierUniform_(m.weight);
        normal_(m.bias!, 0, 1e-6);
      }
    }
  }
}

export class EncoderBlock extends Module {
  ln_1: LayerNorm;
  self_attention: MultiheadAttention;
  dropout: Dropout;
  ln_2: LayerNorm;
  mlp: MLPBlock;

  constructor(numHeads: number, hiddenDim: number, mlpDim: number, dropout: number, attentionDropout: number) {
    super();
    this.ln_1 = layerNorm(hiddenDim);
    this.self_attention = new MultiheadAttention(hiddenDim, numHeads, { dropout: attentionDropout, batchFirst: true });
    this.dropout = new Dropout(dropout);
    this.ln_2 = layerNorm(hiddenDim);
    this.mlp = new MLPBlock(hiddenDim, mlpDim, dropout);
  }

  forward(input: Tensor): Tensor {
    if (input.ndim !== 3) throw new RangeError(`EncoderBlock: expected batch × sequence × hidden input, got shape [${input.shape.join(', ')}]`);
    const x = this.dropout.forward(this.self_attention.forward(this.ln_1.forward(input))).add(input);
    return x.add(this.mlp.forward(this.ln_2.forward(x)));
  }
}

export class Encoder extends Module {
  pos_embedding: Parameter;
  dropout: Dropout;
  layers: Sequential;
  ln: LayerNorm;

  constructor(seqLength: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, dropout: number, attentionDropout: number) {
    super();
    this.pos_embedding = new Parameter(empty([1, seqLength, hiddenDim]));
    normal_(this.pos_embedding, 0, 0.02); // as BERT
    this.dropout = new Dropout(dropout);
    const layers: Record<string, Module> = {};
    for (let i = 0; i < numLayers; i++) layers[`encoder_layer_${i}`] = new EncoderBlock(numHeads, hiddenDim, mlpDim, dropout, attentionDropout);
    this.layers = namedSequential(layers);
    this.ln = layerNorm(hiddenDim);
  }

  forward(input: Tensor): Tensor {
    return this.ln.forward(this.layers.forward(this.dropout.forward(input.add(this.pos_embedding))));
  }
}

export interface VisionTransformerOptions {
  imageSize?: number;
  patchSize?: number;
  numLayers?: number;
  numHeads?: number;
  hiddenDim?: number;
  mlpDim?: number;
  dropout?: number;
  attentionDropout?: number;
  numClasses?: number;
}

export class VisionTransformer extends Module {
  conv_proj: Conv2d;
  class_token: Parameter;
  encoder: Encoder;
  heads: Sequential;
  readonly imageSize: number;
  readonly patchSize: number;
  readonly hiddenDim: number;

  constructor(options: VisionTransformerOptions = {}) {
    super();
    const { imageSize = 224, patchSize = 16, numLayers = 12, numHeads = 12, hiddenDim = 768, mlpDim = 3072, dropout = 0, attentionDropout = 0, numClasses = 1000 } = options;
    checkInt(imageSize, 'imageSize', 'VisionTransformer', 1);
    checkInt(patchSize, 'patchSize', 'VisionTransformer', 1);
    if (imageSize % patchSize) throw new RangeError(`VisionTransformer: imageSize (${imageSize}) must be divisible by patchSize (${patchSize})`);
    this.imageSize = imageSize;
    this.patchSize = patchSize;
    this.hiddenDim = hiddenDim;
    this.conv_proj = new Conv2d(3, hiddenDim, patchSize, { stride: patchSize });
    truncNormal_(this.conv_proj.weight, 0, Math.sqrt(1 / (3 * patchSize * patchSize)));
    zeros_(this.conv_proj.bias!);
    this.class_token = new Parameter(zeros([1, 1, hiddenDim]));
    this.encoder = new Encoder((imageSize / patchSize) ** 2 + 1, numLayers, numHeads, hiddenDim, mlpDim, dropout, attentionDropout);
    const head = new Linear(hiddenDim, numClasses);
    zeros_(head.weight);
    zeros_(head.bias!);
    this.heads = namedSequential({ head });
  }

  forward(x: Tensor): Tensor {
    const [n, c, h, w] = x.shape;
    if (x.ndim !== 4 || c !== 3 || h !== this.imageSize || w !== this.imageSize) {
      throw new RangeError(`VisionTransformer: expected N×3×${this.imageSize}×${this.imageSize} input (imageSize), got shape [${x.shape.join(', ')}]`);
    }
    // Patches as a sequence: N × (h/p · w/p) × hidden, after the class token.
    const patches = this.conv_proj.forward(x).reshape(n, this.hiddenDim, -1).permute(0, 2, 1);
    const tokens = cat([this.class_token.expand(n, -1, -1), patches], 1);
    return this.heads.forward(this.encoder.forward(tokens).select(1, 0));
  }
}

/** ViT-B/16: 12 layers, 12 heads, hidden size 768, MLP 3072; 224×224 input, or the weights' size (384 for the SWAG end-to-end ones). */
export const vitB16 = (options: ClassifierOptions & Omit<VisionTransformerOptions, 'numClasses' | 'patchSize' | 'numLayers' | 'numHeads' | 'hiddenDim' | 'mlpDim'> = {}): VisionTransformer =>
  buildClassifier('vit_b_16', 'heads.head', options, (numClasses, weights) => new VisionTransformer({
    ...options, imageSize: options.imageSize ?? (weights && imageSizeOf(weights, 16)), patchSize: 16, numLayers: 12, numHeads: 12, hiddenDim: 768, mlpDim: 3072, numClasses,
  }));

/** The image size weights were trained at, from their position embeddings: (size / patch)² patches and the class token. */
function imageSizeOf(weights: StateDict, patchSize: number): number | undefined {
  const positions = weights['encoder.pos_embedding']?.shape[1];
  return positions === undefined ? undefined : Math.round(Math.sqrt(positions - 1)) * patchSize;
}
