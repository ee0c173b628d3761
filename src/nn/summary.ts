// A model summary like torchinfo's: each layer in call order with its output shape and parameter count.
import { noGrad } from '../torch/autograd.js';
import { zeros } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';
import type { Module } from './module.js';

export interface LayerSummary {
  name: string;
  type: string;
  depth: number;
  outputShape: number[];
  parameters: number;
}

/**
 * Runs one forward pass (eval mode, no grad) on zeros of inputShape, e.g. [1, 3, 64, 64], and records every
 * module's output. Returns the rows and the printed table.
 */
export function summary(model: Module, inputShape: number[]): { layers: LayerSummary[]; total: number; trainable: number; text: string } {
  const layers: LayerSummary[] = [];
  const modes = model.modules().map((m) => [m, m.training] as const);
  const patched: Module[] = [];
  for (const [name, module] of model.namedModules()) {
    const forward = module.forward;
    const own = module.parameters(false).reduce((n, p) => n + p.numel(), 0);
    const row: LayerSummary = { name: name || '(model)', type: module.typeName, depth: name ? name.split('.').length : 0, outputShape: [], parameters: own };
    // Rows appear in call order; the wrapper is an own property and is removed afterwards.
    module.forward = (...inputs: Tensor[]) => {
      const index = layers.length;
      layers.push(row);
      const out = forward.apply(module, inputs);
      layers[index] = { ...row, outputShape: out instanceof Tensor ? out.shape : [] };
      return out;
    };
    patched.push(module);
  }
  try {
    model.eval();
    tidy(() => noGrad(() => model.forward(zeros(inputShape, { device: model.parameters()[0]?.device }))));
  } finally {
    patched.forEach((m) => delete (m as { forward?: unknown }).forward);
    modes.forEach(([m, training]) => (m.training = training));
  }
  const total = model.numParameters();
  const trainable = model.numParameters(true);
  const lines = layers.map((l) => [`${'  '.repeat(l.depth)}${l.type}${l.depth ? ` (${l.name})` : ''}`, `[${l.outputShape.join(', ')}]`, l.parameters ? l.parameters.toLocaleString('en-US') : '--']);
  const widths = [0, 1, 2].map((c) => Math.max(['Layer (type)', 'Output Shape', 'Param #'][c].length, ...lines.map((l) => l[c].length)));
  const format = (cells: string[]) => cells.map((cell, c) => (c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
  const rule = '='.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const text = [rule, format(['Layer (type)', 'Output Shape', 'Param #']), rule, ...lines.map(format), rule,
    `Total params: ${total.toLocaleString('en-US')}`, `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`, rule].join('\n');
  return { layers, total, trainable, text };
}
