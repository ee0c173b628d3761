// Style augmentation: AdaIN re-stylization (Huang & Belongie 2017) with the user's VGG encoder and decoder weights, and
// MixStyle (Zhou et al. 2021) on input images as a mixing transform.
import type { Batch } from '../data/dataset.js';
import { currentRandom } from '../torch/random.js';
import { loadPth } from '../hub/pth.js';
import * as F from '../nn/functional.js';
import { ReLU } from '../nn/layers/activation.js';
import { Sequential } from '../nn/layers/containers.js';
import { Conv2d } from '../nn/layers/conv.js';
import { drawMixStyle, mixStyle, mixStyleOptions, type MixStyleMix, type MixStyleOptions } from '../nn/layers/mix-style.js';
import { MaxPool2d } from '../nn/layers/pooling.js';
import { Module } from '../nn/module.js';
import { pyFloat } from '../nn/repr.js';
import { noGrad } from '../torch/autograd.js';
import { checkNumber, describe } from '../torch/check.js';
import { tensor } from '../torch/creation.js';
import { keep, tidy } from '../torch/scope.js';
import { load, type StateDict } from '../torch/serialization.js';
import { Tensor } from '../torch/tensor.js';
import { checkImage, maxValue, onBatch, onFloat } from './image.js';
import { defineTransform, show } from './schema.js';
import { MixingTransform, Transform } from './transform.js';

/** Per-channel mean and standard deviation over the spatial dims (N×C×1×1 each), as the AdaIN code's calc_mean_std. */
function meanStd(features: Tensor, eps: number): { mean: Tensor; std: Tensor } {
  const flat = features.flatten(2);
  const mean = flat.mean(2).unsqueeze(-1).unsqueeze(-1);
  const std = flat.var(2).add(eps).sqrt().unsqueeze(-1).unsqueeze(-1);
  flat.dispose();
  return { mean, std };
}

/**
 * AdaIN: content features (N×C×H×W) normalized per instance and channel, then given the style features' mean and standard
 * deviation (style: N or 1 instances, any spatial size), as adaptive_instance_normalization of the AdaIN code.
 */
export function adaptiveInstanceNormalization(content: Tensor, style: Tensor, eps = 1e-5): Tensor {
  for (const [name, t] of [['content', content], ['style', style]] as const) {
    if (!(t instanceof Tensor) || t.ndim !== 4) throw new TypeError(`adaptiveInstanceNormalization: ${name} must be N×C×H×W features, got ${describe(t)}`);
  }
  if (style.shape[1] !== content.shape[1] || (style.shape[0] !== content.shape[0] && style.shape[0] !== 1)) {
    throw new RangeError(`adaptiveInstanceNormalization: style features [${style.shape.join(', ')}] must match the content's ${content.shape[0]} (or 1) instances and ${content.shape[1]} channels`);
  }
  return tidy(() => {
    const s = meanStd(style, eps);
    const c = meanStd(content, eps);
    return content.sub(c.mean).div(c.std).mul(s.std).add(s.mean);
  });
}

class ReflectionPad extends Module {
  forward(x: Tensor): Tensor { return F.pad(x, [1, 1, 1, 1], { mode: 'reflect' }); }
  get typeName(): string { return 'ReflectionPad2d'; }
  extraRepr(): string { return '(1, 1, 1, 1)'; }
}

class UpsampleNearest extends Module {
  forward(x: Tensor): Tensor { return F.interpolate(x, { scaleFactor: 2, mode: 'nearest' }); }
  get typeName(): string { return 'Upsample'; }
  extraRepr(): string { return "scale_factor=2.0, mode='nearest'"; }
}

/**
 * The AdaIN encoder: VGG-19 up to relu4_1 as `vgg` of naoto0804/pytorch-AdaIN (vgg_normalised.pth, its first 31 layers),
 * with the same indices, so its state-dict keys are that file's: 0 (1×1 conv 3→3), 2, 5, 9, 12, 16, 19, 22, 25, 29 (3×3
 * convs), each `.weight` and `.bias`. Reflection padding before each 3×3 conv; 2×2 max pools (ceil mode) at 7, 14 and 27.
 * Input: RGB in [0, 1].
 */
