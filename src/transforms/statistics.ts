// Statistics fitted on the training images, as Keras' ImageDataGenerator.fit: feature-wise standardization and ZCA whitening.
import type { Batch, Dataset } from '../data/dataset.js';
import * as F from '../nn/functional.js';
import { noGrad } from '../torch/autograd.js';
import { checkInt, describe } from '../torch/check.js';
import { stack } from '../torch/functions.js';
import { eigh } from '../torch/linalg.js';
import { dispose, keep, tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';
import { checkBoolean, checkChoice, checkRange, withDefaults } from '../util/checks.js';
import { checkImage } from './image.js';
import { defineTransform } from './schema.js';
import { Transform } from './transform.js';

/** What fit() learns from: a tensor of images N×C×H×W, an iterable of such tensors or of batches, or a Dataset of images. */
export type FitSource = Tensor | Iterable<Tensor | Batch> | Dataset;

/** Images stacked per Dataset chunk while fitting: bounds the memory a Dataset fit holds at once. */
const DATASET_CHUNK = 256;

/**
 * Calls fn with each chunk of images of the source as float64 N×C×H×W (C×H×W images stacked one per dataset sample),
 * freeing each chunk afterwards. Returns how many images there were.
 */
function forEachChunk(source: FitSource, where: string, fn: (images: Tensor) => void): number {
  let count = 0;
  const visit = (images: Tensor, what: string) => {
    if (!(images instanceof Tensor) || images.ndim !== 4) {
      throw new TypeError(`${where}: fit() needs images N×C×H×W; ${what} is ${images instanceof Tensor ? `a tensor of shape [${images.shape.join(', ')}]` : describe(images)}`);
    }
    tidy(() => fn(images.to('float64')));
    count += images.shape[0];
  };
  if (source instanceof Tensor) {
    visit(source, 'the tensor');
  } else if (source !== null && typeof source === 'object' && typeof (source as Dataset).get === 'function' && typeof (source as Dataset).length === 'number') {
    const dataset = source as Dataset;
    for (let start = 0; start < dataset.length; start += DATASET_CHUNK) {
      const samples = Array.from({ length: Math.min(DATASET_CHUNK, dataset.length - start) }, (_, k) => dataset.get(start + k));
      try {
        const inputs = tidy(() => stack(samples.map((s) => s.input)));
        visit(inputs, `sample ${start}'s input`);
        inputs.dispose();
      } finally {
        dispose(samples);
      }
    }
  } else if (source !== null && typeof source === 'object' && Symbol.iterator in source) {
    let k = 0;
    for (const item of source as Iterable<Tensor | Batch>) visit(item instanceof Tensor ? item : item?.inputs, `item ${k++}`);
  } else {
    throw new TypeError(`${where}: fit() needs images N×C×H×W, an iterable of image batches, or a Dataset, got ${describe(source)}`);
  }
  if (count === 0) throw new RangeError(`${where}: fit() got no images`);
  return count;
}

/** total + part, kept out of the enclosing scopes, freeing the old total: a running sum across fit()'s chunks. */
function accumulate(total: Tensor | undefined, part: Tensor): Tensor {
  const next = total ? total.add(part) : part.clone();
  total?.dispose();
  return keep(next);
}

/**
 * Copies of fitted tensors on the devices and dtypes of the images they meet (float32 for integer images), made once
 * each, so that whitening batches on a GPU does not copy the D×D matrix every call. Freed by clear().
 */
class Placed {
  private readonly copies = new Map<string, Tensor>();

  of(name: string, t: Tensor, x: Tensor): Tensor {
    const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
    const key = `${name}|${x.device}|${dtype}`;
    let copy = this.copies.get(key);
    if (!copy) this.copies.set(key, (copy = keep(t.to({ dtype, device: x.device, copy: true }))));
    return copy;
  }

  clear(): void {
    this.copies.forEach((t) => t.dispose());
    this.copies.clear();
  }
}

/** Checks the statistics of a state dict: every key present and a tensor. */
function checkState(state: Record<string, Tensor>, keys: string[], where: string): void {
  if (state === null || typeof state !== 'object') throw new TypeError(`${where}: loadStateDict() needs {${keys.join(', ')}}, got ${describe(state)}`);
  for (const key of keys) {
    if (!(state[key] instanceof Tensor)) throw new TypeError(`${where}: loadStateDict() needs a tensor '${key}', got ${describe(state[key])}; keys given: ${Object.keys(state).join(', ') || 'none'}`);
  }
}

export interface FeaturewiseStandardizationOptions {
  /** 'channel': one mean and std per channel (Keras' featurewise_center); 'pixel': one per channel and pixel. */
  mode?: 'channel' | 'pixel';
  /** Subtract the mean. */
  center?: boolean;
  /** Divide by the standard deviation (plus eps). */
  scale?: boolean;
  /** Added to the standard deviation, as Keras' 1e-6. */
  eps?: number;
  /** Fitted statistics {mean, std} to start from (a run's saved ones). */
  state?: Record<string, Tensor>;
}

/**
 * (x − mean) / (std + eps) with the mean and the population standard deviation of the training images, per channel
 * or per pixel, as Keras' featurewise_center and featurewise_std_normalization. Results are float.
 */
export class FeaturewiseStandardization extends Transform {
  readonly mode: 'channel' | 'pixel';
  readonly center: boolean;
  readonly scale: boolean;
  readonly eps: number;
  /** C×1×1 (channel) or C×H×W (pixel), float32 on the CPU; undefined before fit(). Owned by this transform. */
  mean?: Tensor;
  std?: Tensor;
  private readonly placed = new Placed();

  constructor(options: FeaturewiseStandardizationOptions = {}) {
    super();
    const where = 'FeaturewiseStandardization';
    const o = withDefaults(options, { mode: 'channel', center: true, scale: true, eps: 1e-6, state: undefined } as FeaturewiseStandardizationOptions, where);
    this.mode = checkChoice(o.mode, 'mode', where, ['channel', 'pixel'] as const);
    this.center = checkBoolean(o.center, 'center', where);
    this.scale = checkBoolean(o.scale, 'scale', where);
    this.eps = checkRange(o.eps, 'eps', where, { min: 0 });
    if (o.state !== undefined) this.loadStateDict(o.state);
  }

  /** Learns the mean and standard deviation of the training images; returns this. */
  fit(source: FitSource): this {
    let sum: Tensor | undefined;
    let squares: Tensor | undefined;
    let values = 0;
    let first: number[] | undefined;
    const dims = this.mode === 'channel' ? [0, 2, 3] : [0];
    noGrad(() => forEachChunk(source, 'FeaturewiseStandardization', (x) => {
      const shape = this.mode === 'channel' ? x.shape.slice(1, 2) : x.shape.slice(1);
      first ??= shape;
      if (shape.join() !== first.join()) {
        throw new RangeError(`FeaturewiseStandardization: fit() got images of shape [${x.shape.slice(1).join(', ')}] after ones with ${this.mode === 'channel' ? `${first[0]} channels` : `shape [${first.join(', ')}]`}; all must match`);
      }
      sum = accumulate(sum, x.sum(dims, true).squeeze(0));
      squares = accumulate(squares, x.square().sum(dims, true).squeeze(0));
      values += this.mode === 'channel' ? x.shape[0] * x.shape[2] * x.shape[3] : x.shape[0];
    }));
    const [mean, std] = tidy(() => {
      const m = sum!.div(values);
      const variance = squares!.div(values).sub(m.square()).clamp(0);
      return [m.to({ dtype: 'float32', device: 'cpu' }), variance.sqrt().to({ dtype: 'float32', device: 'cpu' })];
    });
    dispose([sum, squares]);
    this.dispose();
    [this.mean, this.std] = [keep(mean), keep(std)];
    return this;
  }

  forward(x: Tensor): Tensor {
    checkImage(x, 'FeaturewiseStandardization');
    if (!this.mean || !this.std) throw new Error('FeaturewiseStandardization: call fit(trainingImages) first (or loadStateDict() with a run\'s statistics)');
    const [mean, std] = [this.mean, this.std];
    const expected = this.mode === 'channel' ? [mean.shape[0]] : mean.shape;
    const actual = this.mode === 'channel' ? [x.shape[x.ndim - 3]] : x.shape.slice(-3);
    if (expected.join() !== actual.join()) {
      throw new RangeError(`FeaturewiseStandardization: fitted on images of ${this.mode === 'channel' ? `${expected[0]} channels` : `shape [${expected.join(', ')}]`}, got an image of shape [${x.shape.slice(-3).join(', ')}]`);
    }
    return noGrad(() => tidy(() => {
      let out = x.to(x.dtype === 'float64' ? 'float64' : 'float32');
      if (this.center) out = out.sub(this.placed.of('mean', mean, x));
      if (this.scale) out = out.div(this.placed.of('std', std, x).add(this.eps));
      return this.center || this.scale ? out : out.clone();
    }));
  }

  /** The fitted {mean, std}, owned by this transform (save them with a run). */
  stateDict(): Record<string, Tensor> {
    if (!this.mean || !this.std) throw new Error('FeaturewiseStandardization: nothing to save before fit()');
    return { mean: this.mean, std: this.std };
  }

  /** Takes copies of saved statistics {mean, std}. */
  loadStateDict(state: Record<string, Tensor>): this {
    const where = 'FeaturewiseStandardization';
    checkState(state, ['mean', 'std'], where);
    if (state.mean.ndim !== 3 || state.std.shape.join() !== state.mean.shape.join() || (this.mode === 'channel' && state.mean.shape.slice(1).join() !== '1,1')) {
      throw new RangeError(`${where}: loadStateDict() needs a mean and std of one shape, C×1×1 for mode 'channel' or C×H×W for 'pixel'; got [${state.mean.shape.join(', ')}] and [${state.std.shape.join(', ')}] for mode '${this.mode}'`);
    }
    this.dispose();
    this.mean = keep(state.mean.to({ dtype: 'float32', device: 'cpu', copy: true }));
    this.std = keep(state.std.to({ dtype: 'float32', device: 'cpu', copy: true }));
    return this;
  }

  /** Frees the fitted statistics. */
  dispose(): void {
    this.placed.clear();
    dispose([this.mean, this.std]);
    this.mean = this.std = undefined;
  }


}

export interface ZCAWhiteningOptions {
  /** Added to the covariance's eigenvalues, as Keras' zca_epsilon. */
  epsilon?: number;
  /** The most values one whitened vector may have: larger images are whitened in patches of at most this many. */
  maxDim?: number;
  /** Fitted statistics {mean, components} to start from (a run's saved ones). */
  state?: Record<string, Tensor>;
}

/**
 * ZCA whitening as Keras' (zca_whitening): each image flattened to a vector, centred by the training images' mean
 * vector and multiplied by W = U·diag(1/√(S + ε))·Uᵀ, where U S Uᵀ is their covariance; whitened training data then
 * has identity covariance (on the directions whose variance is well above ε). Exact for images of at most maxDim
 * values (3072 = 3×32×32). Larger images are whitened patch-wise: cut into non-overlapping p×p patches with
 * C·p² ≤ maxDim (edge-padded by replication to whole patches), one W fitted on all patches of all training images and
 * applied to every patch, which keeps fit and apply as cheap as for a 32×32 image.
 */
export class ZCAWhitening extends Transform {
  readonly epsilon: number;
  readonly maxDim: number;
  /** The patch's mean vector shaped C×ph×pw (C×H×W for whole images); undefined before fit(). */
  mean?: Tensor;
  /** W, D×D with D = C·ph·pw. */
  components?: Tensor;
  private readonly placed = new Placed();

  constructor(options: ZCAWhiteningOptions = {}) {
    super();
    const where = 'ZCAWhitening';
    const o = withDefaults(options, { epsilon: 1e-6, maxDim: 3072, state: undefined } as ZCAWhiteningOptions, where);
    this.epsilon = checkRange(o.epsilon, 'epsilon', where, { min: 0 });
    this.maxDim = checkInt(o.maxDim, 'maxDim', where, 1);
    if (o.state !== undefined) this.loadStateDict(o.state);
  }

  /** The patch an image C×H×W is whitened in: the whole image when C·H·W ≤ maxDim, else the largest square that fits. */
  patchSize(channels: number, height: number, width: number): [number, number] {
    if (channels * height * width <= this.maxDim) return [height, width];
    const side = Math.floor(Math.sqrt(this.maxDim / channels));
    if (side < 1) throw new RangeError(`ZCAWhitening: maxDim ${this.maxDim} is less than the ${channels} channels of one pixel`);
    return [Math.min(side, height), Math.min(side, width)];
  }

  /** x (N×C×H×W) as rows of patch vectors, (N·gh·gw)×(C·ph·pw), edge-padded to whole patches; with the grid gh×gw. */
  private static patches(x: Tensor, [ph, pw]: [number, number]): { rows: Tensor; grid: [number, number] } {
    const [n, c, h, w] = x.shape;
    const [gh, gw] = [Math.ceil(h / ph), Math.ceil(w / pw)];
    const padded = gh * ph === h && gw * pw === w ? x : F.pad(x, [0, gw * pw - w, 0, gh * ph - h], { mode: 'replicate' });
    const rows = padded.reshape(n, c, gh, ph, gw, pw).permute(0, 2, 4, 1, 3, 5).reshape(n * gh * gw, c * ph * pw);
    return { rows, grid: [gh, gw] };
  }

  /** Learns the mean patch and the whitening matrix from the training images; returns this. */
  fit(source: FitSource): this {
    const where = 'ZCAWhitening';
    let shift: Tensor | undefined;
    let sum: Tensor | undefined;
    let gram: Tensor | undefined;
    let patch: [number, number] | undefined;
    let channels = 0;
    let rowsSeen = 0;
    noGrad(() => forEachChunk(source, where, (x) => {
      const [, c, h, w] = x.shape;
      const size = this.patchSize(c, h, w);
      if (patch && (size.join() !== patch.join() || c !== channels)) {
        throw new RangeError(`${where}: fit() got images of shape [${x.shape.slice(1).join(', ')}] whose patches differ from the first images'; all must match`);
      }
      [patch, channels] = [size, c];
      const { rows } = ZCAWhitening.patches(x, size);
      // Sums of the rows less the first chunk's mean keep E[xxᵀ] − E[x]E[x]ᵀ free of cancellation.
      shift ??= keep(rows.mean(0, true));
      const centred = rows.sub(shift);
      sum = accumulate(sum, centred.sum(0, true));
      // float64 throughout: W amplifies the small eigenvalues (by up to 1/√ε), where float32 sums lose the digits.
      gram = accumulate(gram, centred.t().mm(centred));
      rowsSeen += rows.shape[0];
    }));
    const [mean, components] = tidy(() => {
      const offset = sum!.div(rowsSeen);
      const covariance = gram!.div(rowsSeen).sub(offset.t().mm(offset));
      const { eigenvalues, eigenvectors } = eigh(covariance.add(covariance.t()).div(2));
      const scales = eigenvalues.clamp(0).add(this.epsilon).rsqrt();
      const whitening = eigenvectors.mul(scales.unsqueeze(0)).mm(eigenvectors.t());
      return [offset.add(shift!).reshape(channels, patch![0], patch![1]).to({ dtype: 'float32', device: 'cpu' }), whitening.to({ dtype: 'float32', device: 'cpu' })];
    });
    dispose([shift, sum, gram]);
    this.dispose();
    [this.mean, this.components] = [keep(mean), keep(components)];
    return this;
  }

  forward(x: Tensor): Tensor {
    const where = 'ZCAWhitening';
    checkImage(x, where);
    if (!this.mean || !this.components) throw new Error(`${where}: call fit(trainingImages) first (or loadStateDict() with a run's statistics)`);
    const [mean, components] = [this.mean, this.components];
    const [c, h, w] = x.shape.slice(-3);
    const patch = this.patchSize(c, h, w);
    if (c !== mean.shape[0] || patch[0] !== mean.shape[1] || patch[1] !== mean.shape[2]) {
      throw new RangeError(`${where}: fitted on ${mean.shape[0]}-channel ${mean.shape[1]}×${mean.shape[2]} ${c * h * w <= this.maxDim ? 'images' : 'patches'}, got an image of shape [${x.shape.slice(-3).join(', ')}]`);
    }
    return noGrad(() => tidy(() => {
      const batch = (x.ndim === 3 ? x.unsqueeze(0) : x).to(x.dtype === 'float64' ? 'float64' : 'float32');
      const n = batch.shape[0];
      const { rows, grid: [gh, gw] } = ZCAWhitening.patches(batch, patch);
      const white = rows.sub(this.placed.of('mean', mean, batch).reshape(1, -1)).mm(this.placed.of('components', components, batch));
      const [ph, pw] = patch;
      const image = white.reshape(n, gh, gw, c, ph, pw).permute(0, 3, 1, 4, 2, 5).reshape(n, c, gh * ph, gw * pw);
      const cropped = gh * ph === h && gw * pw === w ? image : image.narrow(2, 0, h).narrow(3, 0, w).contiguous();
      return x.ndim === 3 ? cropped.squeeze(0) : cropped;
    }));
  }

  /** The fitted {mean, components}, owned by this transform (save them with a run). */
  stateDict(): Record<string, Tensor> {
    if (!this.mean || !this.components) throw new Error('ZCAWhitening: nothing to save before fit()');
    return { mean: this.mean, components: this.components };
  }

  /** Takes copies of saved statistics {mean (C×ph×pw), components (D×D, D = C·ph·pw)}. */
  loadStateDict(state: Record<string, Tensor>): this {
    const where = 'ZCAWhitening';
    checkState(state, ['mean', 'components'], where);
    const d = state.mean.numel();
    if (state.mean.ndim !== 3 || state.components.shape.join() !== `${d},${d}`) {
      throw new RangeError(`${where}: loadStateDict() needs a mean C×ph×pw and components D×D with D = C·ph·pw; got [${state.mean.shape.join(', ')}] and [${state.components.shape.join(', ')}]`);
    }
    this.dispose();
    this.mean = keep(state.mean.to({ dtype: 'float32', device: 'cpu', copy: true }));
    this.components = keep(state.components.to({ dtype: 'float32', device: 'cpu', copy: true }));
    return this;
  }

  /** Frees the fitted statistics. */
  dispose(): void {
    this.placed.clear();
    dispose([this.mean, this.components]);
    this.mean = this.components = undefined;
  }


}

/** A worker gets the fitted statistics too, so it transforms as the main thread does. */
const fitted = (t: FeaturewiseStandardization | ZCAWhitening) => ({ state: t.mean && t.stateDict() });
defineTransform(FeaturewiseStandardization, {
  module: import.meta.url, recipe: { name: 'featurewise', shorthand: ['mode'] }, options: { mode: { kind: 'string' }, center: { kind: 'boolean' }, scale: { kind: 'boolean' }, eps: { kind: 'number' } }, workerOptions: fitted,
});
defineTransform(ZCAWhitening, { module: import.meta.url, recipe: { name: 'zca', shorthand: ['epsilon'] }, options: { epsilon: { kind: 'number' }, maxDim: { kind: 'integer' } }, workerOptions: fitted });
