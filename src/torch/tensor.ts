// The Tensor class: a libtorch tensor with PyTorch's methods in camelCase.
import { arrayTypes, checkDType, type DType, type TypedArray } from './dtype.js';
import { formatTensor } from './format.js';
import { native, type Handle, type Index } from './native.js';
import type { NativeApi } from './native-api.js';
import { track } from './scope.js';

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;
/** A Python-style slice; null or a missing field means "from the start", "to the end", or step 1. */
export interface Slice {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
}
/**
 * One index of t.index(...) as in PyTorch's t[...]: an integer, a Slice or a string slice (':', '1:', '::2', '-3:-1'),
 * null (a new axis), '...' (ellipsis), a boolean, or a tensor (integer or boolean mask).
 */
export type IndexItem = number | null | boolean | string | Slice | Tensor;
export interface ToOptions {
  dtype?: DType;
  device?: string;
  copy?: boolean;
  /** With a device only: the copy may return before it ends (from pinned memory to a GPU it then overlaps other work). */
  nonBlocking?: boolean;
}
/** How a tensor's elements lie in memory; channels_last keeps an NCHW tensor as NHWC (and channels_last_3d NCDHW as NDHWC). */
export type MemoryFormat = 'contiguous' | 'channels_last' | 'channels_last_3d' | 'preserve';

/** The addon's functions of one tensor to one tensor (neg, exp, relu, …): a wrong name fails in tsc. */
type UnaryOp = { [K in keyof NativeApi]: NativeApi[K] extends (a0: Handle) => Handle ? K : never }[keyof NativeApi];

const operand = (x: TensorOrScalar): Handle | Scalar => (x instanceof Tensor ? x.handle : x);
const dimsOf = (dims: number[] | [number[]]): number[] => (Array.isArray(dims[0]) ? (dims[0] as number[]) : (dims as number[]));
const optionalDims = (dim?: number | number[]): number[] | undefined => (dim === undefined ? undefined : Array.isArray(dim) ? dim : [dim]);

export class Tensor {
  /** The native handle; internal. */
  readonly handle: Handle;

  /** Wraps a native handle; use torch.tensor() and friends to make tensors. */
  constructor(handle: Handle) {
    this.handle = handle;
    track(this);
  }

  // ---- metadata ----
  /**
   * No operation resizes a tensor in place, so its shape is read from libtorch once (shape is asked for very often);
   * a disposed tensor is still refused.
   */
  private knownShape: number[] | undefined;
  private dims(): number[] {
    if (this.knownShape === undefined || native.isDisposed(this.handle)) return (this.knownShape = native.shape(this.handle));
    return this.knownShape;
  }
  get shape(): number[] { return [...this.dims()]; }
  size(dim?: number): number | number[] {
    const shape = this.shape;
    if (dim === undefined) return shape;
    const d = dim < 0 ? dim + shape.length : dim;
    if (d < 0 || d >= shape.length) throw new RangeError(`size(${dim}): dimension out of range for a tensor of ${shape.length} dimensions`);
    return shape[d];
  }
  get dtype(): DType { return native.dtype(this.handle); }
  get device(): string { return native.device(this.handle); }
  get ndim(): number { return this.dims().length; }
  dim(): number { return this.ndim; }
  numel(): number { return this.shape.reduce((a, b) => a * b, 1); }
  stride(): number[] { return native.stride(this.handle); }
  /** Whether the elements lie densely in the given memory format (default: row-major). */
  isContiguous(memoryFormat?: MemoryFormat): boolean {
    return memoryFormat === undefined ? native.isContiguous(this.handle) : native.isContiguousFormat(this.handle, memoryFormat);
  }
  /** Whether the tensor lives in page-locked host memory (see pinMemory()). */
  isPinned(): boolean { return native.isPinned(this.handle); }
  /** A copy in page-locked host memory, from which copies to a GPU need not block; needs CUDA. */
  pinMemory(): Tensor { return new Tensor(native.pinMemory(this.handle)); }
  get isDisposed(): boolean { return native.isDisposed(this.handle); }

