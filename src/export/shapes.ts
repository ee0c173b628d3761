// The input and output shapes of every module of a model, from one eval-mode forward of a single zero image: what a
// converter needs to know that the graph alone does not say (the size an adaptive pooling divides, a Linear's rank).
import { noGrad } from '../torch/autograd.js';
import { zeros } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import type { Module, RemovableHandle } from '../nn/module.js';

export interface ModuleShapes {
  input: number[];
  output: number[];
}

/** Shapes by module (its first call, batch 1) of `model` run on a 1×C×H×W input; `model` should be in eval mode. */
export function recordShapes(model: Module, inputShape: readonly number[]): Map<Module, ModuleShapes> {
  const shapes = new Map<Module, ModuleShapes>();
  const handles: RemovableHandle[] = model.modules().map((module) => module.registerForwardHook((m, inputs, output) => {
    if (!shapes.has(m)) shapes.set(m, { input: inputs[0].shape, output: output.shape });
  }));
  const first = model.parameters()[0];
  try {
    tidy(() => {
      noGrad(() => model.forward(zeros([1, ...inputShape], { dtype: first?.dtype ?? 'float32', device: first?.device ?? 'cpu' })));
    });
  } finally {
    for (const handle of handles) handle.remove();
  }
  return shapes;
}
