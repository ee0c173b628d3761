// Making tensors: from JS data, constant fills, ranges, random draws, and the *Like forms.
import { checkInt, checkNumber, checkShape, describe } from './check.js';
import { arrayTypes, checkDType, dtypeOfArray, type DType, type TypedArray } from './dtype.js';
import { native } from './native.js';
import { Tensor } from './tensor.js';

export interface TensorOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}
export type NestedArray = number | boolean | bigint | NestedArray[];
type Shape = number | number[];

function finish(handle: unknown, options: TensorOptions): Tensor {
  const t = new Tensor(handle as never);
  return options.requiresGrad ? t.requiresGrad_(true) : t;
}

function dtypeArg(options: TensorOptions, where: string): DType | undefined {
  return options.dtype === undefined ? undefined : checkDType(options.dtype, where);
}

function shapeArg(shape: Shape, where: string): number[] {
  return checkShape(typeof shape === 'number' ? [shape] : shape, where);
}

/** The shape of rectangular nested arrays, and their leaves in row-major order. */
function flatten(data: NestedArray): { shape: number[]; values: (number | boolean | bigint)[] } {
  const shape: number[] = [];
  for (let level: NestedArray = data; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: (number | boolean | bigint)[] = [];
  const walk = (node: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (Array.isArray(node)) throw new TypeError(`tensor(): element ${path} is an array, but the rows before it hold numbers; nested arrays must be rectangular`);
      if (typeof node !== 'number' && typeof node !== 'boolean' && typeof node !== 'bigint') {
        throw new TypeError(`tensor(): element ${path} is ${describe(node)}; only numbers, booleans and bigints make a tensor`);
      }
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[dim]) {
      throw new TypeError(`tensor(): nested arrays must be rectangular; ${path || 'the top level'} has ${Array.isArray(node) ? node.length : 'no'} elements where ${shape[dim]} were expected`);
    }
    node.forEach((child, i) => walk(child, dim + 1, `${path}[${i}]`));
  };
  walk(data, 0, '');
  return { shape, values };
}

/** PyTorch's inference: all booleans → bool, all integers → int64, otherwise float32. */
function inferDType(values: (number | boolean | bigint)[]): DType {
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'bool';
  if (values.every((v) => typeof v === 'bigint' || (typeof v !== 'boolean' && Number.isInteger(v)))) return values.length ? 'int64' : 'float32';
  return 'float32';
}

/**
 * A new tensor holding a copy of `data`: nested arrays, a number or boolean, or a TypedArray
 * (1-D unless options.shape is given).
 */
export function tensor(data: NestedArray | TypedArray, options: TensorOptions & { shape?: number[] } = {}): Tensor {
  const dtype = dtypeArg(options, 'tensor()');
  const copy = ArrayBuffer.isView(data) ? fromTypedArray(data as TypedArray, options) : fromNested(data as NestedArray, dtype, options.device);
  let result = copy;
  if (dtype !== undefined && copy.dtype !== dtype) {
    result = copy.to(dtype);
    copy.dispose();
  }
  return options.requiresGrad ? result.requiresGrad_(true) : result;
}

function fromTypedArray(array: TypedArray, options: { shape?: number[]; device?: string }): Tensor {
  const shape = options.shape === undefined ? [array.length] : checkShape(options.shape, 'tensor()');
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== array.length) throw new RangeError(`tensor(): shape [${shape.join(', ')}] holds ${count} elements but the ${array.constructor.name} has ${array.length}`);
  return new Tensor(native.fromData(array, shape, dtypeOfArray(array), options.device));
}

function fromNested(data: NestedArray, dtype: DType | undefined, device?: string): Tensor {
  const { shape, values } = flatten(data);
  const target = dtype ?? inferDType(values);
  // float16 and bfloat16 have no typed array: fill float32 and let libtorch round.
  const fill: DType = target === 'float16' || target === 'bfloat16' ? 'float32' : target;
  const ArrayType = arrayTypes[fill];
  const array = new ArrayType(new ArrayBuffer(values.length * ArrayType.BYTES_PER_ELEMENT));
  if (array instanceof BigInt64Array) values.forEach((v, i) => (array[i] = BigInt(typeof v === 'boolean' ? Number(v) : Math.trunc(Number(v)))));
  else values.forEach((v, i) => (array[i] = Number(v)));
  return new Tensor(native.fromData(array, shape, fill, device));
}

/**
 * A tensor sharing the memory of a TypedArray or Buffer without a copy, as torch.frombuffer.
 * Writes through either side are seen by the other; the tensor keeps the array alive.
 * Do not transfer the array to another thread while the tensor lives.
 */
export function frombuffer(buffer: TypedArray, options: { dtype?: DType; shape?: number[] } = {}): Tensor {
  if (!ArrayBuffer.isView(buffer)) throw new TypeError(`frombuffer(): needs a TypedArray or Buffer, got ${describe(buffer)}`);
  const dtype = options.dtype === undefined ? dtypeOfArray(buffer) : checkDType(options.dtype, 'frombuffer()');
  const flat = new Tensor(native.frombuffer(buffer, dtype));
  if (options.shape === undefined) return flat;
  const shaped = flat.view(checkShape(options.shape, 'frombuffer()'));
  flat.dispose();
  return shaped;
}

/** A tensor of `shape` and `dtype` copied from raw little-endian bytes (a file's tensor data), as torch.frombuffer + clone. */
export function fromBytes(bytes: Uint8Array, shape: number[], dtype: DType, device?: string): Tensor {
  return new Tensor(native.fromData(bytes, shape, checkDType(dtype, 'fromBytes()'), device));
}

