// Values that cross between threads: tensors cannot, so they travel as typed arrays + shape + dtype; transforms as the
// spec their schema gives, rebuilt through the transforms' registry; datasets (and other objects with a workerSpec(),
// such as a transform of your own) as their WorkerSpec, rebuilt by importing the module it names.
import { frombuffer } from '../torch/creation.js';
import type { DType, TypedArray } from '../torch/dtype.js';
import { Tensor } from '../torch/tensor.js';
import { isRebuildableTransform, rebuildTransform, transformSpec, type AnyTransform } from '../transforms/schema.js';
import { isPlainObject } from '../util/checks.js';
import { nameOf, type Dataset, type WorkerSpec } from './dataset.js';

// Structured cloning drops symbols and prototypes, so packed values are tagged by key.
const TENSOR = '__cnnkitTensor';
const SPEC = '__cnnkitSpec';
const TRANSFORM = '__cnnkitTransform';

interface PackedTensor { [TENSOR]: { data: TypedArray; shape: number[]; dtype: DType } }
/** A WorkerSpec whose arguments are packed, ready for postMessage. */
export interface PackedSpec { module: string; name: string; args: unknown[] }
interface PackedObject { [SPEC]: PackedSpec }
interface PackedTransform { [TRANSFORM]: PackedSpec }

/** An object that may know how a worker thread rebuilds it (a dataset, a transform of your own). */
type Rebuildable = object & { workerSpec?(): WorkerSpec };

const isDataset = (v: unknown): v is Dataset<unknown> =>
  v !== null && typeof v === 'object' && typeof (v as Dataset<unknown>).get === 'function' && typeof (v as Dataset<unknown>).length === 'number';
const hasWorkerSpec = (v: unknown): v is Rebuildable =>
  v !== null && typeof v === 'object' && typeof (v as Rebuildable).workerSpec === 'function';

/**
 * Replaces tensors (copied out), transforms, datasets and other objects with a workerSpec() (by their specs) inside
 * arrays and plain objects. When `transfer` is given, the copies' buffers are added to it, to be moved rather than
 * copied by postMessage.
 */
export function pack(value: unknown, transfer?: ArrayBuffer[]): unknown {
  if (value instanceof Tensor) {
    const data = value.toTypedArray();
    transfer?.push(data.buffer as ArrayBuffer);
    return { [TENSOR]: { data, shape: value.shape, dtype: value.dtype } } satisfies PackedTensor;
  }
  if (Array.isArray(value)) return value.map((v) => pack(v, transfer));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pack(v, transfer)]));
  if (isRebuildableTransform(value)) return { [TRANSFORM]: packArgs(transformSpec(value)) } satisfies PackedTransform;
  if (isDataset(value) || hasWorkerSpec(value)) return { [SPEC]: packSpec(value) } satisfies PackedObject;
  return value;
}

/** Throws an Error naming the dataset when worker threads cannot rebuild it. */
export function checkWorkerSpec(dataset: Rebuildable): asserts dataset is { workerSpec(): WorkerSpec } {
  if (typeof dataset.workerSpec !== 'function') {
    throw new TypeError(`DataLoader: ${nameOf(dataset)} cannot be rebuilt in a worker thread: it has no workerSpec() ` +
      `(give it one that names its module, class and constructor arguments, or use numWorkers: 0)`);
  }
}

const packArgs = (spec: WorkerSpec): PackedSpec => ({ module: spec.module, name: spec.name, args: pack(spec.args) as unknown[] });

/** The spec of a dataset (or another object with a workerSpec()) with its arguments packed. */
export function packSpec(dataset: Rebuildable): PackedSpec {
  checkWorkerSpec(dataset);
  return packArgs(dataset.workerSpec());
}

/** Tensors back from packed values, sharing the transferred memory without a copy. */
export function unpack(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unpack);
  if (!isPlainObject(value)) return value;
  if (TENSOR in value) {
    const { data, shape, dtype } = (value as unknown as PackedTensor)[TENSOR];
    // float16 and bfloat16 were read out as float32; bool as uint8 of the same size.
    if (dtype === 'float16' || dtype === 'bfloat16') {
      const wide = frombuffer(data, { shape });
      try { return wide.to(dtype); } finally { wide.dispose(); }
    }
    return frombuffer(data, { dtype, shape });
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unpack(v)]));
}

/** Constructs the class a spec names from its module, with its arguments rebuilt. */
async function construct(spec: PackedSpec): Promise<unknown> {
  const exports = (await import(spec.module)) as Record<string, unknown>;
  const Class = exports[spec.name];
  if (typeof Class !== 'function') throw new TypeError(`${spec.module} exports no class ${spec.name}`);
  return Reflect.construct(Class, await Promise.all(spec.args.map(rebuild))) as unknown;
}

/** Rebuilds a dataset from its packed spec: imports its module, rebuilds nested datasets, transforms and tensors, and constructs it. */
export async function buildDataset(spec: PackedSpec): Promise<Dataset<unknown>> {
  const dataset = await construct(spec);
  if (!isDataset(dataset)) throw new TypeError(`${spec.module}: ${spec.name} is not a dataset (it needs length and get(i))`);
  return dataset;
}

/** Rebuilds a transform from its packed spec through the transforms' registry, with its nested transforms and tensors. */
async function buildTransform(spec: PackedSpec): Promise<AnyTransform> {
  return rebuildTransform({ module: spec.module, name: spec.name, args: await Promise.all(spec.args.map(rebuild)) });
}

/** A packed value rebuilt in a worker thread: transforms through their registry, other specs by their modules, tensors unpacked. */
export async function rebuild(value: unknown): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map(rebuild));
  if (!isPlainObject(value)) return value;
  if (TRANSFORM in value) return buildTransform((value as unknown as PackedTransform)[TRANSFORM]);
  if (SPEC in value) return construct((value as unknown as PackedObject)[SPEC]);
  if (TENSOR in value) return unpack(value);
  return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await rebuild(v)])));
}
