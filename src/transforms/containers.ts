// torchvision's containers: Compose runs transforms in turn; RandomApply, RandomChoice and RandomOrder decide per image
// (for a batch, images that drew the same decision go through together).
import { currentRandom } from '../torch/random.js';
import { pyFloat } from '../nn/repr.js';
import { checkRange } from '../util/checks.js';
import { describe } from '../torch/check.js';
import { empty, tensor } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { checkImage } from './image.js';
import { defineTransform } from './schema.js';
import { Transform } from './transform.js';

/**
 * Applies fn to each group of images of x that share a key (keys[i] is image i's; a C×H×W image has one key) and
 * puts the results back in order. fn gets the key, the group as a batch (or the single image) and the images' indices;
 * returning its input unchanged is allowed. The results must all have one shape.
 */
export function applyByImage<K>(x: Tensor, keys: K[], fn: (key: K, images: Tensor, indices: number[]) => Tensor, where: string): Tensor {
  const whole = (key: K) => {
    const out = fn(key, x, keys.map((_, i) => i));
    return out === x ? x.clone() : out;
  };
  if (x.ndim === 3) return whole(keys[0]);
  const groups = new Map<string, { key: K; indices: number[] }>();
  keys.forEach((key, i) => {
    const id = JSON.stringify(key);
    if (!groups.has(id)) groups.set(id, { key, indices: [] });
    groups.get(id)!.indices.push(i);
  });
  if (groups.size === 1) return whole(keys[0]);
  return tidy(() => {
    let out: Tensor | null = null;
    for (const { key, indices } of groups.values()) {
      const index = tensor(indices, { dtype: 'int64', device: x.device });
      const result = fn(key, x.indexSelect(0, index), indices);
      if (out === null) out = empty([x.shape[0], ...result.shape.slice(1)], { dtype: result.dtype, device: result.device });
      else if (result.shape.slice(1).join() !== out.shape.slice(1).join()) {
        throw new RangeError(`${where}: the images of a batch came out in different shapes ([${out.shape.slice(1).join(', ')}] and [${result.shape.slice(1).join(', ')}]); ` +
          'transforms that change the size must apply to every image, or be given one image at a time');
      }
      out.indexPut_([index], result);
    }
    return out!;
  });
}

/** Runs fn on the images whose Bernoulli(p) draw came up (independently per image), leaving the rest as they were. */
export function applyWithProbability(x: Tensor, p: number, fn: (images: Tensor) => Tensor, where: string): Tensor {
  checkImage(x, where);
  const random = currentRandom();
  const flags = Array.from({ length: x.ndim === 4 ? x.shape[0] : 1 }, () => random.bernoulli(p));
  return applyByImage(x, flags, (apply, images) => (apply ? fn(images) : images), where);
}

/** A transform that applies one kernel to each image with probability p (torchvision's RandomInvert and the like). */
export abstract class RandomKernelTransform extends Transform {
  readonly p: number;
  constructor(p: number) {
    super();
    this.p = checkRange(p, 'p', this.constructor.name, { min: 0, max: 1 });
  }
  /** The kernel, applied to the images whose draw came up (a batch of them, or the single image). */
  protected abstract apply(images: Tensor): Tensor;
  forward(x: Tensor): Tensor { return applyWithProbability(x, this.p, (images) => this.apply(images), this.constructor.name); }
}

function checkTransforms(transforms: unknown, where: string): Transform[] {
  if (!Array.isArray(transforms) || transforms.length === 0 || !transforms.every((t) => t instanceof Transform)) {
    throw new TypeError(`${where}: transforms must be a non-empty array of Transform objects, got ${describe(transforms)}`);
  }
  return transforms;
}

/** Runs the transforms one after the other, freeing the intermediate images. */
function runAll(transforms: Transform[], x: Tensor): Tensor {
  let out = x;
  for (const t of transforms) {
    const next = t.forward(out);
    if (out !== x) out.dispose();
    out = next;
  }
  return out === x ? x.clone() : out;
}

// Containers print their transforms one per line, as torchvision's, so they keep their own toString().
const listed = (name: string, lines: string[]): string => `${name}(${lines.map((line) => `\n    ${line}`).join('')}\n)`;

