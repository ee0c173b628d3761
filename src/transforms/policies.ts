// Automatic augmentation policies exactly as torchvision 0.14: AutoAugment (Cubuk et al. 2019), RandAugment (Cubuk et al.
// 2020) and TrivialAugmentWide (Müller & Hutter 2021): the same operations, magnitude tables, random signs and op
// application, with every draw from currentRandom(); each image of a batch draws its own operations.
import { currentRandom, type Random } from '../torch/random.js';
import { checkInt, describe } from '../torch/check.js';
import { arange, linspace } from '../torch/creation.js';
import { stack } from '../torch/functions.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { affine, rotate, type Fill, type GridInterpolation } from './functional/geometry.js';
import { adjustBrightness, adjustContrast, adjustSaturation, adjustSharpness, invert, posterize, solarize } from './functional/color.js';
import { autocontrast, equalize } from './functional/histogram.js';
import { checkImage, maxValue } from './image.js';
import { defineTransform, show } from './schema.js';
import { Transform } from './transform.js';

export type PolicyOp = 'Identity' | 'ShearX' | 'ShearY' | 'TranslateX' | 'TranslateY' | 'Rotate' | 'Brightness' | 'Color' | 'Contrast'
  | 'Sharpness' | 'Posterize' | 'Solarize' | 'AutoContrast' | 'Equalize' | 'Invert';

export interface ApplyOpOptions {
  interpolation?: GridInterpolation;
  /** The value of pixels from outside the image; undefined samples zeros, as torchvision's fill=None. */
  fill?: Fill;
}

/**
 * One operation at a signed magnitude, as torchvision's autoaugment._apply_op. Solarize's threshold is on the 0..255 scale
 * of uint8 images, which torchvision's policies expect; for float images it is scaled to 0..1 (as torchvision.transforms.v2).
 */
export function applyOp(img: Tensor, op: PolicyOp, magnitude: number, options: ApplyOpOptions = {}): Tensor {
  const { interpolation = 'nearest', fill } = options;
  const shear = (degrees: [number, number]) => affine(img, { angle: 0, translate: [0, 0], scale: 1, shear: degrees, interpolation, fill, center: [0, 0] });
  const translate = (by: [number, number]) => affine(img, { angle: 0, translate: by, scale: 1, shear: [0, 0], interpolation, fill });
  const degrees = (m: number) => (Math.atan(m) * 180) / Math.PI;
  switch (op) {
    case 'ShearX': return shear([degrees(magnitude), 0]);
    case 'ShearY': return shear([0, degrees(magnitude)]);
    case 'TranslateX': return translate([Math.trunc(magnitude), 0]);
    case 'TranslateY': return translate([0, Math.trunc(magnitude)]);
    case 'Rotate': return rotate(img, magnitude, { interpolation, fill });
    case 'Brightness': return adjustBrightness(img, 1 + magnitude);
    case 'Color': return adjustSaturation(img, 1 + magnitude);
    case 'Contrast': return adjustContrast(img, 1 + magnitude);
    case 'Sharpness': return adjustSharpness(img, 1 + magnitude);
    case 'Posterize': return posterize(img, Math.trunc(magnitude));
    case 'Solarize': return solarize(img, (magnitude * maxValue(img)) / 255);
    case 'AutoContrast': return autocontrast(img);
    case 'Equalize': return equalize(img);
    case 'Invert': return invert(img);
    case 'Identity': return img.clone();
    default: throw new TypeError(`applyOp: unknown operation ${describe(op)}; the operations are ${Object.keys(OP_NAMES).join(', ')}`);
  }
}
const OP_NAMES: Record<PolicyOp, true> = {
  Identity: true, ShearX: true, ShearY: true, TranslateX: true, TranslateY: true, Rotate: true, Brightness: true, Color: true, Contrast: true,
  Sharpness: true, Posterize: true, Solarize: true, AutoContrast: true, Equalize: true, Invert: true,
};

/** An operation's magnitudes (one per bin, or null for none) and whether a random sign applies, as _augmentation_space. */
export type Space = [PolicyOp, number[] | null, boolean][];