export function zeros(shape: Shape, options: TensorOptions = {}): Tensor {
  return finish(native.zeros(shapeArg(shape, 'zeros()'), dtypeArg(options, 'zeros()'), options.device), options);
}
export function ones(shape: Shape, options: TensorOptions = {}): Tensor {
  return finish(native.ones(shapeArg(shape, 'ones()'), dtypeArg(options, 'ones()'), options.device), options);
}
/** Uninitialized memory: fast, but the values are whatever was there. */
export function empty(shape: Shape, options: TensorOptions = {}): Tensor {
  return finish(native.empty(shapeArg(shape, 'empty()'), dtypeArg(options, 'empty()'), options.device), options);
}
/** Filled with `value`; without a dtype, as PyTorch: bool, int64 for an integer, else float32. */
export function full(shape: Shape, value: number | boolean, options: TensorOptions = {}): Tensor {
  if (typeof value !== 'boolean') checkNumber(value, 'value', 'full()');
  return finish(native.full(shapeArg(shape, 'full()'), value, dtypeArg(options, 'full()'), options.device), options);
}
/** arange(end) or arange(start, end, step = 1): int64 when all are integers, else float32. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  for (const [name, v] of [['start', start], ['end', end], ['step', step]] as const) checkNumber(v, name, 'arange()');
  if (step === 0) throw new RangeError('arange(): step must not be zero');
  if ((end - start) / step < 0) throw new RangeError(`arange(): step ${step} goes away from end ${end} starting at ${start}`);
  return finish(native.arange(start, end, step, dtypeArg(options, 'arange()'), options.device), options);
}
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  checkNumber(start, 'start', 'linspace()');
  checkNumber(end, 'end', 'linspace()');
  checkInt(steps, 'steps', 'linspace()', 0);
  return finish(native.linspace(start, end, steps, dtypeArg(options, 'linspace()'), options.device), options);
}
export function eye(n: number, m: number = n, options: TensorOptions = {}): Tensor {
  checkInt(n, 'n', 'eye()', 0);
  checkInt(m, 'm', 'eye()', 0);
  return finish(native.eye(n, m, dtypeArg(options, 'eye()'), options.device), options);
}
export interface RandomOptions extends TensorOptions {
  /**
   * Draw from a generator of its own seeded with this (PyTorch: generator=torch.Generator().manual_seed(seed)) instead of
   * the global one: the same numbers whichever thread draws and whatever else drew before. Drawn on the CPU.
   */
  seed?: number;
}
function seedArg(seed: unknown, where: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new TypeError(`${where}: seed must be an integer ≥ 0, got ${String(seed)}`);
  return seed;
}
/** Uniform on [0, 1). */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  const s = shapeArg(shape, 'rand()');
  const dtype = dtypeArg(options, 'rand()');
  if (options.seed !== undefined) return finish(native.randSeeded(s, seedArg(options.seed, 'rand()'), dtype, options.device), options);
  return finish(native.rand(s, dtype, options.device), options);
}
/** Standard normal. */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  const s = shapeArg(shape, 'randn()');
  const dtype = dtypeArg(options, 'randn()');
  if (options.seed !== undefined) return finish(native.randnSeeded(s, seedArg(options.seed, 'randn()'), dtype, options.device), options);
  return finish(native.randn(s, dtype, options.device), options);
}
/** Integers in [low, high); randint(high, shape) starts at 0. */
export function randint(low: number, high: number | Shape, shape?: Shape | TensorOptions, options: TensorOptions = {}): Tensor {
  if (shape === undefined || (!Array.isArray(shape) && typeof shape === 'object')) {
    [low, high, shape, options] = [0, low, high as Shape, (shape as TensorOptions) ?? {}];
  }
  const hi = checkInt(high, 'high', 'randint()');
  checkInt(low, 'low', 'randint()');
  if (hi <= low) throw new RangeError(`randint(): high (${hi}) must be greater than low (${low})`);
  return finish(native.randint(low, hi, shapeArg(shape as Shape, 'randint()'), dtypeArg(options, 'randint()') ?? 'int64', options.device), options);
}
/** A random permutation of 0..n-1; with a seed, the one torch.randperm(n, generator=torch.Generator().manual_seed(seed)) gives. */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  checkInt(n, 'n', 'randperm()', 0);
  const dtype = dtypeArg(options, 'randperm()');
  if (options.seed !== undefined) return finish(native.randpermSeeded(n, seedArg(options.seed, 'randperm()'), dtype, options.device), options);
  return finish(native.randperm(n, dtype, options.device), options);
}

export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return finish(native.zerosLike(t.handle, dtypeArg(options, 'zerosLike()'), options.device), options);
}
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return finish(native.onesLike(t.handle, dtypeArg(options, 'onesLike()'), options.device), options);
}
export function emptyLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return finish(native.emptyLike(t.handle, dtypeArg(options, 'emptyLike()'), options.device), options);
}
export function fullLike(t: Tensor, value: number | boolean, options: TensorOptions = {}): Tensor {
  return finish(native.fullLike(t.handle, value, dtypeArg(options, 'fullLike()'), options.device), options);
}
export function randLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return finish(native.randLike(t.handle, dtypeArg(options, 'randLike()'), options.device), options);
}
export function randnLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return finish(native.randnLike(t.handle, dtypeArg(options, 'randnLike()'), options.device), options);
}
export function randintLike(t: Tensor, low: number, high: number, options: TensorOptions = {}): Tensor {
  return finish(native.randintLike(t.handle, low, high, dtypeArg(options, 'randintLike()'), options.device), options);
}
