// Grad-CAM (Selvaraju et al., 2017): where in the image a layer's features pushed the score of a class, as
// pytorch-grad-cam's GradCAM computes it.
import * as F from '../nn/functional.js';
import type { Module } from '../nn/module.js';
import { enableGrad, grad } from '../torch/autograd.js';
import { describe } from '../torch/check.js';
import { tensor } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';
import { defaultCamLayer, findModule } from './cam-layer.js';

export interface GradCamOptions {
  /** The class whose score is explained, one for all images or one per image (default: each image's predicted class). */
  targetClasses?: number | number[];
  /** The dotted name of the module whose output is weighed (default: defaultCamLayer(model)). */
  layer?: string;
}

export interface GradCamResult {
  /** ReLU(Σ_k α_k A_k) at the layer's resolution, N×h×w; α_k is the mean over h×w of the score's gradient at A_k. */
  cam: Tensor;
  /** cam upsampled bilinearly (align_corners false) to the input's H×W and min-max normalized per image to [0, 1]. */
  heatmap: Tensor;
  /** The class explained for each image. */
  classes: number[];
  /** The model's logits, N×C. */
  logits: Tensor;
}

/** Keeps pytorch-grad-cam's normalization: (x − min) / (max − min + 1e-7). */
const EPSILON = 1e-7;

/** A layer output as N×C×h×w: a feature map as it is; ViT tokens N×(1 + h·w)×C without the class token, on their grid. */
function asFeatureMap(t: Tensor, layer: string): Tensor {
  if (t.ndim === 4) return t;
  if (t.ndim === 3) {
    const [n, tokens, channels] = t.shape;
    const side = Math.round(Math.sqrt(tokens - 1));
    if (side * side === tokens - 1) return t.narrow(1, 1, tokens - 1).reshape(n, side, side, channels).permute(0, 3, 1, 2);
  }
  throw new Error(`gradCam: the output of '${layer}' has shape [${t.shape.join(', ')}]; Grad-CAM needs a feature map N×C×h×w or ViT tokens N×(1 + h·w)×C`);
}

/**
 * Grad-CAM of `model` (in eval mode) for N×C×H×W `input` at `layer`: one forward with a hook on the layer and
 * one gradient of the target classes' summed logits (the images of a batch in eval mode do not affect one another).
 */
export function gradCam(model: Module, input: Tensor, options: GradCamOptions = {}): GradCamResult {
  if (model.training) throw new Error('gradCam: the model is in training mode; call model.eval() first (dropout would change the result and batch norm its statistics)');
  if (!(input instanceof Tensor) || input.ndim !== 4) throw new TypeError(`gradCam: input must be an N×C×H×W batch, got ${describe(input)}`);
  const layerName = options.layer ?? defaultCamLayer(model);
  const layer = findModule(model, layerName);
  const n = input.shape[0];
  const { targetClasses } = options;
  if (targetClasses !== undefined) {
    const list = Array.isArray(targetClasses) ? targetClasses : [targetClasses];
    if (!list.every((c) => Number.isInteger(c) && c >= 0) || (Array.isArray(targetClasses) && list.length !== n)) {
      throw new RangeError(`gradCam: targetClasses must be a class index or ${n} of them (one per image), got ${describe(targetClasses)}`);
    }
  }
  return tidy(() => enableGrad(() => {
    let activation: Tensor | null = null;
    const handle = layer.registerForwardHook((_module, _inputs, output) => {
      if (activation) throw new Error(`gradCam: '${layerName}' ran twice in one forward; choose a layer that runs once`);
      activation = output;
      // The network goes on with another handle, so that a container freeing its intermediates leaves this one.
      return output.view(output.shape);
    });
    let logits: Tensor;
    try {
      // An input that requires grad keeps a graph even when every parameter is frozen.
      logits = model.forward(input.detach().requiresGrad_(true));
    } finally {
      handle.remove();
    }
    if (!activation) throw new Error(`gradCam: '${layerName}' did not run in the model's forward`);
    const numClasses = logits.shape[1];
    const classes = targetClasses === undefined ? logits.argmax(1).tolist() as number[]
      : Array.isArray(targetClasses) ? targetClasses : new Array<number>(n).fill(targetClasses);
    if (classes.some((c) => c >= numClasses)) throw new RangeError(`gradCam: targetClasses must be below the model's ${numClasses} classes, got ${describe(targetClasses)}`);
    const score = logits.gather(1, tensor(classes, { dtype: 'int64', device: logits.device }).unsqueeze(1)).sum();
    const [gradient] = grad(score, activation, { allowUnused: true });
    if (!gradient) throw new Error(`gradCam: the score does not depend on '${layerName}'`);
    const features = asFeatureMap((activation as Tensor).detach(), layerName);
    const weights = asFeatureMap(gradient, layerName).mean([2, 3], true);
    const cam = weights.mul(features).sum(1).relu();
    const upsampled = F.interpolate(cam.unsqueeze(1), { size: [input.shape[2], input.shape[3]], mode: 'bilinear', alignCorners: false }).squeeze(1);
    const low = upsampled.flatten(1).min(1, true).values.unsqueeze(2);
    const shifted = upsampled.sub(low);
    const heatmap = shifted.div(shifted.flatten(1).max(1, true).values.unsqueeze(2).add(EPSILON));
    return { cam, heatmap, classes, logits: logits.detach() };
  }));
}
