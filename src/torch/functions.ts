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

/** The tensor methods PyTorch also has as torch.* functions. */
type MethodName = { [K in keyof Tensor]: Tensor[K] extends (...args: never[]) => unknown ? K : never }[keyof Tensor];
/** torch.f(t, ...args) for the method t.f(...args), with the method's parameters and result. */
function methodForm<K extends MethodName>(name: K) {
  type Method = Extract<Tensor[K], (...args: never[]) => unknown>;
  return (t: Tensor, ...args: Parameters<Method>): ReturnType<Method> => (t[name] as (...a: Parameters<Method>) => ReturnType<Method>)(...args);
}

export const cat = (tensors: Tensor[], dim = 0): Tensor => new Tensor(native.cat(handles(tensors, 'cat()'), dim));
export const concat = cat;
export const stack = (tensors: Tensor[], dim = 0): Tensor => new Tensor(native.stack(handles(tensors, 'stack()'), dim));
/** Elementwise choice: `a` where condition holds, else `b`. */
export const where = (condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor =>
  new Tensor(native.where(condition.handle, a instanceof Tensor ? a.handle : a, b instanceof Tensor ? b.handle : b));

export const add = methodForm('add');
export const sub = methodForm('sub');
export const mul = methodForm('mul');
export const div = methodForm('div');
export const pow = methodForm('pow');
export const maximum = methodForm('maximum');
export const minimum = methodForm('minimum');
export const clamp = methodForm('clamp');
export const eq = methodForm('eq');
export const ne = methodForm('ne');
export const lt = methodForm('lt');
export const le = methodForm('le');
export const gt = methodForm('gt');
export const ge = methodForm('ge');
export const allclose = methodForm('allclose');
export const equal = methodForm('equal');
export const abs = methodForm('abs');
export const neg = methodForm('neg');
export const exp = methodForm('exp');
export const log = methodForm('log');
export const sqrt = methodForm('sqrt');
export const sin = methodForm('sin');
export const cos = methodForm('cos');
export const tanh = methodForm('tanh');
export const sigmoid = methodForm('sigmoid');
export const relu = methodForm('relu');
export const floor = methodForm('floor');
export const round = methodForm('round');
export const sum = methodForm('sum');
export const mean = methodForm('mean');
export const argmax = methodForm('argmax');
export const logsumexp = methodForm('logsumexp');
export const matmul = methodForm('matmul');
export const mm = methodForm('mm');
export const bmm = methodForm('bmm');
export const reshape = methodForm('reshape');
export const flatten = methodForm('flatten');
export const permute = methodForm('permute');
export const transpose = methodForm('transpose');
export const squeeze = methodForm('squeeze');
export const unsqueeze = methodForm('unsqueeze');
export const split = methodForm('split');
export const chunk = methodForm('chunk');
export const flip = methodForm('flip');
export const roll = methodForm('roll');
export const narrow = methodForm('narrow');
export const indexSelect = methodForm('indexSelect');
export const gather = methodForm('gather');
export const scatter = methodForm('scatter');
export const maskedFill = methodForm('maskedFill');
export const sort = methodForm('sort');
export const argsort = methodForm('argsort');
export const topk = methodForm('topk');
export const multinomial = methodForm('multinomial');
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
