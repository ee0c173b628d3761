// How a module becomes ONNX nodes: a registry of converters keyed by the module's own class (not its base classes, so
// that a user's subclass with a forward of its own is refused rather than exported as its parent), and the Scope a
// converter works in: its module's path and shapes, its children, and the graph.
import type { Module } from '../nn/module.js';
import type { Tensor } from '../torch/tensor.js';
import type { OnnxGraph } from './graph.js';
import type { ModuleShapes } from './shapes.js';

/** Adds the nodes of `module` applied to the value named `input`; returns the name of the result. */
export type Converter<M extends Module = Module> = (module: M, input: string, scope: Scope) => string;

type ModuleClass<M extends Module> = abstract new (...args: never[]) => M;

const converters = new Map<ModuleClass<Module>, Converter>();

/**
 * Registers how modules of exactly this class are exported (a layer of one's own, say). Replaces an earlier
 * converter for the class.
 */
export function registerConverter<M extends Module>(moduleClass: ModuleClass<M>, converter: Converter<M>): void {
  converters.set(moduleClass, converter as Converter);
}

/** What is known while exporting one model. */
export interface ExportState {
  graph: OnnxGraph;
  opset: number;
  shapes: Map<Module, ModuleShapes>;
  /** The state-dict name of every parameter and buffer, for their initializers. */
  tensorNames: Map<Tensor, string>;
}

const describePath = (path: string, module: Module) => (path === '' ? `the model itself (${module.typeName})` : `${path} (${module.typeName})`);

/** A converter's view of its module: the module's dotted path, its recorded shapes, its children and the graph. */
export class Scope {
  constructor(private readonly state: ExportState, readonly module: Module, readonly path: string) {}

  get opset(): number {
    return this.state.opset;
  }

  /** The nodes of the child called `name` applied to `input`. */
  child(name: string, input: string): string {
    const module = this.module.namedChildren().find(([key]) => key === name)?.[1];
    if (module === undefined) throw new Error(`toOnnx: ${describePath(this.path, this.module)} has no submodule '${name}'`);
    return convertModule(this.state, module, join(this.path, name), input);
  }

  /** The children called `names`, one after the other. */
  chain(names: readonly string[], input: string): string {
    return names.reduce((x, name) => this.child(name, x), input);
  }

  /** An ONNX node of this module; returns its output's name. */
  op(opType: string, inputs: string[], attributes: Parameters<OnnxGraph['node']>[2] = []): string {
    return this.state.graph.node(opType, inputs, attributes, this.path);
  }

  /** A parameter or buffer as an initializer, under its state-dict name; a derived tensor under `name`. */
  tensor(tensor: Tensor, name?: string): string {
    return this.state.graph.tensor(tensor, name ?? this.state.tensorNames.get(tensor) ?? join(this.path, 'tensor'));
  }

  constant(type: 'int64' | 'float', values: readonly number[], dims?: readonly number[]): string {
    return this.state.graph.constant(type, values, dims);
  }

  /** The shapes of `module` (default this one) in the recorded forward, batch 1. */
  shapes(module: Module = this.module): ModuleShapes {
    const shapes = this.state.shapes.get(module);
    if (!shapes) throw new Error(`toOnnx: ${describePath(this.path, this.module)} uses a module that did not run in the model's forward`);
    return shapes;
  }

  /** An error about this module, naming its path and type. */
  error(reason: string): Error {
    return new Error(`toOnnx: cannot export ${describePath(this.path, this.module)}: ${reason}`);
  }
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

/** The nodes of `module`, found at `path` in the model, applied to `input`. */
export function convertModule(state: ExportState, module: Module, path: string, input: string): string {
  const converter = converters.get(module.constructor as ModuleClass<Module>);
  if (!converter) {
    throw new Error(`toOnnx: cannot export ${describePath(path, module)}: no ONNX converter for ${module.typeName}; ` +
      'onnx.registerConverter() adds one');
  }
  return converter(module, input, new Scope(state, module, path));
}
