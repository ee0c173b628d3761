// A model as an ONNX file: its eval-mode forward written as ONNX operators by walking cnnkit's own module tree, the
// weights as float32 initializers, a dynamic batch axis.
import { Module } from '../nn/module.js';
import { describe } from '../torch/check.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { cnnkitVersion } from '../util/version.js';
import { convertModule, type ExportState } from './converter.js';
import { OnnxGraph } from './graph.js';
import { recordShapes } from './shapes.js';
import './layers.js';
import './models.js';

/** The opsets the converters are written for: HardSwish needs 14; onnx 1.12 (IR version 8) checks up to 17. */
export const OPSETS = { min: 14, max: 17, default: 17 } as const;

export interface ToOnnxOptions {
  /** One input image's shape, channels × height × width; the graph takes N×C×H×W float32 with N dynamic. */
  inputShape: [number, number, number];
  /** The ONNX opset (default 17; from 14). */
  opset?: number;
  /** metadata_props of the model: key → text. */
  metadata?: Record<string, string>;
  /** The graph's name (default the model's class name). */
  name?: string;
}

/** The graph's input and output value names. */
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';

function checkOptions(options: ToOnnxOptions): { inputShape: [number, number, number]; opset: number } {
  const { inputShape, opset = OPSETS.default } = options ?? ({} as ToOnnxOptions);
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new TypeError(`toOnnx: inputShape must be [channels, height, width] of positive integers, got ${describe(inputShape)}`);
  }
  if (!Number.isInteger(opset) || opset < OPSETS.min || opset > OPSETS.max) {
    throw new RangeError(`toOnnx: opset must be an integer from ${OPSETS.min} to ${OPSETS.max}, got ${describe(opset)}`);
  }
  return { inputShape, opset };
}

/**
 * The bytes of an ONNX model computing `model`'s eval-mode forward (dropout and stochastic depth gone, batch norm
 * with its running statistics) on N×C×H×W float32 input. A module that has no converter (a layer of one's own) is
 * an error naming its path and type. The model's modes are left as they were.
 */
export function toOnnx(model: Module, options: ToOnnxOptions): Uint8Array {
  if (!(model instanceof Module)) throw new TypeError(`toOnnx: expected an nn.Module, got ${describe(model)}`);
  const { inputShape, opset } = checkOptions(options);
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    const shapes = recordShapes(model, inputShape);
    const tensorNames = new Map<Tensor, string>([...model.namedParameters(), ...model.namedBuffers()].map(([name, t]) => [t, name]));
    const graph = new OnnxGraph();
    graph.unique(INPUT_NAME);
    graph.unique(OUTPUT_NAME);
    const state: ExportState = { graph, opset, shapes, tensorNames };
    let output = tidy(() => convertModule(state, model, '', INPUT_NAME));
    // A model that returns its input still needs a node whose output is the graph's.
    if (output === INPUT_NAME) output = graph.node('Identity', [INPUT_NAME], [], '');
    graph.rename(output, OUTPUT_NAME);
    const outputShape = shapes.get(model)!.output;
    return graph.encode({
      input: { name: INPUT_NAME, shape: ['batch', ...inputShape] },
      output: { name: OUTPUT_NAME, shape: ['batch', ...outputShape.slice(1)] },
      opset,
      graphName: options.name ?? model.typeName,
      producerVersion: cnnkitVersion,
      metadata: { ...options.metadata },
    });
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}
