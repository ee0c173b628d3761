// The preprocessing that published weights were measured with, as transforms: torchvision's `weights.transforms()`
// (its ImageClassification preset: resize the short side with the weights' interpolation and antialias, centre-crop,
// normalize with their mean and std). Images reach it as float tensors in [0, 1].
import { Normalize } from '../transforms/color.js';
import { CenterCrop, Resize } from '../transforms/geometry.js';
import type { Transform } from '../transforms/transform.js';
import type { Weights } from './registry.js';

/** The weights' inference preprocessing, in order. */
export function weightsTransforms(weights: Pick<Weights, 'transforms'>): Transform[] {
  const { resizeSize, cropSize, mean, std, interpolation, antialias } = weights.transforms;
  const [height, width = height] = cropSize; // torchvision writes a square crop as [224]
  return [
    // torchvision's resize_size=[256] scales the shorter side to 256, as Resize(256) does.
    new Resize(resizeSize.length === 1 ? resizeSize[0] : (resizeSize as [number, number]), { interpolation, antialias }),
    new CenterCrop([height, width]),
    new Normalize(mean, std),
  ];
}