/** torchvision's Compose: the transforms in order. */
export class Compose extends Transform {
  readonly transforms: Transform[];
  constructor(transforms: Transform[]) {
    super();
    this.transforms = checkTransforms(transforms, 'Compose');
  }
  forward(x: Tensor): Tensor { return runAll(this.transforms, x); }
  toString(): string { return listed('Compose', this.transforms.map(String)); }
}

/** torchvision's RandomApply: all the transforms, in order, with probability p (per image), else none. */
export class RandomApply extends Transform {
  readonly transforms: Transform[];
  readonly p: number;
  constructor(transforms: Transform[], p = 0.5) {
    super();
    this.transforms = checkTransforms(transforms, 'RandomApply');
    this.p = checkRange(p, 'p', 'RandomApply', { min: 0, max: 1 });
  }
  forward(x: Tensor): Tensor { return applyWithProbability(x, this.p, (images) => runAll(this.transforms, images), 'RandomApply'); }
  toString(): string { return listed('RandomApply', [`p=${pyFloat(this.p)}`, ...this.transforms.map(String)]); }
}

/** torchvision's RandomChoice: one of the transforms per image, drawn with the relative weights p (default equal). */
export class RandomChoice extends Transform {
  readonly transforms: Transform[];
  readonly p: number[] | undefined;
  constructor(transforms: Transform[], p?: number[]) {
    super();
    this.transforms = checkTransforms(transforms, 'RandomChoice');
    if (p !== undefined) {
      if (!Array.isArray(p) || p.length !== this.transforms.length) {
        throw new TypeError(`RandomChoice: p must be an array of ${this.transforms.length} weights (one per transform), got ${describe(p)}`);
      }
      p.forEach((w) => checkRange(w, 'p', 'RandomChoice', { min: 0 }));
      if (!(p.reduce((a, b) => a + b, 0) > 0)) throw new RangeError('RandomChoice: the weights p must not all be zero');
    }
    this.p = p;
  }
  forward(x: Tensor): Tensor {
    checkImage(x, 'RandomChoice');
    const random = currentRandom();
    const weights = this.p ?? this.transforms.map(() => 1);
    const total = weights.reduce((a, b) => a + b, 0);
    const choose = () => {
      let u = random.uniform(0, total);
      const k = weights.findIndex((w) => (u -= w) < 0);
      return k === -1 ? weights.length - 1 : k;
    };
    const choices = Array.from({ length: x.ndim === 4 ? x.shape[0] : 1 }, choose);
    return applyByImage(x, choices, (k, images) => this.transforms[k].forward(images), 'RandomChoice');
  }
  toString(): string { return `${listed('RandomChoice', this.transforms.map(String))}(p=${this.p ? `[${this.p.map(pyFloat).join(', ')}]` : 'None'})`; }
}

/** torchvision's RandomOrder: all the transforms, in a random order per image. */
export class RandomOrder extends Transform {
  readonly transforms: Transform[];
  constructor(transforms: Transform[]) {
    super();
    this.transforms = checkTransforms(transforms, 'RandomOrder');
  }
  forward(x: Tensor): Tensor {
    checkImage(x, 'RandomOrder');
    const random = currentRandom();
    const orders = Array.from({ length: x.ndim === 4 ? x.shape[0] : 1 }, () => Array.from(random.permutation(this.transforms.length)));
    return applyByImage(x, orders, (order, images) => runAll(order.map((i) => this.transforms[i]), images), 'RandomOrder');
  }
  toString(): string { return listed('RandomOrder', this.transforms.map(String)); }
}

const transforms = { transforms: { show: false } } as const;
defineTransform(Compose, { module: import.meta.url, positional: ['transforms'], options: transforms });
defineTransform(RandomApply, { module: import.meta.url, positional: ['transforms', 'p'], options: { ...transforms, p: { kind: 'number' } } });
defineTransform(RandomChoice, { module: import.meta.url, positional: ['transforms', 'p'], options: { ...transforms, p: { show: false } } });
defineTransform(RandomOrder, { module: import.meta.url, positional: ['transforms'], options: transforms });