  // ---- lifetime ----
  /** Frees the native memory now; the tensor cannot be used afterwards. */
  dispose(): void { native.dispose(this.handle); }
  [Symbol.dispose](): void { this.dispose(); }

  // ---- autograd ----
  get requiresGrad(): boolean { return native.requiresGrad(this.handle); }
  set requiresGrad(flag: boolean) { native.requiresGrad_(this.handle, flag); }
  requiresGrad_(flag = true): this { native.requiresGrad_(this.handle, flag); return this; }
  /** The accumulated gradient, or null; each read makes a new tensor object sharing the gradient's memory. */
  get grad(): Tensor | null { return wrapOrNull(native.grad(this.handle)); }
  set grad(g: Tensor | null) { native.setGrad(this.handle, g === null ? null : g.handle); }
  get isLeaf(): boolean { return native.isLeaf(this.handle); }
  /** The name of the autograd node that made this tensor ('' for a leaf). */
  get gradFn(): string { return native.gradFn(this.handle); }
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this.handle, gradient?.handle, options.retainGraph, options.createGraph ?? false);
  }
  retainGrad(): this { native.retainGrad(this.handle); return this; }
  detach(): Tensor { return new Tensor(native.detach(this.handle)); }
  detach_(): this { native.detach_(this.handle); return this; }

  // ---- conversion ----
  to(target: DType | string | Tensor | ToOptions, options: { copy?: boolean } = {}): Tensor {
    let dtype: DType | undefined;
    let device: string | undefined;
    let copy = options.copy ?? false;
    if (target instanceof Tensor) [dtype, device] = [target.dtype, target.device];
    else if (typeof target === 'string') {
      if (target in arrayTypes) dtype = target as DType;
      else if (DEVICE.test(target)) device = target;
      else throw new TypeError(`to(): '${target}' is neither a dtype (${Object.keys(arrayTypes).join(', ')}) nor a device ('cpu', 'cuda', 'cuda:1')`);
    }
    else {
      ({ dtype, device, copy = copy } = target);
      if (target.nonBlocking) {
        if (device === undefined || dtype !== undefined || copy) throw new TypeError('to(): nonBlocking goes with a device alone (no dtype, no copy)');
        return new Tensor(native.toDevice(this.handle, device, true));
      }
    }
    if (dtype !== undefined) checkDType(dtype, 'to()');
    return new Tensor(native.to(this.handle, dtype, device, copy));
  }
  cpu(): Tensor { return this.to({ device: 'cpu' }); }
  cuda(device = 'cuda'): Tensor { return this.to({ device }); }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  half(): Tensor { return this.to('float16'); }
  long(): Tensor { return this.to('int64'); }
  int(): Tensor { return this.to('int32'); }
  bool(): Tensor { return this.to('bool'); }
  clone(): Tensor { return new Tensor(native.clone(this.handle)); }
  /** The tensor laid out densely in `memoryFormat` (default row-major): itself where it already is, else a copy. */
  contiguous(memoryFormat?: MemoryFormat): Tensor {
    return new Tensor(memoryFormat === undefined ? native.contiguous(this.handle) : native.contiguousFormat(this.handle, memoryFormat));
  }
  /** A view of this tensor's storage with the given sizes, strides and offset, as torch.as_strided. */
  asStrided(size: number[], stride: number[], storageOffset = 0): Tensor { return new Tensor(native.asStrided(this.handle, size, stride, storageOffset)); }

  /** The value of a one-element tensor. */
  item(): number | boolean { return native.item(this.handle); }
  /** A copy of the elements in row-major order; float16/bfloat16 come as Float32Array, bool as Uint8Array. */
  toTypedArray(): TypedArray {
    const dtype = this.dtype;
    if (dtype === 'float16' || dtype === 'bfloat16') {
      const asFloat = this.to('float32');
      try { return asFloat.toTypedArray(); } finally { asFloat.dispose(); }
    }
    return new arrayTypes[dtype](native.toArrayBuffer(this.handle));
  }
  /** A copy of the elements' bytes in row-major order, in the tensor's own dtype (what a file stores). */
  toBytes(): Uint8Array { return new Uint8Array(native.toArrayBuffer(this.handle)); }
  /**
   * Swaps in `source`'s data (device, dtype, values) while this tensor keeps its identity, as PyTorch's
   * `t.data = source`: module.to() moves parameters so, and optimizers made before still hold them.
   */
  setData_(source: Tensor): this {
    native.setData(this.handle, source.handle);
    return this;
  }
  /** The elements as nested arrays of numbers (booleans for bool tensors), like PyTorch's tolist(). */
  tolist(): unknown {
    const shape = this.shape;
    const values = this.toTypedArray();
    const isBool = this.dtype === 'bool';
    const at = (i: number): number | boolean => (isBool ? values[i] !== 0 : Number(values[i]));
    const build = (dim: number, offset: number): unknown => {
      if (dim === shape.length) return at(offset);
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }
  toString(): string { return formatTensor(this); }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }

  // ---- arithmetic (broadcasting; a number acts as a Python scalar) ----
  add(other: TensorOrScalar, alpha: number = 1): Tensor { return new Tensor(native.add(this.handle, operand(other), alpha)); }
  sub(other: TensorOrScalar, alpha: number = 1): Tensor { return new Tensor(native.sub(this.handle, operand(other), alpha)); }
  /** other - this. */
  rsub(other: TensorOrScalar): Tensor { return new Tensor(native.rsub(this.handle, operand(other))); }
  mul(other: TensorOrScalar): Tensor { return new Tensor(native.mul(this.handle, operand(other))); }
  div(other: TensorOrScalar, roundingMode?: 'trunc' | 'floor'): Tensor { return new Tensor(native.div(this.handle, operand(other), roundingMode)); }
  pow(exponent: TensorOrScalar): Tensor { return new Tensor(native.pow(this.handle, operand(exponent))); }
  remainder(other: TensorOrScalar): Tensor { return new Tensor(native.remainder(this.handle, operand(other))); }
  fmod(other: TensorOrScalar): Tensor { return new Tensor(native.fmod(this.handle, operand(other))); }
  atan2(other: TensorOrScalar): Tensor { return new Tensor(native.atan2(this.handle, operand(other))); }
  maximum(other: TensorOrScalar): Tensor { return new Tensor(native.maximum(this.handle, operand(other))); }
  minimum(other: TensorOrScalar): Tensor { return new Tensor(native.minimum(this.handle, operand(other))); }
  clamp(min?: number | null, max?: number | null): Tensor {
    if (min == null && max == null) throw new TypeError('clamp(): give at least one of min and max');
    return new Tensor(native.clamp(this.handle, min, max));
  }
  lerp(end: Tensor, weight: TensorOrScalar): Tensor { return new Tensor(native.lerp(this.handle, end.handle, operand(weight))); }
  addcmul(a: Tensor, b: Tensor, value = 1): Tensor { return new Tensor(native.addcmul(this.handle, a.handle, b.handle, value)); }
  addcdiv(a: Tensor, b: Tensor, value = 1): Tensor { return new Tensor(native.addcdiv(this.handle, a.handle, b.handle, value)); }

  // ---- comparisons and logic ----
  eq(other: TensorOrScalar): Tensor { return new Tensor(native.eq(this.handle, operand(other))); }
  ne(other: TensorOrScalar): Tensor { return new Tensor(native.ne(this.handle, operand(other))); }
  lt(other: TensorOrScalar): Tensor { return new Tensor(native.lt(this.handle, operand(other))); }
  le(other: TensorOrScalar): Tensor { return new Tensor(native.le(this.handle, operand(other))); }
  gt(other: TensorOrScalar): Tensor { return new Tensor(native.gt(this.handle, operand(other))); }
  ge(other: TensorOrScalar): Tensor { return new Tensor(native.ge(this.handle, operand(other))); }
  logicalAnd(other: TensorOrScalar): Tensor { return new Tensor(native.logicalAnd(this.handle, operand(other))); }
  logicalOr(other: TensorOrScalar): Tensor { return new Tensor(native.logicalOr(this.handle, operand(other))); }
  logicalXor(other: TensorOrScalar): Tensor { return new Tensor(native.logicalXor(this.handle, operand(other))); }
  logicalNot(): Tensor { return this.unary('logicalNot'); }
  isnan(): Tensor { return this.unary('isnan'); }
  isinf(): Tensor { return this.unary('isinf'); }
  isfinite(): Tensor { return this.unary('isfinite'); }
  equal(other: Tensor): boolean { return native.equal(this.handle, other.handle); }
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8, equalNan = false): boolean {
    return native.allclose(this.handle, other.handle, rtol, atol, equalNan);
  }

  // ---- elementwise math and activations ----
  private unary(name: UnaryOp): Tensor { return new Tensor(native[name](this.handle)); }
  neg(): Tensor { return this.unary('neg'); }
  abs(): Tensor { return this.unary('abs'); }
  exp(): Tensor { return this.unary('exp'); }
  expm1(): Tensor { return this.unary('expm1'); }
  log(): Tensor { return this.unary('log'); }
  log2(): Tensor { return this.unary('log2'); }
  log10(): Tensor { return this.unary('log10'); }
  log1p(): Tensor { return this.unary('log1p'); }
  sqrt(): Tensor { return this.unary('sqrt'); }
  rsqrt(): Tensor { return this.unary('rsqrt'); }
  square(): Tensor { return this.unary('square'); }
  reciprocal(): Tensor { return this.unary('reciprocal'); }
  sin(): Tensor { return this.unary('sin'); }
  cos(): Tensor { return this.unary('cos'); }
  tan(): Tensor { return this.unary('tan'); }
  asin(): Tensor { return this.unary('asin'); }
  acos(): Tensor { return this.unary('acos'); }
  atan(): Tensor { return this.unary('atan'); }
  sinh(): Tensor { return this.unary('sinh'); }
  cosh(): Tensor { return this.unary('cosh'); }
  tanh(): Tensor { return this.unary('tanh'); }
  erf(): Tensor { return this.unary('erf'); }
  erfinv(): Tensor { return this.unary('erfinv'); }
  floor(): Tensor { return this.unary('floor'); }
  ceil(): Tensor { return this.unary('ceil'); }
  round(): Tensor { return this.unary('round'); }
  trunc(): Tensor { return this.unary('trunc'); }
  frac(): Tensor { return this.unary('frac'); }
  sign(): Tensor { return this.unary('sign'); }
  sigmoid(): Tensor { return this.unary('sigmoid'); }
  relu(): Tensor { return this.unary('relu'); }
  relu6(): Tensor { return this.unary('relu6'); }
  /** Clamps to [minVal, maxVal] with hardtanh's gradient (zero outside), as F.hardtanh. */
  hardtanh(minVal = -1, maxVal = 1): Tensor { return new Tensor(native.hardtanh(this.handle, minVal, maxVal)); }
  silu(): Tensor { return this.unary('silu'); }
  mish(): Tensor { return this.unary('mish'); }
  selu(): Tensor { return this.unary('selu'); }
  hardswish(): Tensor { return this.unary('hardswish'); }
  hardsigmoid(): Tensor { return this.unary('hardsigmoid'); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return new Tensor(native.gelu(this.handle, approximate)); }
  leakyRelu(negativeSlope = 0.01): Tensor { return new Tensor(native.leakyRelu(this.handle, negativeSlope)); }
  elu(alpha = 1): Tensor { return new Tensor(native.elu(this.handle, alpha)); }
  softplus(beta = 1, threshold = 20): Tensor { return new Tensor(native.softplus(this.handle, beta, threshold)); }
  softmax(dim: number): Tensor { return new Tensor(native.softmax(this.handle, dim, undefined)); }
  logSoftmax(dim: number): Tensor { return new Tensor(native.logSoftmax(this.handle, dim, undefined)); }

  // ---- in place (each returns this tensor) ----
  add_(other: TensorOrScalar, alpha: number = 1): this { native.add_(this.handle, operand(other), alpha); return this; }
  sub_(other: TensorOrScalar, alpha: number = 1): this { native.sub_(this.handle, operand(other), alpha); return this; }
  mul_(other: TensorOrScalar): this { native.mul_(this.handle, operand(other)); return this; }
  div_(other: TensorOrScalar): this { native.div_(this.handle, operand(other)); return this; }
  pow_(exponent: TensorOrScalar): this { native.pow_(this.handle, operand(exponent)); return this; }
  clamp_(min?: number | null, max?: number | null): this { native.clamp_(this.handle, min, max); return this; }
  copy_(src: Tensor): this { native.copy_(this.handle, src.handle); return this; }
  zero_(): this { native.zero_(this.handle); return this; }
  fill_(value: Scalar): this { native.fill_(this.handle, value); return this; }
  uniform_(from = 0, to = 1): this { native.uniform_(this.handle, from, to); return this; }
  normal_(mean = 0, std = 1): this { native.normal_(this.handle, mean, std); return this; }
  bernoulli_(p = 0.5): this { native.bernoulli_(this.handle, p); return this; }
  exponential_(lambd = 1): this { native.exponential_(this.handle, lambd); return this; }
  neg_(): this { native.neg_(this.handle); return this; }
  sqrt_(): this { native.sqrt_(this.handle); return this; }
  erfinv_(): this { native.erfinv_(this.handle); return this; }
  abs_(): this { native.abs_(this.handle); return this; }
  exp_(): this { native.exp_(this.handle); return this; }
  relu_(): this { native.relu_(this.handle); return this; }
  sigmoid_(): this { native.sigmoid_(this.handle); return this; }
  addcmul_(a: Tensor, b: Tensor, value = 1): this { native.addcmul_(this.handle, a.handle, b.handle, value); return this; }
  addcdiv_(a: Tensor, b: Tensor, value = 1): this { native.addcdiv_(this.handle, a.handle, b.handle, value); return this; }
  lerp_(end: Tensor, weight: TensorOrScalar): this { native.lerp_(this.handle, end.handle, operand(weight)); return this; }
  maximum_(other: Tensor): this { native.maximum_(this.handle, other.handle); return this; }
  maskedFill_(mask: Tensor, value: TensorOrScalar): this { native.maskedFill_(this.handle, mask.handle, operand(value)); return this; }
  /** t[indices] = value, as PyTorch's index assignment. */
  indexPut_(indices: IndexItem[], value: TensorOrScalar): this {
    native.indexPut_(this.handle, indices.map(indexItem), operand(value));
    return this;
  }

  // ---- reductions ----
  sum(dim?: number | number[], keepdim = false, dtype?: DType): Tensor { return new Tensor(native.sum(this.handle, optionalDims(dim), keepdim, dtype)); }
  mean(dim?: number | number[], keepdim = false, dtype?: DType): Tensor { return new Tensor(native.mean(this.handle, optionalDims(dim), keepdim, dtype)); }
  prod(dim?: number, keepdim = false): Tensor { return new Tensor(native.prod(this.handle, dim, keepdim)); }
  /** Variance; unbiased (Bessel's correction) by default, as in PyTorch. */
  var(dim?: number | number[], unbiased = true, keepdim = false): Tensor { return new Tensor(native.var(this.handle, optionalDims(dim), unbiased, keepdim)); }
  std(dim?: number | number[], unbiased = true, keepdim = false): Tensor { return new Tensor(native.std(this.handle, optionalDims(dim), unbiased, keepdim)); }
  logsumexp(dim: number | number[], keepdim = false): Tensor { return new Tensor(native.logsumexp(this.handle, Array.isArray(dim) ? dim : [dim], keepdim)); }
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor { return new Tensor(native.norm(this.handle, p, optionalDims(dim), keepdim)); }
  /** The largest element, or with a dim the largest values and their indices along it. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? new Tensor(native.max(this.handle)) : pairOf(native.maxDim(this.handle, dim, keepdim));
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? new Tensor(native.min(this.handle)) : pairOf(native.minDim(this.handle, dim, keepdim));
  }
  argmax(dim?: number, keepdim = false): Tensor { return new Tensor(native.argmax(this.handle, dim, keepdim)); }
  argmin(dim?: number, keepdim = false): Tensor { return new Tensor(native.argmin(this.handle, dim, keepdim)); }
  all(dim?: number, keepdim = false): Tensor { return new Tensor(native.all(this.handle, dim, keepdim)); }
  any(dim?: number, keepdim = false): Tensor { return new Tensor(native.any(this.handle, dim, keepdim)); }
  cumsum(dim: number): Tensor { return new Tensor(native.cumsum(this.handle, dim)); }

  // ---- matrix products ----
  matmul(other: Tensor): Tensor { return new Tensor(native.matmul(this.handle, other.handle)); }
  mm(other: Tensor): Tensor { return new Tensor(native.mm(this.handle, other.handle)); }
  bmm(other: Tensor): Tensor { return new Tensor(native.bmm(this.handle, other.handle)); }
  dot(other: Tensor): Tensor { return new Tensor(native.dot(this.handle, other.handle)); }
  outer(other: Tensor): Tensor { return new Tensor(native.outer(this.handle, other.handle)); }

  // ---- shape ----
  reshape(...shape: number[] | [number[]]): Tensor { return new Tensor(native.reshape(this.handle, dimsOf(shape))); }
  view(...shape: number[] | [number[]]): Tensor { return new Tensor(native.view(this.handle, dimsOf(shape))); }
  viewAs(other: Tensor): Tensor { return this.view(other.shape); }
  permute(...dims: number[] | [number[]]): Tensor { return new Tensor(native.permute(this.handle, dimsOf(dims))); }
  transpose(dim0: number, dim1: number): Tensor { return new Tensor(native.transpose(this.handle, dim0, dim1)); }
  /** The transpose of a matrix (dims 0 and 1). */
  t(): Tensor { return this.transpose(0, 1); }
  squeeze(dim?: number): Tensor { return new Tensor(native.squeeze(this.handle, dim)); }
  unsqueeze(dim: number): Tensor { return new Tensor(native.unsqueeze(this.handle, dim)); }
  flatten(startDim = 0, endDim = -1): Tensor { return new Tensor(native.flatten(this.handle, startDim, endDim)); }
  unflatten(dim: number, sizes: number[]): Tensor { return new Tensor(native.unflatten(this.handle, dim, sizes)); }
  expand(...sizes: number[] | [number[]]): Tensor { return new Tensor(native.expand(this.handle, dimsOf(sizes))); }
  expandAs(other: Tensor): Tensor { return this.expand(other.shape); }
  repeat(...sizes: number[] | [number[]]): Tensor { return new Tensor(native.repeat(this.handle, dimsOf(sizes))); }
  movedim(source: number, destination: number): Tensor { return new Tensor(native.movedim(this.handle, source, destination)); }
  /** Splits into pieces of splitSize (the last may be smaller), or into pieces of the given sizes. */
  split(splitSize: number | number[], dim = 0): Tensor[] {
    const handles = Array.isArray(splitSize) ? native.splitSizes(this.handle, splitSize, dim) : native.split(this.handle, splitSize, dim);
    return handles.map((h: Handle) => new Tensor(h));
  }
  chunk(chunks: number, dim = 0): Tensor[] { return native.chunk(this.handle, chunks, dim).map((h: Handle) => new Tensor(h)); }
  unbind(dim = 0): Tensor[] { return native.unbind(this.handle, dim).map((h: Handle) => new Tensor(h)); }
  flip(...dims: number[] | [number[]]): Tensor { return new Tensor(native.flip(this.handle, dimsOf(dims))); }
  roll(shifts: number | number[], dims: number | number[] = []): Tensor {
    return new Tensor(native.roll(this.handle, Array.isArray(shifts) ? shifts : [shifts], Array.isArray(dims) ? dims : [dims]));
  }
  rot90(k = 1, dims: [number, number] = [0, 1]): Tensor { return new Tensor(native.rot90(this.handle, k, dims)); }
  narrow(dim: number, start: number, length: number): Tensor { return new Tensor(native.narrow(this.handle, dim, start, length)); }
  select(dim: number, index: number): Tensor { return new Tensor(native.select(this.handle, dim, index)); }

  // ---- indexing ----
  /** PyTorch's t[...]: t.index(0, ':', '1:3', null, '...', mask). */
  index(...indices: IndexItem[]): Tensor { return new Tensor(native.index(this.handle, indices.map(indexItem))); }
  indexSelect(dim: number, index: Tensor): Tensor { return new Tensor(native.indexSelect(this.handle, dim, index.handle)); }
  gather(dim: number, index: Tensor): Tensor { return new Tensor(native.gather(this.handle, dim, index.handle)); }
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor { return new Tensor(native.scatter(this.handle, dim, index.handle, operand(src))); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return new Tensor(native.scatterAdd(this.handle, dim, index.handle, src.handle)); }
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor { return new Tensor(native.maskedFill(this.handle, mask.handle, operand(value))); }
  maskedSelect(mask: Tensor): Tensor { return new Tensor(native.maskedSelect(this.handle, mask.handle)); }
  nonzero(): Tensor { return new Tensor(native.nonzero(this.handle)); }
  where(condition: Tensor, other: TensorOrScalar): Tensor { return new Tensor(native.where(condition.handle, this.handle, operand(other))); }

  // ---- sorting and sampling ----
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } { return pairOf(native.sort(this.handle, dim, descending)); }
  argsort(dim = -1, descending = false): Tensor { return new Tensor(native.argsort(this.handle, dim, descending)); }
  topk(k: number, dim = -1, largest = true, sorted = true): { values: Tensor; indices: Tensor } {
    return pairOf(native.topk(this.handle, k, dim, largest, sorted));
  }
  multinomial(numSamples: number, replacement = false): Tensor { return new Tensor(native.multinomial(this.handle, numSamples, replacement)); }
}

/** A new handle on `t`'s memory, cut from its graph: what nn's Parameter and Buffer wrap, as nn.Parameter(data) does. */
export function detachedHandle(t: Tensor): Handle {
  return native.detach(t.handle);
}

function wrapOrNull(handle: Handle | null): Tensor | null {
  return handle === null ? null : new Tensor(handle);
}

function pairOf([values, indices]: [Handle, Handle]): { values: Tensor; indices: Tensor } {
  return { values: new Tensor(values), indices: new Tensor(indices) };
}

const DEVICE = /^(cpu|cuda|mps|meta)(:\d+)?$/;
const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

function indexItem(item: IndexItem): Index {
  if (item instanceof Tensor) return item.handle;
  if (typeof item === 'string') {
    if (item.trim() === '...') return '...';
    const match = SLICE.exec(item);
    if (!match) throw new TypeError(`index: ${JSON.stringify(item)} is not a slice; write 'start:stop:step' (each part optional) or '...'`);
    const part = (s?: string): number | null => (s === undefined ? null : Number(s));
    return { start: part(match[1]), stop: part(match[2]), step: part(match[3]) };
  }
  return item;
}
