// Adversarial erasing (object-region mining, Wei et al. 2017): the current model's class activation map shows the part
// of each training image it finds most discriminative; erasing that part makes it learn the rest of the object.
import type { Batch } from '../data/dataset.js';
import { currentRandom } from '../torch/random.js';
import * as F from '../nn/functional.js';
import { Linear } from '../nn/layers/linear.js';
import { AdaptiveAvgPool2d } from '../nn/layers/pooling.js';
import type { Module } from '../nn/module.js';
import { enableGrad, grad, noGrad } from '../torch/autograd.js';
import { checkNumber, describe } from '../torch/check.js';
import { tensor } from '../torch/creation.js';
import { where } from '../torch/functions.js';
import { keep, tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { defineTransform, show } from './schema.js';
import { MixingTransform, type MixingContext } from './transform.js';

const NAME = 'AdversarialErasing';

/** The submodule of `model` named `name` (dotted, as namedModules gives). */
function moduleNamed(model: Module, name: string, caller: string): Module {
  const found = model.namedModules().find(([n]) => n === name);
  if (!found) {
    const names = model.namedModules().map(([n]) => n).filter(Boolean);
    throw new RangeError(`${caller}: the model has no module '${name}'; its modules are ${names.slice(0, 40).join(', ')}${names.length > 40 ? ', …' : ''}`);
  }
  return found[1];
}

/**
 * Runs fn while `module.forward` hands its output to `capture` (which returns what the network goes on with), as a forward
 * hook would; the module's own forward comes back afterwards.
 */
function withCapture<T>(module: Module, capture: (output: Tensor, input: Tensor) => Tensor, fn: () => T): T {
  const own = Object.getOwnPropertyDescriptor(module, 'forward');
  const original = module.forward;
  module.forward = (...inputs: Tensor[]) => capture(original.apply(module, inputs), inputs[0]);
  try {
    return fn();
  } finally {
    if (own) Object.defineProperty(module, 'forward', own);
    else delete (module as { forward?: unknown }).forward;
  }
}

/** Runs fn in eval mode (no dropout, batch norm on its running statistics, which stay as they are), then restores each module's mode. */
function inEvalMode<T>(model: Module, fn: () => T): T {
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    return fn();
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

/** Class indices (N) from class indices or soft targets (N×K: their argmax). */
function targetClasses(targets: Tensor, n: number, caller: string): Tensor {
  if (targets?.ndim === 1 && targets.shape[0] === n) return targets.to('int64');
  if (targets?.ndim === 2 && targets.shape[0] === n) return targets.argmax(1);
  throw new TypeError(`${caller}: targets must be ${n} class indices or ${n}×K class probabilities, got ${describe(targets)}${targets?.shape ? ` of shape [${targets.shape.join(', ')}]` : ''}`);
}

const indexTensor = (classes: Tensor | ArrayLike<number>, device: string): Tensor =>
  'handle' in (classes as object) ? (classes as Tensor).to({ dtype: 'int64', device }) : tensor(Array.from(classes as ArrayLike<number>), { dtype: 'int64', device });

/**
 * Class activation maps (Zhou et al. 2016) for models whose head is global average pooling then a Linear layer (resnet_cifar,
 * the ResNets; MobileNetV2 with layer 'features'; not lecture_cnn, VGG or AlexNet, which flatten, nor MobileNetV3 or
 * ConvNeXt, whose heads have more between): Σ_k w[class, k]·A_k over the feature maps A entering the model's own
 * AdaptiveAvgPool2d(1) child (or the output of `layer`), with w the last Linear's weight, upsampled bilinearly to the input
 * size. N×H×W.
 */
export function classActivationMap(model: Module, inputs: Tensor, classes: Tensor | ArrayLike<number>, layer?: string): Tensor {
  const caller = 'classActivationMap';
  // The head's pool: a global one among the model's own children (pools inside blocks, as squeeze-excitation, are not it).
  const pools = model.namedChildren().map(([, m]) => m)
    .filter((m): m is AdaptiveAvgPool2d => m instanceof AdaptiveAvgPool2d && [m.outputSize].flat().every((size) => size === 1));
  const linears = model.modules().filter((m): m is Linear => m instanceof Linear);
  if (linears.length === 0 || (layer === undefined && pools.length === 0)) {
    throw new TypeError(`${caller}: CAM needs a head of global average pooling (an AdaptiveAvgPool2d(1) child of the model, or \`layer\` naming the module whose output it pools) then Linear; ${model.typeName} has none: use Grad-CAM (mode 'gradcam' with a layer) instead`);
  }
  const fc = linears[linears.length - 1];
  const source = layer === undefined ? pools[pools.length - 1] : moduleNamed(model, layer, caller);
  return inEvalMode(model, () => noGrad(() => tidy(() => {
    let features: Tensor | null = null;
    // A module called more than once (a shared ReLU) gives its last call's output, as a forward hook's last record.
    withCapture(source, (output, input) => {
      (features as Tensor | null)?.dispose();
      features = keep((layer === undefined ? input : output).clone());
      return output;
    }, () => model.forward(inputs).dispose());
    if (features === null) throw new Error(`${caller}: module '${layer}' did not run in the model's forward`);
    const maps = features as Tensor;
    try {
      if (maps.ndim !== 4 || maps.shape[1] !== fc.inFeatures) {
        throw new RangeError(`${caller}: the feature maps [${maps.shape.join(', ')}] do not fit the last Linear layer's ${fc.inFeatures} inputs: is the head global average pooling then Linear?`);
      }
      const weights = fc.weight.indexSelect(0, indexTensor(classes, maps.device)); // N×C
      const cam = weights.unsqueeze(-1).unsqueeze(-1).mul(maps).sum(1, true);
      return F.interpolate(cam, { size: [inputs.shape[2], inputs.shape[3]], mode: 'bilinear', alignCorners: false }).squeeze(1);
    } finally {
      maps.dispose();
    }
  })));
}

/**
 * Grad-CAM (Selvaraju et al. 2017): ReLU(Σ_k α_k·A_k), A the output of `layer` and α_k the spatial mean of the gradient of
 * each image's class score (logit) with respect to A_k, upsampled bilinearly to the input size. N×H×W. The gradient is taken
 * by torch.autograd.grad with respect to the captured activations only, so no parameter's .grad changes.
 */
export function gradCam(model: Module, inputs: Tensor, classes: Tensor | ArrayLike<number>, layer: string): Tensor {
  const caller = 'gradCam';
  if (typeof layer !== 'string') throw new TypeError(`${caller}: layer must be the dotted name of a module (e.g. 'layer3'), got ${describe(layer)}`);
  const source = moduleNamed(model, layer, caller);
  return inEvalMode(model, () => enableGrad(() => tidy(() => {
    let activations: Tensor | null = null;
    // The network goes on from a leaf copy: its gradient needs no graph before the layer, and the caller's
    // containers may free the handle they are given, so they get a view and this one stays.
    const logits = withCapture(source, (output) => {
      (activations as Tensor | null)?.dispose();
      activations = keep(output.detach().requiresGrad_(true));
      return activations.view(activations.shape);
    }, () => model.forward(inputs));
    if (activations === null) throw new Error(`${caller}: module '${layer}' did not run in the model's forward`);
    const a = activations as Tensor;
    try {
      if (a.ndim !== 4) throw new RangeError(`${caller}: module '${layer}' gives shape [${a.shape.join(', ')}]; Grad-CAM needs N×C×H×W feature maps`);
      const score = logits.gather(1, indexTensor(classes, logits.device).unsqueeze(1)).sum();
      const [gradient] = grad(score, a);
      return noGrad(() => {
        const cam = gradient!.mean([2, 3], true).mul(a).sum(1, true).relu();
        return F.interpolate(cam, { size: [inputs.shape[2], inputs.shape[3]], mode: 'bilinear', alignCorners: false }).squeeze(1);
      });
    } finally {
      a.dispose();
    }
  })));
}

export interface AdversarialErasingOptions {
  /** Erase where the map exceeds this fraction of its maximum. */
  threshold?: number;
  /** 'cam' for global-average-pool + Linear heads; 'gradcam' for any CNN, at `layer`. */
  mode?: 'cam' | 'gradcam';
  /** Dotted module name whose output gives the feature maps (needed for 'gradcam'; for 'cam' the input of the last AdaptiveAvgPool2d by default). */
  layer?: string;
  /** What erased pixels become: a number, one number per channel, or 'mean' (each image's own channel means). */
  fill?: number | number[] | 'mean';
  /** The probability of erasing each image. */
  p?: number;
}

/**
 * Erases, in each image (with probability p), the region its class's activation map under the current model marks as most
 * discriminative (above threshold·max). The class is the target (argmax of soft targets). Needs context.model: the model runs
 * in eval mode without touching its parameters' gradients, batch-norm statistics or training mode.
 */
export class AdversarialErasing extends MixingTransform {
  readonly threshold: number;
  readonly mode: 'cam' | 'gradcam';
  readonly layer?: string;
  readonly fill: number | number[] | 'mean';
  readonly p: number;

  constructor(readonly options: AdversarialErasingOptions = {}) {
    super();
    const { threshold = 0.8, mode = 'cam', layer, fill = 0, p = 0.5 } = options;
    checkNumber(threshold, 'threshold', NAME);
    if (threshold < 0 || threshold > 1) throw new RangeError(`${NAME}: threshold is a fraction of the map's maximum, between 0 and 1, got ${threshold}`);
    if (mode !== 'cam' && mode !== 'gradcam') throw new TypeError(`${NAME}: mode must be 'cam' or 'gradcam', got ${describe(mode)}`);
    if (mode === 'gradcam' && typeof layer !== 'string') throw new TypeError(`${NAME}: mode 'gradcam' needs layer, the dotted name of a module giving feature maps (e.g. 'layer3')`);
    if (layer !== undefined && typeof layer !== 'string') throw new TypeError(`${NAME}: layer must be a dotted module name, got ${describe(layer)}`);
    if (fill !== 'mean' && typeof fill !== 'number' && !(Array.isArray(fill) && fill.length > 0 && fill.every(Number.isFinite))) {
      throw new TypeError(`${NAME}: fill must be a number, one number per channel, or 'mean', got ${describe(fill)}`);
    }
    checkNumber(p, 'p', NAME);
    if (p < 0 || p > 1) throw new RangeError(`${NAME}: p must be between 0 and 1, got ${p}`);
    [this.threshold, this.mode, this.layer, this.fill, this.p] = [threshold, mode, layer, fill, p];
  }

  forward(batch: Batch, context: MixingContext = {}): Batch {
    const { inputs, targets } = batch;
    if (inputs?.ndim !== 4) throw new TypeError(`${NAME}: expects a batch of images N×C×H×W as inputs, got ${describe(inputs)}`);
    const model = context.model;
    if (!model || typeof model.forward !== 'function') throw new TypeError(`${NAME}: needs the model being trained as context.model (the Trainer passes it)`);
    const random = currentRandom();
    const n = inputs.shape[0];
    const chosen = Array.from({ length: n }, () => random.bernoulli(this.p));
    if (!chosen.some(Boolean)) return { inputs: inputs.clone(), targets: targets.clone() };
    const erased = tidy(() => {
      const device = model.parameters()[0]?.device ?? inputs.device;
      const images = inputs.to(device);
      const classes = targetClasses(targets, n, NAME);
      const maps = this.mode === 'cam' ? classActivationMap(model, images, classes, this.layer) : gradCam(model, images, classes, this.layer!);
      return noGrad(() => {
        const peak = maps.flatten(1).max(1).values.view([n, 1, 1]);
        const selected = tensor(chosen, { dtype: 'bool', device }).view([n, 1, 1]);
        // A map with no positive peak marks nothing; the comparison is strict so a flat map erases nothing.
        const mask = maps.gt(peak.mul(this.threshold)).logicalAnd(peak.gt(0)).logicalAnd(selected).unsqueeze(1).to(inputs.device);
        const channels = inputs.shape[1];
        let value: Tensor | number;
        if (this.fill === 'mean') value = inputs.to('float32').mean([2, 3], true).to(inputs.dtype);
        else if (typeof this.fill === 'number') value = this.fill;
        else {
          if (this.fill.length !== 1 && this.fill.length !== channels) throw new RangeError(`${NAME}: fill needs one value or one per channel (${channels}), got ${this.fill.length}`);
          value = tensor(this.fill, { dtype: inputs.dtype, device: inputs.device }).view([1, this.fill.length, 1, 1]);
        }
        return where(mask, value, inputs);
      });
    });
    return { inputs: erased, targets: targets.clone() };
  }
}

defineTransform(AdversarialErasing, {
  module: import.meta.url, recipe: { name: 'adversarialErasing', shorthand: ['threshold'] },
  options: {
    threshold: { kind: 'number' }, mode: { kind: 'string' }, layer: { kind: 'string', show: (v?: string) => v || undefined },
    fill: { kind: 'value', show: (v: number | number[] | 'mean') => (v === 'mean' ? v : show.fill(v)) }, p: { kind: 'number' },
  },
});