export function adaInEncoder(): Sequential {
  const layers: Module[] = [new Conv2d(3, 3, 1)];
  const conv = (cin: number, cout: number) => layers.push(new ReflectionPad(), new Conv2d(cin, cout, 3), new ReLU());
  const pool = () => layers.push(new MaxPool2d(2, { stride: 2, ceilMode: true }));
  conv(3, 64); conv(64, 64); pool();
  conv(64, 128); conv(128, 128); pool();
  conv(128, 256); conv(256, 256); conv(256, 256); conv(256, 256); pool();
  conv(256, 512);
  return new Sequential(...layers);
}

/**
 * The AdaIN decoder, the encoder's mirror as `decoder` of pytorch-AdaIN (decoder.pth): keys 1, 5, 8, 11, 14, 18, 21, 25, 28
 * (3×3 convs 512→256→256→256→256→128→128→64→64→3), `.weight` and `.bias`; nearest 2× upsampling at 3, 16 and 23.
 */
export function adaInDecoder(): Sequential {
  const layers: Module[] = [];
  const conv = (cin: number, cout: number, relu = true) => layers.push(new ReflectionPad(), new Conv2d(cin, cout, 3), ...(relu ? [new ReLU()] : []));
  const up = () => layers.push(new UpsampleNearest());
  conv(512, 256); up();
  conv(256, 256); conv(256, 256); conv(256, 256); conv(256, 128); up();
  conv(128, 128); conv(128, 64); up();
  conv(64, 64); conv(64, 3, false);
  return new Sequential(...layers);
}

/** decoder(α·AdaIN(encoder(content), encoder(style)) + (1−α)·encoder(content)), as style_transfer of the AdaIN code; α per image or one. */
export function styleTransfer(encoder: Module, decoder: Module, content: Tensor, style: Tensor, alpha: number | Tensor = 1): Tensor {
  return noGrad(() => tidy(() => {
    const contentFeatures = encoder.forward(content);
    const styled = adaptiveInstanceNormalization(contentFeatures, encoder.forward(style));
    return decoder.forward(styled.mul(alpha).add(contentFeatures.mul(typeof alpha === 'number' ? 1 - alpha : alpha.rsub(1))));
  }));
}

/** A state dict from a file (.pth/.pt through the .pth reader, else safetensors) or as given. */
function readWeights(source: string | StateDict, what: string): { tensors: StateDict; owned: boolean } {
  if (typeof source === 'string') return { tensors: /\.(pth|pt)$/i.test(source) ? loadPth(source) : load(source), owned: true };
  if (source && typeof source === 'object') return { tensors: source, owned: false };
  throw new TypeError(`StyleAugment: ${what} must be a weights file (.safetensors or .pth) or a state dict, got ${describe(source)}`);
}

/** Copies the weights named `prefix` + key into the network; keys it has no use for (vgg_normalised's layers past relu4_1) are ignored. */
function loadNetwork(network: Module, weights: StateDict, prefix: string, what: string): void {
  const wanted = network.namedParameters().map(([name]) => name);
  const missing = wanted.filter((name) => !(weights[prefix + name] instanceof Tensor));
  if (missing.length) {
    throw new Error(`StyleAugment: the ${what} weights lack ${missing.map((k) => `'${prefix}${k}'`).join(', ')}; see adaInEncoder/adaInDecoder for the expected keys (pytorch-AdaIN's vgg_normalised.pth and decoder.pth)`);
  }
  try {
    network.loadStateDict(Object.fromEntries(wanted.map((name) => [name, weights[prefix + name]])));
  } catch (error) {
    throw new Error(`StyleAugment: the ${what} weights do not fit: ${(error as Error).message}`);
  }
}

/** Three ceil-mode pools leave relu4_1 features of ⌈size/8⌉, and reflection padding needs at least 2 of them. */
function checkSize(images: Tensor, what: string): void {
  const [height, width] = images.shape.slice(-2);
  if (height < 9 || width < 9) throw new RangeError(`StyleAugment: ${what} must be at least 9×9 for the VGG encoder (three 2× poolings), got ${height}×${width}`);
}

type Range = [number, number];
export interface StyleAugmentOptions {
  /** Encoder weights (vgg_normalised.pth layout): a .safetensors or .pth file, or a state dict. */
  encoder?: string | StateDict;
  /** Decoder weights (decoder.pth layout). */
  decoder?: string | StateDict;
  /** Instead of encoder and decoder: one file whose keys are `encoder.<key>` and `decoder.<key>`. */
  weights?: string;
  /** Style images S×3×H×W (float in [0, 1] or uint8), or a safetensors file holding them as `styles`; without them, each image takes another image of its batch as style. */
  styles?: Tensor | string;
  /** Style strength: 1 (full AdaIN), a number in [0, 1], or [min, max] drawn per image. */
  alpha?: number | Range;
  /** The probability of re-stylizing each image. */
  p?: number;
}

