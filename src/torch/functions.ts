// torch.* function forms of tensor methods, and the ops that take several tensors (cat, stack, where).
import { native } from './native.js';
import { Tensor, type TensorOrScalar } from './tensor.js';

const handles = (tensors: Tensor[], where: string) => {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new TypeError(`${where}: needs a non-empty array of tensors`);
  return tensors.map((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${where}: element ${i} is not a tensor`);
    return t.handle;
  });
};

export const cat = (tensors: Tensor[], dim = 0): Tensor => new Tensor(native.cat(handles(tensors, 'cat()'), dim));
export const concat = cat;
export const stack = (tensors: Tensor[], dim = 0): Tensor => new Tensor(native.stack(handles(tensors, 'stack()'), dim));
/** Elementwise choice: `a` where condition holds, else `b`. */
export const where = (condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor =>
  new Tensor(native.where(condition.handle, a instanceof Tensor ? a.handle : a, b instanceof Tensor ? b.handle : b));

export const add = (a: Tensor, b: TensorOrScalar, alpha = 1) => a.add(b, alpha);
export const sub = (a: Tensor, b: TensorOrScalar, alpha = 1) => a.sub(b, alpha);
export const mul = (a: Tensor, b: TensorOrScalar) => a.mul(b);
export const div = (a: Tensor, b: TensorOrScalar, roundingMode?: 'trunc' | 'floor') => a.div(b, roundingMode);
export const pow = (a: Tensor, b: TensorOrScalar) => a.pow(b);
export const maximum = (a: Tensor, b: TensorOrScalar) => a.maximum(b);
export const minimum = (a: Tensor, b: TensorOrScalar) => a.minimum(b);
export const clamp = (t: Tensor, min?: number | null, max?: number | null) => t.clamp(min, max);
export const eq = (a: Tensor, b: TensorOrScalar) => a.eq(b);
export const ne = (a: Tensor, b: TensorOrScalar) => a.ne(b);
export const lt = (a: Tensor, b: TensorOrScalar) => a.lt(b);
export const le = (a: Tensor, b: TensorOrScalar) => a.le(b);
export const gt = (a: Tensor, b: TensorOrScalar) => a.gt(b);
export const ge = (a: Tensor, b: TensorOrScalar) => a.ge(b);
export const allclose = (a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8, equalNan = false) => a.allclose(b, rtol, atol, equalNan);
export const equal = (a: Tensor, b: Tensor) => a.equal(b);
export const abs = (t: Tensor) => t.abs();
export const neg = (t: Tensor) => t.neg();
export const exp = (t: Tensor) => t.exp();
export const log = (t: Tensor) => t.log();
export const sqrt = (t: Tensor) => t.sqrt();
export const sin = (t: Tensor) => t.sin();
export const cos = (t: Tensor) => t.cos();
export const tanh = (t: Tensor) => t.tanh();
export const sigmoid = (t: Tensor) => t.sigmoid();
export const relu = (t: Tensor) => t.relu();
export const floor = (t: Tensor) => t.floor();
export const round = (t: Tensor) => t.round();
export const sum = (t: Tensor, dim?: number | number[], keepdim = false) => t.sum(dim, keepdim);
export const mean = (t: Tensor, dim?: number | number[], keepdim = false) => t.mean(dim, keepdim);
export const argmax = (t: Tensor, dim?: number, keepdim = false) => t.argmax(dim, keepdim);
export const logsumexp = (t: Tensor, dim: number | number[], keepdim = false) => t.logsumexp(dim, keepdim);
export const matmul = (a: Tensor, b: Tensor) => a.matmul(b);
export const mm = (a: Tensor, b: Tensor) => a.mm(b);
export const bmm = (a: Tensor, b: Tensor) => a.bmm(b);
export const reshape = (t: Tensor, shape: number[]) => t.reshape(shape);
export const flatten = (t: Tensor, startDim = 0, endDim = -1) => t.flatten(startDim, endDim);
export const permute = (t: Tensor, dims: number[]) => t.permute(dims);
export const transpose = (t: Tensor, dim0: number, dim1: number) => t.transpose(dim0, dim1);
export const squeeze = (t: Tensor, dim?: number) => t.squeeze(dim);
export const unsqueeze = (t: Tensor, dim: number) => t.unsqueeze(dim);
export const split = (t: Tensor, splitSize: number | number[], dim = 0) => t.split(splitSize, dim);
export const chunk = (t: Tensor, chunks: number, dim = 0) => t.chunk(chunks, dim);
export const flip = (t: Tensor, dims: number[]) => t.flip(dims);
export const roll = (t: Tensor, shifts: number | number[], dims: number | number[] = []) => t.roll(shifts, dims);
export const narrow = (t: Tensor, dim: number, start: number, length: number) => t.narrow(dim, start, length);
export const indexSelect = (t: Tensor, dim: number, index: Tensor) => t.indexSelect(dim, index);
export const gather = (t: Tensor, dim: number, index: Tensor) => t.gather(dim, index);
export const scatter = (t: Tensor, dim: number, index: Tensor, src: TensorOrScalar) => t.scatter(dim, index, src);
export const maskedFill = (t: Tensor, mask: Tensor, value: TensorOrScalar) => t.maskedFill(mask, value);
export const sort = (t: Tensor, dim = -1, descending = false) => t.sort(dim, descending);
export const argsort = (t: Tensor, dim = -1, descending = false) => t.argsort(dim, descending);
export const topk = (t: Tensor, k: number, dim = -1, largest = true, sorted = true) => t.topk(k, dim, largest, sorted);
export const multinomial = (probs: Tensor, numSamples: number, replacement = false) => probs.multinomial(numSamples, replacement);
/** A histogram of `bins` equal bins over [min, max] (both 0: the data's own range), as torch.histc. */
export const histc = (t: Tensor, bins = 100, min = 0, max = 0): Tensor => new Tensor(native.histc(t.handle, bins, min, max));
/** Counts of each value of a 1-D non-negative integer tensor (summed weights if given), at least minlength long. */
export const bincount = (t: Tensor, weights: Tensor | null = null, minlength = 0): Tensor =>
  new Tensor(native.bincount(t.handle, weights?.handle ?? null, minlength));
/** Class indices (int64) to one-hot rows; numClasses -1 infers it from the largest index. */
export const oneHot = (indices: Tensor, numClasses = -1): Tensor => new Tensor(native.oneHot(indices.handle, numClasses));
/** Covariance of the rows (variables) of `t`, whose columns are observations. */
export const cov = (t: Tensor, options: { correction?: number; fweights?: Tensor; aweights?: Tensor } = {}): Tensor =>
  new Tensor(native.cov(t.handle, options.correction ?? 1, options.fweights?.handle, options.aweights?.handle));
