// torch.linalg: the decompositions ZCA whitening and friends need.
import { native } from './native.js';
import { Tensor } from './tensor.js';

/** A = U diag(S) Vh; full matrices by default, as PyTorch (fullMatrices: false gives the thin form). */
export function svd(a: Tensor, options: { fullMatrices?: boolean } = {}): { U: Tensor; S: Tensor; Vh: Tensor } {
  const [U, S, Vh] = native.svd(a.handle, options.fullMatrices ?? true);
  return { U: new Tensor(U), S: new Tensor(S), Vh: new Tensor(Vh) };
}
/** Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix. */
export function eigh(a: Tensor, options: { UPLO?: 'L' | 'U' } = {}): { eigenvalues: Tensor; eigenvectors: Tensor } {
  const [values, vectors] = native.eigh(a.handle, options.UPLO ?? 'L');
  return { eigenvalues: new Tensor(values), eigenvectors: new Tensor(vectors) };
}
export const inv = (a: Tensor): Tensor => new Tensor(native.inv(a.handle));
export const det = (a: Tensor): Tensor => new Tensor(native.det(a.handle));