/**
 * Re-stylizes images by AdaIN with a pretrained encoder and decoder: each image, with probability p, takes the feature
 * statistics of a style image (drawn from `styles`, or another image of the batch) at strength alpha.
 */
export class StyleAugment extends Transform {
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly alpha: Range;
  readonly p: number;
  private styles: Tensor | null = null;
  private device = 'cpu';

  constructor(readonly options: StyleAugmentOptions = {}) {
    super();
    const { encoder, decoder, weights, styles, alpha = 1, p = 0.5 } = options;
    checkNumber(p, 'p', 'StyleAugment');
    if (p < 0 || p > 1) throw new RangeError(`StyleAugment: p must be between 0 and 1, got ${p}`);
    const range: Range = typeof alpha === 'number' ? [alpha, alpha] : alpha;
    if (!Array.isArray(range) || range.length !== 2 || !(range[0] >= 0 && range[0] <= range[1] && range[1] <= 1)) {
      throw new RangeError(`StyleAugment: alpha must be a number in [0, 1] or [min, max] within [0, 1], got ${describe(alpha)}`);
    }
    if ((weights === undefined) === (encoder === undefined || decoder === undefined)) {
      throw new TypeError('StyleAugment: give either `weights` (one file with encoder.* and decoder.* keys) or both `encoder` and `decoder`');
    }
    [this.alpha, this.p] = [range, p];
    this.encoder = adaInEncoder().eval();
    this.decoder = adaInDecoder().eval();
    // The transform owns its networks until dispose(), also when made inside a tidy() scope.
    for (const p of [...this.encoder.parameters(), ...this.decoder.parameters()]) keep(p);
    const sources: [Module, string | StateDict, string, string][] = weights !== undefined
      ? [[this.encoder, weights, 'encoder.', 'encoder'], [this.decoder, weights, 'decoder.', 'decoder']]
      : [[this.encoder, encoder!, '', 'encoder'], [this.decoder, decoder!, '', 'decoder']];
    const files = new Map<string | StateDict, { tensors: StateDict; owned: boolean }>();
    try {
      for (const [network, source, prefix, what] of sources) {
        if (!files.has(source)) files.set(source, readWeights(source, what));
        loadNetwork(network, files.get(source)!.tensors, prefix, what);
      }
    } finally {
      for (const { tensors, owned } of files.values()) if (owned) Object.values(tensors).forEach((t) => t.dispose());
    }
    if (styles !== undefined) this.styles = keep(this.readStyles(styles));
  }

  private readStyles(styles: Tensor | string): Tensor {
    let source = styles;
    if (typeof styles === 'string') {
      const tensors = load(styles);
      source = tensors.styles;
      for (const [name, t] of Object.entries(tensors)) if (name !== 'styles') t.dispose();
      if (!source) throw new Error(`StyleAugment: ${styles} holds no tensor named 'styles' (S×3×H×W style images)`);
    }
    const images = source as Tensor;
    if (!(images instanceof Tensor) || images.ndim !== 4 || images.shape[1] !== 3 || images.shape[0] === 0) {
      throw new TypeError(`StyleAugment: styles must be S×3×H×W RGB images, got ${describe(images)}${images instanceof Tensor ? ` of shape [${images.shape.join(', ')}]` : ''}`);
    }
    checkSize(images, 'style images');
    return noGrad(() => tidy(() => {
      const float = images.to('float32');
      return images.dtype === 'uint8' ? float.div(255) : float.clone();
    }));
  }

  /** Moves the networks and styles to the images' device when it changes. */
  private moveTo(device: string): void {
    if (device === this.device) return;
    this.encoder.to(device);
    this.decoder.to(device);
    if (this.styles) {
      const moved = keep(this.styles.to(device));
      this.styles.dispose();
      this.styles = moved;
    }
    this.device = device;
  }