/** torch.linspace(start, end, bins) in float32, read back: the exact magnitudes torchvision uses. */
const bins = (start: number, end: number, count: number): number[] => tidy(() => Array.from(linspace(start, end, count, { dtype: 'float32' }).toTypedArray() as Float32Array));
/** 8 − round(arange(bins) / ((bins − 1) / levels)) (round half to even, as torch.round). */
const posterizeBits = (count: number, levels: number): number[] =>
  tidy(() => Array.from(arange(count, undefined, 1, { dtype: 'float32' }).div((count - 1) / levels).round().rsub(8).to('int32').toTypedArray() as Int32Array));

/**
 * The operations of a policy with their magnitude per bin (null: none) and whether a random sign applies, as torchvision's
 * _augmentation_space: AutoAugment's (with Invert) and RandAugment's (with Identity) for an image of [height, width], and
 * TrivialAugmentWide's wider ranges.
 */
export function augmentationSpace(policy: 'autoAugment' | 'randAugment' | 'trivialAugment', numBins: number, [height, width]: [number, number]): Space {
  const f = (max: number) => bins(0, max, numBins);
  if (policy === 'trivialAugment') {
    return [
      ['Identity', null, false], ['ShearX', f(0.99), true], ['ShearY', f(0.99), true], ['TranslateX', f(32), true], ['TranslateY', f(32), true],
      ['Rotate', f(135), true], ['Brightness', f(0.99), true], ['Color', f(0.99), true], ['Contrast', f(0.99), true], ['Sharpness', f(0.99), true],
      ['Posterize', posterizeBits(numBins, 6), false], ['Solarize', bins(255, 0, numBins), false], ['AutoContrast', null, false], ['Equalize', null, false],
    ];
  }
  return [
    ...(policy === 'randAugment' ? [['Identity', null, false] as Space[number]] : []),
    ['ShearX', f(0.3), true], ['ShearY', f(0.3), true],
    ['TranslateX', f((150 / 331) * width), true], ['TranslateY', f((150 / 331) * height), true],
    ['Rotate', f(30), true], ['Brightness', f(0.9), true], ['Color', f(0.9), true], ['Contrast', f(0.9), true], ['Sharpness', f(0.9), true],
    ['Posterize', posterizeBits(numBins, 4), false], ['Solarize', bins(255, 0, numBins), false],
    ['AutoContrast', null, false], ['Equalize', null, false],
    ...(policy === 'autoAugment' ? [['Invert', null, false] as Space[number]] : []),
  ];
}

/** An operation drawn for one image, with its signed magnitude. */
export interface DrawnOp {
  op: PolicyOp;
  magnitude: number;
}

type SubPolicy = [[PolicyOp, number, number | null], [PolicyOp, number, number | null]];
export type AutoAugmentPolicy = 'imagenet' | 'cifar10' | 'svhn';

