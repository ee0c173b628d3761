// The model zoo: builders by name, as torchvision's list_models / get_model.
import type { Module } from '../nn/module.js';
import { LectureCnn, lectureCnn, type LectureCnnOptions } from './lecture-cnn.js';
import { BasicBlock, ResNetCifar, resnet20, type ResNetCifarOptions } from './resnet-cifar.js';

export { BasicBlock, LectureCnn, lectureCnn, ResNetCifar, resnet20, type LectureCnnOptions, type ResNetCifarOptions };

export interface ModelOptions extends LectureCnnOptions {
  numClasses?: number;
  inChannels?: number;
}

const builders: Record<string, (options: ModelOptions) => Module> = {
  lecture_cnn: (o) => lectureCnn(o),
  resnet20: (o) => resnet20({ numClasses: o.numClasses, inChannels: o.inChannels }),
};

export const listModels = (): string[] => Object.keys(builders);

export function getModel(name: string, options: ModelOptions = {}): Module {
  const build = builders[name];
  if (!build) throw new Error(`unknown model '${name}'; available: ${listModels().join(', ')}`);
  return build(options);
}