  forward(x: Tensor): Tensor {
    checkImage(x, 'StyleAugment');
    const random = currentRandom();
    const n = x.ndim === 4 ? x.shape[0] : 1;
    if (x.shape[x.ndim - 3] !== 3) throw new RangeError(`StyleAugment: the VGG encoder takes RGB images (3 channels), got ${x.shape[x.ndim - 3]}`);
    if (!this.styles && n < 2) {
      throw new RangeError('StyleAugment: without `styles`, each image takes its style from another image of its batch; a single image (or a batch of 1) needs `styles`');
    }
    const picks: { image: number; style: number; alpha: number }[] = [];
    for (let image = 0; image < n; image++) {
      if (!random.bernoulli(this.p)) continue;
      const style = this.styles ? random.below(this.styles.shape[0]) : (image + 1 + random.below(n - 1)) % n;
      const alpha = this.alpha[0] === this.alpha[1] ? this.alpha[0] : random.uniform(this.alpha[0], this.alpha[1]);
      picks.push({ image, style, alpha });
    }
    if (picks.length === 0) return x.clone();
    checkSize(x, 'images');
    this.moveTo(x.device);
    const scale = maxValue(x);
    return onBatch(x, 'StyleAugment', (batch) => onFloat(batch, (f) => tidy(() => {
      const [height, width] = f.shape.slice(2);
      const index = (values: number[]) => tensor(values, { dtype: 'int64', device: f.device });
      const images = index(picks.map((pick) => pick.image));
      const content = f.indexSelect(0, images).div(scale);
      const style = this.styles ? this.styles.indexSelect(0, index(picks.map((pick) => pick.style)))
        : f.indexSelect(0, index(picks.map((pick) => pick.style))).div(scale);
      const alpha = tensor(picks.map((pick) => pick.alpha), { dtype: f.dtype, device: f.device }).view([picks.length, 1, 1, 1]);
      let styled = styleTransfer(this.encoder, this.decoder, content, style, alpha);
      // The pools round sizes up, so the decoder may return a little more than it was given.
      if (styled.shape[2] !== height || styled.shape[3] !== width) styled = F.interpolate(styled, { size: [height, width], mode: 'bilinear', alignCorners: false });
      const out = f.clone();
      out.indexPut_([images], styled.clamp(0, 1).mul(scale));
      return out;
    })));
  }

  /** Frees the networks' weights and the style images. */
  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.styles?.dispose();
  }
}

/** MixStyle on the input images of a batch: each image takes λ·own + (1−λ)·partner channel statistics (nn.MixStyle inside a network). */
export class MixStyle extends MixingTransform {
  readonly p: number;
  readonly alpha: number;
  readonly eps: number;
  readonly mix: MixStyleMix;

  constructor(readonly options: MixStyleOptions = {}) {
    super();
    ({ p: this.p, alpha: this.alpha, eps: this.eps, mix: this.mix } = mixStyleOptions(options, 'MixStyle'));
  }

  forward(batch: Batch): Batch {
    const { inputs, targets } = batch;
    if (inputs?.ndim !== 4) throw new TypeError(`MixStyle: expects a batch of images N×C×H×W as inputs, got ${describe(inputs)}`);
    const random = currentRandom();
    if (!random.bernoulli(this.p)) return { inputs: inputs.clone(), targets: targets.clone() };
    const { perm, lambda } = drawMixStyle(random, inputs.shape[0], this.alpha, this.mix, 'MixStyle');
    return { inputs: onFloat(inputs, (f) => mixStyle(f, perm, lambda, this.eps)), targets: targets.clone() };
  }
}

defineTransform(StyleAugment, {
  module: import.meta.url, recipe: { name: 'styleAugment', shorthand: ['alpha'] },
  options: {
    alpha: { kind: 'range', show: ([lo, hi]: Range) => (lo === hi ? pyFloat(lo) : show.floatTuple([lo, hi])) }, p: { kind: 'number' },
    weights: { kind: 'string', show: false }, encoder: { kind: 'string', show: false }, decoder: { kind: 'string', show: false },
    styles: { kind: 'string', show: (styles: Tensor | null) => (styles ? String(styles.shape[0]) : undefined) },
  },
  // The networks and style images are made again from what they were made from.
  workerOptions: ({ options }: StyleAugment) => ({ weights: options.weights, encoder: options.encoder, decoder: options.decoder, styles: options.styles }),
});
defineTransform(MixStyle, { module: import.meta.url, recipe: { name: 'mixStyle', shorthand: ['p'] }, options: { p: { kind: 'number' }, alpha: { kind: 'number' }, eps: { kind: 'number' }, mix: { kind: 'string' } } });