/** The sub-policies of torchvision's AutoAugmentPolicy: (operation, probability, magnitude bin of 10). */
export const AUTO_AUGMENT_POLICIES: Record<AutoAugmentPolicy, SubPolicy[]> = {
  imagenet: [
    [['Posterize', 0.4, 8], ['Rotate', 0.6, 9]], [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]], [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
    [['Posterize', 0.6, 7], ['Posterize', 0.6, 6]], [['Equalize', 0.4, null], ['Solarize', 0.2, 4]], [['Equalize', 0.4, null], ['Rotate', 0.8, 8]],
    [['Solarize', 0.6, 3], ['Equalize', 0.6, null]], [['Posterize', 0.8, 5], ['Equalize', 1.0, null]], [['Rotate', 0.2, 3], ['Solarize', 0.6, 8]],
    [['Equalize', 0.6, null], ['Posterize', 0.4, 6]], [['Rotate', 0.8, 8], ['Color', 0.4, 0]], [['Rotate', 0.4, 9], ['Equalize', 0.6, null]],
    [['Equalize', 0.0, null], ['Equalize', 0.8, null]], [['Invert', 0.6, null], ['Equalize', 1.0, null]], [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
    [['Rotate', 0.8, 8], ['Color', 1.0, 2]], [['Color', 0.8, 8], ['Solarize', 0.8, 7]], [['Sharpness', 0.4, 7], ['Invert', 0.6, null]],
    [['ShearX', 0.6, 5], ['Equalize', 1.0, null]], [['Color', 0.4, 0], ['Equalize', 0.6, null]], [['Equalize', 0.4, null], ['Solarize', 0.2, 4]],
    [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]], [['Invert', 0.6, null], ['Equalize', 1.0, null]], [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
    [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
  ],
  cifar10: [
    [['Invert', 0.1, null], ['Contrast', 0.2, 6]], [['Rotate', 0.7, 2], ['TranslateX', 0.3, 9]], [['Sharpness', 0.8, 1], ['Sharpness', 0.9, 3]],
    [['ShearY', 0.5, 8], ['TranslateY', 0.7, 9]], [['AutoContrast', 0.5, null], ['Equalize', 0.9, null]], [['ShearY', 0.2, 7], ['Posterize', 0.3, 7]],
    [['Color', 0.4, 3], ['Brightness', 0.6, 7]], [['Sharpness', 0.3, 9], ['Brightness', 0.7, 9]], [['Equalize', 0.6, null], ['Equalize', 0.5, null]],
    [['Contrast', 0.6, 7], ['Sharpness', 0.6, 5]], [['Color', 0.7, 7], ['TranslateX', 0.5, 8]], [['Equalize', 0.3, null], ['AutoContrast', 0.4, null]],
    [['TranslateY', 0.4, 3], ['Sharpness', 0.2, 6]], [['Brightness', 0.9, 6], ['Color', 0.2, 8]], [['Solarize', 0.5, 2], ['Invert', 0.0, null]],
    [['Equalize', 0.2, null], ['AutoContrast', 0.6, null]], [['Equalize', 0.2, null], ['Equalize', 0.6, null]], [['Color', 0.9, 9], ['Equalize', 0.6, null]],
    [['AutoContrast', 0.8, null], ['Solarize', 0.2, 8]], [['Brightness', 0.1, 3], ['Color', 0.7, 0]], [['Solarize', 0.4, 5], ['AutoContrast', 0.9, null]],
    [['TranslateY', 0.9, 9], ['TranslateY', 0.7, 9]], [['AutoContrast', 0.9, null], ['Solarize', 0.8, 3]], [['Equalize', 0.8, null], ['Invert', 0.1, null]],
    [['TranslateY', 0.7, 9], ['AutoContrast', 0.9, null]],
  ],
  svhn: [
    [['ShearX', 0.9, 4], ['Invert', 0.2, null]], [['ShearY', 0.9, 8], ['Invert', 0.7, null]], [['Equalize', 0.6, null], ['Solarize', 0.6, 6]],
    [['Invert', 0.9, null], ['Equalize', 0.6, null]], [['Equalize', 0.6, null], ['Rotate', 0.9, 3]], [['ShearX', 0.9, 4], ['AutoContrast', 0.8, null]],
    [['ShearY', 0.9, 8], ['Invert', 0.4, null]], [['ShearY', 0.9, 5], ['Solarize', 0.2, 6]], [['Invert', 0.9, null], ['AutoContrast', 0.8, null]],
    [['Equalize', 0.6, null], ['Rotate', 0.9, 3]], [['ShearX', 0.9, 4], ['Solarize', 0.3, 3]], [['ShearY', 0.8, 8], ['Invert', 0.7, null]],
    [['Equalize', 0.9, null], ['TranslateY', 0.6, 6]], [['Invert', 0.9, null], ['Equalize', 0.6, null]], [['Contrast', 0.3, 3], ['Rotate', 0.8, 4]],
    [['Invert', 0.8, null], ['TranslateY', 0.0, 2]], [['ShearY', 0.7, 6], ['Solarize', 0.4, 8]], [['Invert', 0.6, null], ['Rotate', 0.8, 4]],
    [['ShearY', 0.3, 7], ['TranslateX', 0.9, 3]], [['ShearX', 0.1, 6], ['Invert', 0.6, null]], [['Solarize', 0.7, 2], ['TranslateY', 0.6, 7]],
    [['ShearY', 0.8, 4], ['Invert', 0.8, null]], [['ShearX', 0.7, 9], ['TranslateY', 0.8, 3]], [['ShearY', 0.8, 5], ['AutoContrast', 0.7, null]],
    [['ShearX', 0.7, 2], ['Invert', 0.1, null]],
  ],
};

interface PolicyCommon {
  /** nearest (torchvision's default) or bilinear, for the geometric operations. */
  interpolation?: GridInterpolation;
  /** The value of pixels from outside the image: a number or one per channel; undefined samples zeros. */
  fill?: Fill;
}

function checkCommon(options: PolicyCommon, where: string): { interpolation: GridInterpolation; fill?: Fill } {
  const { interpolation = 'nearest', fill } = options;
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw new TypeError(`${where}: interpolation must be 'nearest' or 'bilinear', got ${describe(interpolation)}`);
  if (fill !== undefined && typeof fill !== 'number' && !(Array.isArray(fill) && fill.length > 0 && fill.every(Number.isFinite))) {
    throw new TypeError(`${where}: fill must be a number or one number per channel, got ${describe(fill)}`);
  }
  return { interpolation, fill };
}


/** The shared frame: each image (alone or of a batch) draws its operations and has them applied in order. */
abstract class Policy extends Transform {
  readonly interpolation: GridInterpolation;
  readonly fill?: Fill;

  protected constructor(options: PolicyCommon, where: string) {
    super();
    ({ interpolation: this.interpolation, fill: this.fill } = checkCommon(options, where));
  }

  /** The operations for one image of size [height, width], drawn as torchvision draws them. */
  abstract drawOps(random: Random, size: [number, number]): DrawnOp[];

  forward(x: Tensor): Tensor {
    checkImage(x, this.constructor.name);
    const random = currentRandom();
    const size = x.shape.slice(-2) as [number, number];
    const apply = (image: Tensor) => tidy(() => this.drawOps(random, size)
      .reduce((img, { op, magnitude }) => applyOp(img, op, magnitude, { interpolation: this.interpolation, fill: this.fill }), image.clone()));
    if (x.ndim === 3) return apply(x);
    return tidy(() => stack(x.unbind(0).map(apply)));
  }
}

export interface AutoAugmentOptions extends PolicyCommon {
  /** The learned policy: 'imagenet' (default), 'cifar10' or 'svhn'. */
  policy?: AutoAugmentPolicy | 'IMAGENET' | 'CIFAR10' | 'SVHN';
}

/** AutoAugment: one of the policy's 25 sub-policies per image, each of its two operations applied with its probability. */
export class AutoAugment extends Policy {
  readonly policy: AutoAugmentPolicy;
  private readonly spaces = new Map<string, Space>();

  constructor(readonly options: AutoAugmentOptions = {}) {
    super(options, 'AutoAugment');
    const policy = String(options.policy ?? 'imagenet').toLowerCase();
    if (!(policy in AUTO_AUGMENT_POLICIES)) throw new TypeError(`AutoAugment: policy must be 'imagenet', 'cifar10' or 'svhn', got ${describe(options.policy)}`);
    this.policy = policy as AutoAugmentPolicy;
  }

  drawOps(random: Random, size: [number, number]): DrawnOp[] {
    const key = size.join('x');
    if (!this.spaces.has(key)) this.spaces.set(key, augmentationSpace('autoAugment', 10, size));
    const space = this.spaces.get(key)!;
    // get_params: the sub-policy, then two probabilities, then two signs.
    const subPolicy = AUTO_AUGMENT_POLICIES[this.policy][random.below(25)];
    const probs = [random.uniform(), random.uniform()];
    const signs = [random.below(2), random.below(2)];
    const ops: DrawnOp[] = [];
    subPolicy.forEach(([op, p, bin], i) => {
      if (!(probs[i] <= p)) return;
      const [, magnitudes, signed] = space.find(([name]) => name === op)!;
      let magnitude = bin !== null && magnitudes ? magnitudes[bin] : 0;
      if (signed && signs[i] === 0) magnitude = -magnitude;
      ops.push({ op, magnitude });
    });
    return ops;
  }
}

export interface RandAugmentOptions extends PolicyCommon {
  numOps?: number;
  /** The magnitude bin, 0 ≤ magnitude < numMagnitudeBins. */
  magnitude?: number;
  numMagnitudeBins?: number;
}

/** RandAugment: numOps operations per image, each drawn uniformly from 14, all at one magnitude (random sign). */
export class RandAugment extends Policy {
  readonly numOps: number;
  readonly magnitude: number;
  readonly numMagnitudeBins: number;
  private readonly spaces = new Map<string, Space>();

  constructor(readonly options: RandAugmentOptions = {}) {
    super(options, 'RandAugment');
    const { numOps = 2, magnitude = 9, numMagnitudeBins = 31 } = options;
    checkInt(numOps, 'numOps', 'RandAugment', 0);
    checkInt(numMagnitudeBins, 'numMagnitudeBins', 'RandAugment', 2);
    checkInt(magnitude, 'magnitude', 'RandAugment', 0);
    if (magnitude >= numMagnitudeBins) throw new RangeError(`RandAugment: magnitude must be below numMagnitudeBins (${numMagnitudeBins}), got ${magnitude}`);
    [this.numOps, this.magnitude, this.numMagnitudeBins] = [numOps, magnitude, numMagnitudeBins];
  }

  drawOps(random: Random, size: [number, number]): DrawnOp[] {
    const key = size.join('x');
    if (!this.spaces.has(key)) this.spaces.set(key, augmentationSpace('randAugment', this.numMagnitudeBins, size));
    const space = this.spaces.get(key)!;
    return Array.from({ length: this.numOps }, () => {
      const [op, magnitudes, signed] = space[random.below(space.length)];
      const magnitude = magnitudes ? magnitudes[this.magnitude] : 0;
      // torchvision draws the sign only for signed operations.
      return { op, magnitude: signed && random.below(2) === 1 ? -magnitude : magnitude };
    });
  }
}

export interface TrivialAugmentWideOptions extends PolicyCommon {
  numMagnitudeBins?: number;
}

/** TrivialAugment (wide): one operation per image, drawn uniformly from 14, at a magnitude bin drawn uniformly (random sign). */
export class TrivialAugmentWide extends Policy {
  readonly numMagnitudeBins: number;
  private readonly space: Space;

  constructor(readonly options: TrivialAugmentWideOptions = {}) {
    super(options, 'TrivialAugmentWide');
    this.numMagnitudeBins = checkInt(options.numMagnitudeBins ?? 31, 'numMagnitudeBins', 'TrivialAugmentWide', 2);
    this.space = augmentationSpace('trivialAugment', this.numMagnitudeBins, [0, 0]);
  }

  drawOps(random: Random): DrawnOp[] {
    const [op, magnitudes, signed] = this.space[random.below(this.space.length)];
    const magnitude = magnitudes ? magnitudes[random.below(magnitudes.length)] : 0;
    return [{ op, magnitude: signed && random.below(2) === 1 ? -magnitude : magnitude }];
  }
}

const fill = { kind: 'numbers', show: (v?: Fill) => (v === undefined ? 'None' : show.fill(v)) } as const;
const interpolation = { kind: 'string', show: (mode: GridInterpolation) => `InterpolationMode.${mode.toUpperCase()}` } as const;
defineTransform(AutoAugment, {
  module: import.meta.url, recipe: { name: 'autoAugment', shorthand: ['policy'] },
  options: { policy: { kind: 'string', show: (v: string) => `AutoAugmentPolicy.${v.toUpperCase()}` }, interpolation: { ...interpolation, show: false }, fill },
});
defineTransform(RandAugment, {
  module: import.meta.url, recipe: { name: 'randAugment', shorthand: ['numOps', 'magnitude'] },
  options: { numOps: { kind: 'integer' }, magnitude: { kind: 'integer' }, numMagnitudeBins: { kind: 'integer' }, interpolation, fill },
});
defineTransform(TrivialAugmentWide, { module: import.meta.url, recipe: { name: 'trivialAugment' }, options: { numMagnitudeBins: { kind: 'integer' }, interpolation, fill } });
