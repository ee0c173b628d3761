// Gray images for a model whose first convolution takes colour (torchvision's architectures): the gray channel is
// repeated three times, as fastai's RGB conversion and torchvision's Grayscale(num_output_channels=3) do.
import { Conv2d } from '../nn/layers/conv.js';
import type { Module } from '../nn/module.js';
import { Grayscale } from '../transforms/color.js';
import type { Transform } from '../transforms/transform.js';
import { UsageError } from '../util/usage-error.js';

/** The per-sample steps that give `model` the channels it takes from images of `channels` channels (none when they agree). */
export function channelAdapter(model: Module, channels: number, command: string): Transform[] {
  const first = model.modules().find((m): m is Conv2d => m instanceof Conv2d);
  if (first === undefined || first.inChannels === channels) return [];
  if (channels === 1 && first.inChannels === 3) return [new Grayscale(3)];
  throw new UsageError(`${command}: the model's first convolution takes ${first.inChannels} channels but the images have ${channels}; ` +
    'choose a model built for them (lecture_cnn and resnet20 take any number)');
}
