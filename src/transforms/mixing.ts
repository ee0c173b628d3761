// Batch mixing with soft labels: Mixup, CutMix, timm's switch between them, and Mosaic.
import type { Batch } from '../data/dataset.js';
import { currentRandom, type Random } from '../torch/random.js';
import { checkChoice, checkRange, withDefaults } from '../util/checks.js';
import { noGrad } from '../torch/autograd.js';
import { checkInt, describe } from '../torch/check.js';
import { tensor } from '../torch/creation.js';
import { isFloatingPoint } from '../torch/dtype.js';
import { oneHot, where } from '../torch/functions.js';
import { tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';
import { boxMask } from './functional/erasing.js';
import { onFloat } from './image.js';
import { defineTransform, show } from './schema.js';
import { MixingTransform } from './transform.js';

/** How mixing parameters are drawn: one λ for the batch, one per pair of partners, or one per image (timm's modes). */
export type MixMode = 'batch' | 'pair' | 'elem';
type Box = [number, number, number, number];

/**
 * Targets as N×numClasses float32 probabilities: class indices (int64, N) become one-hot rows; soft targets (N×K)
 * are kept. With labelSmoothing s each row becomes t·(1 − s) + s/K, as timm's smoothed one-hot.
 */
export function softTargets(targets: Tensor, numClasses: number, labelSmoothing: number, where_: string): Tensor {
  if (!(targets instanceof Tensor)) throw new TypeError(`${where_}: targets must be a tensor, got ${describe(targets)}`);
  return noGrad(() => tidy(() => {
    let probabilities: Tensor;
    if (targets.ndim === 1 && !isFloatingPoint(targets.dtype) && targets.dtype !== 'bool') {
      const [low, high] = [targets.min().item() as number, targets.max().item() as number];
      if (low < 0 || high >= numClasses) throw new RangeError(`${where_}: class indices must be in [0, ${numClasses - 1}] for numClasses ${numClasses}, got ${low < 0 ? low : high}`);
      probabilities = oneHot(targets.to('int64'), numClasses).to('float32');
    } else if (targets.ndim === 2 && isFloatingPoint(targets.dtype) && targets.shape[1] === numClasses) {
      probabilities = targets.to('float32');
    } else {
      throw new TypeError(`${where_}: targets must be N class indices (an integer tensor) or N×${numClasses} probabilities, got a ${targets.dtype} tensor of shape [${targets.shape.join(', ')}]`);
    }
    return labelSmoothing > 0 ? probabilities.mul(1 - labelSmoothing).add(labelSmoothing / numClasses) : probabilities.clone();
  }));
}

/** Checks a batch of images N×C×H×W with N targets; returns N, H, W. */
function checkBatch(batch: Batch, where_: string): [number, number, number] {
  const { inputs, targets } = batch ?? ({} as Batch);
  if (!(inputs instanceof Tensor) || inputs.ndim !== 4) {
    throw new TypeError(`${where_}: expects a batch {inputs: N×C×H×W, targets}, got inputs ${describe(inputs)}${inputs instanceof Tensor ? ` of shape [${inputs.shape.join(', ')}]` : ''}`);
  }
  if (!(targets instanceof Tensor) || targets.shape[0] !== inputs.shape[0]) {
    throw new TypeError(`${where_}: targets must be a tensor with one row per image (${inputs.shape[0]}), got ${targets instanceof Tensor ? `shape [${targets.shape.join(', ')}]` : describe(targets)}`);
  }
  return [inputs.shape[0], inputs.shape[2], inputs.shape[3]];
}

/** targets' rows mixed by the N×N matrix `weights` (row i: how much of each image's label image i holds). */
function mixTargets(batch: Batch, weights: Float32Array, numClasses: number, labelSmoothing: number, where_: string): Tensor {
  const n = batch.targets.shape[0];
  return noGrad(() => tidy(() => {
    const soft = softTargets(batch.targets, numClasses, labelSmoothing, where_);
    return tensor(weights, { shape: [n, n], device: soft.device }).matmul(soft);
  }));
}

/** Options shared by the mixing transforms. */
interface MixingCommon {
  /** The number of classes: class-index targets become N×numClasses probabilities. */
  numClasses: number;
  /** Label smoothing of the one-hot targets before mixing, as timm's label_smoothing. */
  labelSmoothing?: number;
}

function checkCommon(o: MixingCommon, where_: string): { numClasses: number; labelSmoothing: number } {
  return {
    numClasses: checkInt(o.numClasses, 'numClasses', where_, 1),
    labelSmoothing: checkRange(o.labelSmoothing, 'labelSmoothing', where_, { min: 0, max: 1 }),
  };
}

/** What one image is mixed with its partner by. */
export interface MixParams {
  /** The share of the image's own label. */
  lam: number;
  /** Mixup's pixel weight of the image itself (1 for CutMix, whose box is taken from the partner). */
  weight: number;
  /** CutMix's box [top, left, bottom, right), taken from the partner; null for Mixup. */
  box: Box | null;
}

/**
 * timm's Mixup engine: each image i is mixed with its partner N−1−i (the batch flipped), by pixel blending (Mixup,
 * λ ~ Beta(mixupAlpha, mixupAlpha)) or by pasting a box of the partner (CutMix, λ ~ Beta(cutmixAlpha, cutmixAlpha), box of
 * area (1 − λ)·H·W centred anywhere and clipped, λ then recomputed from the box's real area). The label is λ of the
 * image's own and 1 − λ of the partner's.
 */
abstract class PartnerMixing extends MixingTransform {
  readonly numClasses: number;
  readonly labelSmoothing: number;
  readonly p: number;
  readonly mode: MixMode;

  protected constructor(
    /** The α of each technique (0: off) and the chance of CutMix when both are on. */
    private readonly choice: { mixupAlpha: number; cutmixAlpha: number; switchProb: number },
    o: MixingCommon & { p: number; mode: MixMode },
    protected readonly where: string,
  ) {
    super();
    ({ numClasses: this.numClasses, labelSmoothing: this.labelSmoothing } = checkCommon(o, where));
    this.p = checkRange(o.p, 'p', where, { min: 0, max: 1 });
    this.mode = checkChoice(o.mode, 'mode', where, ['batch', 'pair', 'elem'] as const);
  }

  /**
   * timm's rand_bbox: a box of ⌊H·√(1 − λ)⌋ × ⌊W·√(1 − λ)⌋ pixels (⌊side/2⌋ before a uniform centre, ⌈side/2⌉ from it),
   * clipped to the image, as [top, left, bottom, right).
   */
  static cutmixBox(random: Random, lam: number, height: number, width: number): Box {
    const cut = Math.sqrt(1 - lam);
    const [cutH, cutW] = [Math.floor(height * cut), Math.floor(width * cut)];
    const cy = random.integer(0, height - 1);
    const cx = random.integer(0, width - 1);
    const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
    return [clip(cy - Math.floor(cutH / 2), height), clip(cx - Math.floor(cutW / 2), width), clip(cy + Math.ceil(cutH / 2), height), clip(cx + Math.ceil(cutW / 2), width)];
  }

  /** One draw of timm's _params_per_batch: whether to mix, Mixup or CutMix, λ and the box. */
  private draw(random: Random, height: number, width: number): MixParams {
    if (!random.bernoulli(this.p)) return { lam: 1, weight: 1, box: null };
    const { mixupAlpha, cutmixAlpha, switchProb } = this.choice;
    const useCutmix = mixupAlpha > 0 && cutmixAlpha > 0 ? random.bernoulli(switchProb) : cutmixAlpha > 0;
    const alpha = useCutmix ? cutmixAlpha : mixupAlpha;
    const lam = random.beta(alpha, alpha);
    if (!useCutmix) return { lam, weight: lam, box: null };
    const box = PartnerMixing.cutmixBox(random, lam, height, width);
    const area = (box[2] - box[0]) * (box[3] - box[1]);
    return { lam: 1 - area / (height * width), weight: 1, box };
  }

  /** The parameters of each image: one draw for the batch, one per pair (i, N−1−i), or one per image. */
  drawParams(random: Random, n: number, height: number, width: number): MixParams[] {
    if (this.mode === 'batch') {
      const shared = this.draw(random, height, width);
      return Array.from({ length: n }, () => shared);
    }
    const params: MixParams[] = new Array(n);
    if (this.mode === 'elem') for (let i = 0; i < n; i++) params[i] = this.draw(random, height, width);
    else for (let i = 0; i < Math.ceil(n / 2); i++) params[i] = params[n - 1 - i] = this.draw(random, height, width);
    return params;
  }

  forward(batch: Batch): Batch {
    const [n, height, width] = checkBatch(batch, this.where);
    const params = this.drawParams(currentRandom(), n, height, width);
    const weights = new Float32Array(n * n);
    params.forEach(({ lam }, i) => {
      weights[i * n + i] += lam;
      weights[i * n + (n - 1 - i)] += 1 - lam;
    });
    const targets = mixTargets(batch, weights, this.numClasses, this.labelSmoothing, this.where);
    const inputs = onFloat(batch.inputs, (x) => tidy(() => {
      const own = tensor(Float32Array.from(params, (q) => q.weight), { shape: [n, 1, 1, 1], device: x.device }).to(x.dtype);
      const pixelWeight = params.some((q) => q.box) ? where(boxMask(params.map((q) => (q.box ? [q.box] : [])), height, width, x.device), 0, own) : own;
      return x.mul(pixelWeight).add(x.flip(0).mul(pixelWeight.rsub(1)));
    }));
    return { inputs, targets };
  }


}

export interface MixupOptions extends MixingCommon {
  /** λ ~ Beta(alpha, alpha). */
  alpha?: number;
  /** Probability that a batch (or pair, or image, by mode) is mixed. */
  p?: number;
  mode?: MixMode;
}

/** Mixup (Zhang et al., 2018), as timm's: x = λ·x + (1 − λ)·x.flip(0), targets likewise, λ ~ Beta(alpha, alpha). */
export class Mixup extends PartnerMixing {
  readonly alpha: number;

  constructor(options: MixupOptions) {
    const o = withDefaults(options, { alpha: 1, p: 1, mode: 'batch', labelSmoothing: 0, numClasses: undefined } as unknown as Required<MixupOptions>, 'Mixup', ['numClasses']);
    const alpha = checkRange(o.alpha, 'alpha', 'Mixup', { min: 0, minOpen: true });
    super({ mixupAlpha: alpha, cutmixAlpha: 0, switchProb: 0 }, o, 'Mixup');
    this.alpha = alpha;
  }


}

export interface CutMixOptions extends MixupOptions {}

/**
 * CutMix (Yun et al., 2019), as timm's: a box of the flipped batch is pasted into each image; λ ~ Beta(alpha, alpha)
 * sets the box (side √(1 − λ) of the image's), and the label weight λ is recomputed from the box's area after clipping.
 */
export class CutMix extends PartnerMixing {
  readonly alpha: number;

  constructor(options: CutMixOptions) {
    const o = withDefaults(options, { alpha: 1, p: 1, mode: 'batch', labelSmoothing: 0, numClasses: undefined } as unknown as Required<CutMixOptions>, 'CutMix', ['numClasses']);
    const alpha = checkRange(o.alpha, 'alpha', 'CutMix', { min: 0, minOpen: true });
    super({ mixupAlpha: 0, cutmixAlpha: alpha, switchProb: 0 }, o, 'CutMix');
    this.alpha = alpha;
  }


}

export interface MixupCutmixOptions extends MixingCommon {
  /** Mixup's α (0: no Mixup). */
  mixupAlpha?: number;
  /** CutMix's α (0: no CutMix). */
  cutmixAlpha?: number;
  /** Probability of CutMix rather than Mixup when both are on. */
  switchProb?: number;
  /** Probability that a batch (or pair, or image) is mixed at all. */
  p?: number;
  mode?: MixMode;
}

/**
 * timm's Mixup class: each batch (pair, image) is mixed with probability p, by CutMix with probability switchProb and
 * otherwise by Mixup. Defaults as timm's (labelSmoothing 0.1), except cutmixAlpha 1, so that both are on.
 */
export class MixupCutmix extends PartnerMixing {
  readonly mixupAlpha: number;
  readonly cutmixAlpha: number;
  readonly switchProb: number;

  constructor(options: MixupCutmixOptions) {
    const where_ = 'MixupCutmix';
    const o = withDefaults(options, { mixupAlpha: 1, cutmixAlpha: 1, switchProb: 0.5, p: 1, mode: 'batch', labelSmoothing: 0.1, numClasses: undefined } as unknown as Required<MixupCutmixOptions>, where_, ['numClasses']);
    const mixupAlpha = checkRange(o.mixupAlpha, 'mixupAlpha', where_, { min: 0 });
    const cutmixAlpha = checkRange(o.cutmixAlpha, 'cutmixAlpha', where_, { min: 0 });
    if (mixupAlpha === 0 && cutmixAlpha === 0) throw new RangeError(`${where_}: mixupAlpha and cutmixAlpha are both 0; give at least one a positive α`);
    const switchProb = checkRange(o.switchProb, 'switchProb', where_, { min: 0, max: 1 });
    super({ mixupAlpha, cutmixAlpha, switchProb }, o, where_);
    [this.mixupAlpha, this.cutmixAlpha, this.switchProb] = [mixupAlpha, cutmixAlpha, switchProb];
  }


}

export interface MosaicOptions extends MixingCommon {
  /** Probability that an image is replaced by a mosaic. */
  p?: number;
  /** The centre (cx, cy) is drawn uniformly from this fraction of the width and height. */
  centerRange?: [number, number];
}

/** One mosaic: its centre and, per quadrant (top-left, top-right, bottom-left, bottom-right), the source image and crop corner. */
export interface MosaicParams {
  cy: number;
  cx: number;
  sources: [number, number, number, number];
  crops: [number, number][];
}

/**
 * Mosaic (YOLOv4's, for classification): each output image keeps the input's size H×W and is cut at a centre (cx, cy)
 * drawn uniformly in centerRange·W × centerRange·H into four quadrants; the top-left one comes from the image itself,
 * the other three from images drawn uniformly from the batch, each quadrant a random crop of its source of the
 * quadrant's size (no resizing). The target is the four labels weighted by their quadrants' areas (summing to 1).
 */
export class Mosaic extends MixingTransform {
  readonly numClasses: number;
  readonly labelSmoothing: number;
  readonly p: number;
  readonly centerRange: [number, number];

  constructor(options: MosaicOptions) {
    super();
    const where_ = 'Mosaic';
    const o = withDefaults(options, { p: 1, centerRange: [0.25, 0.75], labelSmoothing: 0, numClasses: undefined } as unknown as Required<MosaicOptions>, where_, ['numClasses']);
    ({ numClasses: this.numClasses, labelSmoothing: this.labelSmoothing } = checkCommon(o, where_));
    this.p = checkRange(o.p, 'p', where_, { min: 0, max: 1 });
    if (!Array.isArray(o.centerRange) || o.centerRange.length !== 2) throw new TypeError(`${where_}: centerRange must be a pair [min, max], got ${describe(o.centerRange)}`);
    const [low, high] = o.centerRange.map((v) => checkRange(v, 'centerRange', where_, { min: 0, max: 1 }));
    if (low > high) throw new RangeError(`${where_}: centerRange must be [min, max] with min ≤ max, got [${low}, ${high}]`);
    this.centerRange = [low, high];
  }

  /** The mosaic of output image i of a batch of n, or null when it stays as it is. */
  drawParams(random: Random, i: number, n: number, height: number, width: number): MosaicParams | null {
    if (!random.bernoulli(this.p)) return null;
    const [low, high] = this.centerRange;
    const cy = Math.floor(random.uniform(low, high) * height);
    const cx = Math.floor(random.uniform(low, high) * width);
    const sources: MosaicParams['sources'] = [i, random.below(n), random.below(n), random.below(n)];
    const crops = quadrants(cy, cx, height, width).map(([h, w]) => [random.integer(0, height - h), random.integer(0, width - w)] as [number, number]);
    return { cy, cx, sources, crops };
  }

  forward(batch: Batch): Batch {
    const [n, height, width] = checkBatch(batch, 'Mosaic');
    const random = currentRandom();
    const params = Array.from({ length: n }, (_, i) => this.drawParams(random, i, n, height, width));
    const weights = new Float32Array(n * n);
    params.forEach((q, i) => {
      if (!q) weights[i * n + i] = 1;
      else quadrants(q.cy, q.cx, height, width).forEach(([h, w], k) => (weights[i * n + q.sources[k]] += (h * w) / (height * width)));
    });
    const targets = mixTargets(batch, weights, this.numClasses, this.labelSmoothing, 'Mosaic');
    const inputs = noGrad(() => {
      const out = batch.inputs.clone();
      params.forEach((q, i) => {
        if (!q) return;
        tidy(() => {
          const target = out.select(0, i);
          quadrants(q.cy, q.cx, height, width).forEach(([h, w, top, left], k) => {
            if (h === 0 || w === 0) return;
            const [cropTop, cropLeft] = q.crops[k];
            const piece = batch.inputs.select(0, q.sources[k]).narrow(1, cropTop, h).narrow(2, cropLeft, w);
            target.narrow(1, top, h).narrow(2, left, w).copy_(piece);
          });
        });
      });
      return out;
    });
    return { inputs, targets };
  }


}

/** The four quadrants around (cy, cx) as [height, width, top, left]: top-left, top-right, bottom-left, bottom-right. */
function quadrants(cy: number, cx: number, height: number, width: number): [number, number, number, number][] {
  return [[cy, cx, 0, 0], [cy, width - cx, 0, cx], [height - cy, cx, cy, 0], [height - cy, width - cx, cy, cx]];
}

/** The options every mixing technique has; batch techniques turn class indices into N×numClasses probabilities. */
const common = { p: { kind: 'number' }, mode: { kind: 'string' }, numClasses: { kind: 'integer' }, labelSmoothing: { kind: 'number' } } as const;
const printedCommon = ['p', 'mode', 'labelSmoothing', 'numClasses'];
defineTransform(Mixup, { module: import.meta.url, recipe: { name: 'mixup', shorthand: ['alpha'] }, options: { alpha: { kind: 'number' }, ...common }, printOrder: ['alpha', ...printedCommon] });
defineTransform(CutMix, { module: import.meta.url, recipe: { name: 'cutmix', shorthand: ['alpha'] }, options: { alpha: { kind: 'number' }, ...common }, printOrder: ['alpha', ...printedCommon] });
defineTransform(MixupCutmix, {
  module: import.meta.url, recipe: { name: 'mixupCutmix' }, options: { mixupAlpha: { kind: 'number' }, cutmixAlpha: { kind: 'number' }, switchProb: { kind: 'number' }, ...common },
  printOrder: ['mixupAlpha', 'cutmixAlpha', 'switchProb', ...printedCommon],
});
defineTransform(Mosaic, {
  module: import.meta.url, recipe: { name: 'mosaic', shorthand: ['p'] },
  options: { p: { kind: 'number' }, centerRange: { kind: 'range', show: show.floatTuple }, numClasses: { kind: 'integer' }, labelSmoothing: { kind: 'number' } },
  printOrder: ['p', 'centerRange', 'labelSmoothing', 'numClasses'],
});
