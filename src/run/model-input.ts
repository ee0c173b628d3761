// What every image goes through last, in training and in prediction alike: the channels the model takes, then the
// preprocessing of the published weights it started from.
import { isWeightsFile } from '../hub/download.js';
import { weightsTransforms } from '../hub/preset.js';
import type { Weights } from '../hub/registry.js';
import { publishedWeights } from '../models/pretrained.js';
import type { Module } from '../nn/module.js';
import type { Transform } from '../transforms/transform.js';
import { channelAdapter } from './channels.js';

/** The published weights a run's `weights` option names; null for none or for a weights file. */
export function publishedWeightsOf(model: string, weights: string | undefined): Weights | null {
  return weights === undefined || isWeightsFile(weights) ? null : publishedWeights(model, weights);
}

/** The per-image steps into `model` of images with `channels` channels, for a model that starts from `published`. */
export function modelInputSteps(model: Module, channels: number, published: Weights | null, command: string): Transform[] {
  return [...channelAdapter(model, channels, command), ...(published ? weightsTransforms(published) : [])];
}
