// Grad mode and torch.autograd.grad. Grad mode is per thread, as in libtorch.
import { native } from './native.js';
import { Tensor } from './tensor.js';

export const isGradEnabled = (): boolean => native.isGradEnabled();
export const setGradEnabled = (enabled: boolean): void => native.setGradEnabled(enabled);

function withGradMode<T>(enabled: boolean, fn: () => T, where: string): T {
  const previous = isGradEnabled();
  setGradEnabled(enabled);
  try {
    const result = fn();
    // The mode is thread state; an await would leak it into unrelated code.
    if (result !== null && typeof (result as { then?: unknown })?.then === 'function') {
      throw new TypeError(`${where}(fn): fn returned a Promise; grad mode cannot span an await. Wrap each synchronous step instead`);
    }
    return result;
  } finally {
    setGradEnabled(previous);
  }
}

/** Runs fn without recording operations for autograd (PyTorch's torch.no_grad()). */
export const noGrad = <T>(fn: () => T): T => withGradMode(false, fn, 'noGrad');
/** Runs fn with autograd recording, also inside noGrad. */
export const enableGrad = <T>(fn: () => T): T => withGradMode(true, fn, 'enableGrad');

export interface GradOptions {
  gradOutputs?: Tensor[];
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** The gradients of outputs with respect to inputs, without touching .grad (torch.autograd.grad). */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const list = (x: Tensor | Tensor[]) => (Array.isArray(x) ? x : [x]).map((t) => t.handle);
  const handles: unknown[] = native.autogradGrad(list(outputs), list(inputs), options.gradOutputs?.map((t) => t.handle),
    options.retainGraph, options.createGraph ?? false, options.allowUnused ?? false);
  return handles.map((h) => (h === null ? null : new Tensor(h as never)));
}
