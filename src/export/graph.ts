// An ONNX graph under construction (nodes, initializers, unique value names) and its encoding as a ModelProto,
// through the protobufjs code that onnx-proto generates from ONNX's published onnx.proto.
import onnxProto from 'onnx-proto';

import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';

const { onnx } = onnxProto;
type Attribute = onnxProto.onnx.IAttributeProto;
const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

/** The IR version that goes with opsets up to 17 (ONNX 1.12), the newest that onnx 1.12's checker accepts. */
export const IR_VERSION = 8;

// Attributes by kind: ONNX tells an INT from a FLOAT by its type field, which a JavaScript number cannot.
export const int = (name: string, i: number): Attribute => ({ name, type: AttributeType.INT, i });
export const ints = (name: string, values: readonly number[]): Attribute => ({ name, type: AttributeType.INTS, ints: [...values] });
export const float = (name: string, f: number): Attribute => ({ name, type: AttributeType.FLOAT, f });

export interface ModelInfo {
  /** The graph's one input: its name and shape, with 'batch' for the dynamic first axis. */
  input: { name: string; shape: (number | string)[] };
  output: { name: string; shape: (number | string)[] };
  opset: number;
  graphName: string;
  producerVersion: string;
  metadata: Record<string, string>;
}

export class OnnxGraph {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly tensorNames = new Map<Tensor, string>();

  /** `base`, or `base_2`, `base_3` … when taken. */
  unique(base: string): string {
    let name = base;
    for (let k = 2; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node; returns the name of its (single) output. */
  node(opType: string, inputs: string[], attributes: Attribute[], scope: string): string {
    const name = this.unique(`${scope || 'model'}/${opType}`);
    const output = this.unique(`${name}:0`);
    this.nodes.push({ opType, name, input: inputs, output: [output], attribute: attributes });
    return output;
  }

  /** A float32 copy of `tensor` as an initializer named `name` (once per tensor and name). */
  tensor(tensor: Tensor, name: string): string {
    const known = this.tensorNames.get(tensor);
    if (known !== undefined) return known;
    const unique = this.unique(name);
    const rawData = tidy(() => tensor.detach().to({ dtype: 'float32', device: 'cpu' }).contiguous().toBytes());
    this.initializers.push({ name: unique, dims: tensor.shape, dataType: DataType.FLOAT, rawData });
    this.tensorNames.set(tensor, unique);
    return unique;
  }

  /** A constant initializer (int64 for shapes and indices, float for scalars), shared by every node that needs it. */
  constant(type: 'int64' | 'float', values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `${type}|${dims.join(',')}|${values.join(',')}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.unique(`const.${this.constants.size}`);
    const initializer = type === 'int64'
      ? { name, dims: [...dims], dataType: DataType.INT64, int64Data: [...values] }
      : { name, dims: [...dims], dataType: DataType.FLOAT, floatData: [...values] };
    this.initializers.push(initializer);
    this.constants.set(key, name);
    return name;
  }

  /** Renames a value everywhere it is produced or used (the graph's output gets a name of its own). */
  rename(from: string, to: string): void {
    for (const node of this.nodes) {
      node.input = node.input!.map((name) => (name === from ? to : name));
      node.output = node.output!.map((name) => (name === from ? to : name));
    }
  }

  /** The ModelProto's bytes. */
  encode(info: ModelInfo): Uint8Array {
    const valueInfo = ({ name, shape }: { name: string; shape: (number | string)[] }) => ({
      name,
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
    });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: info.opset }],
      producerName: 'cnnkit',
      producerVersion: info.producerVersion,
      graph: {
        name: info.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: [valueInfo(info.input)],
        output: [valueInfo(info.output)],
      },
      metadataProps: Object.entries(info.metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
