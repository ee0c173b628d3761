// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_ (PyTorch 1.13).
import { noGrad } from '../torch/autograd.js';
import { checkNumber, describe } from '../torch/check.js';
import { stack } from '../torch/functions.js';
import { tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';

function checkNonNegative(value: unknown, name: string, where: string): number {
  const n = checkNumber(value, name, where);
  if (n < 0) throw new RangeError(`${where}: ${name} must be a non-negative number, got ${n}`);
  return n;
}

/**
 * Scales the gradients in place so that their total norm (of all of them as one vector) is at most maxNorm,
 * and returns that norm as it was before clipping. Parameters whose grad is null are skipped.
 * normType is p of the p-norm, Infinity for the largest absolute value.
 */
export function clipGradNorm_(params: Tensor | Tensor[], maxNorm: number, normType = 2): number {
  const where = 'clipGradNorm_';
  checkNonNegative(maxNorm, 'maxNorm', where);
  checkNumber(normType, 'normType', where);
  return noGrad(() => tidy(() => {
    const grads = gradsOf(params, where);
    if (grads.length === 0) return 0;
    const device = grads[0].device;
    const total = normType === Infinity
      ? stack(grads.map((g) => g.abs().max().to({ device }))).max()
      : stack(grads.map((g) => g.norm(normType).to({ device }))).norm(normType);
    // As PyTorch: multiply by min(1, maxNorm / (norm + 1e-6)) always, rather than branch on the norm.
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
    for (const g of grads) g.mul_(coef.to({ device: g.device }));
    return total.item() as number;
  }));
}

/** Clamps each gradient element to [-clipValue, clipValue] in place; parameters whose grad is null are skipped. */
export function clipGradValue_(params: Tensor | Tensor[], clipValue: number): void {
  const where = 'clipGradValue_';
  checkNonNegative(clipValue, 'clipValue', where);
  noGrad(() => tidy(() => {
    for (const g of gradsOf(params, where)) g.clamp_(-clipValue, clipValue);
  }));
}

/** The non-null gradients of a tensor or an array of tensors. */
function gradsOf(params: Tensor | Tensor[], where: string): Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  if (!Array.isArray(list)) throw new TypeError(`${where}: params must be a tensor or an array of tensors, got ${describe(params)}`);
  return list.flatMap((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${where}: params[${i}] is not a tensor, got ${describe(p)}`);
    const grad = p.grad;
    return grad === null ? [] : [grad];
  });
}
