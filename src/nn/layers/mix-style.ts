// MixStyle (Zhou et al., ICLR 2021): mixes each instance's channel statistics (feature style) with another instance's,
// so that a network trained on a few domains meets new styles. Weight-free; active in training mode only.
import { currentRandom, type Random } from '../../torch/random.js';
import { checkNumber, describe } from '../../torch/check.js';
import { tensor } from '../../torch/creation.js';
import { tidy } from '../../torch/scope.js';
import { Tensor } from '../../torch/tensor.js';
import { Module } from '../module.js';
import { pyFloat } from '../repr.js';

export type MixStyleMix = 'random' | 'crossdomain';

export interface MixStyleOptions {
  /** The probability of mixing a batch. */
  p?: number;
  /** λ ~ Beta(alpha, alpha) per instance. */
  alpha?: number;
  /** Added to the variance before its square root. */
  eps?: number;
  /** 'random' pairs each instance with a random one; 'crossdomain' expects the batch as two domains (first half, second half) and pairs across them. */
  mix?: MixStyleMix;
}

/**
 * The mixing itself, as the paper's code: x normalized by its own (detached) per-channel mean and standard deviation over
 * the spatial dims, then given λ·(own statistics) + (1−λ)·(statistics of instance perm[i]). x: N×C×… ; lambda: one per instance.
 */
export function mixStyle(x: Tensor, perm: ArrayLike<number> | Tensor, lambda: ArrayLike<number> | Tensor | number, eps = 1e-6): Tensor {
  if (!(x instanceof Tensor) || x.ndim < 3) throw new TypeError(`mixStyle: x must be a tensor N×C×… with spatial dims, got ${describe(x)}`);
  const n = x.shape[0];
  return tidy(() => {
    const index = perm instanceof Tensor ? perm.to({ dtype: 'int64', device: x.device }) : tensor(Array.from(perm), { dtype: 'int64', device: x.device });
    if (index.shape.join() !== String(n)) throw new RangeError(`mixStyle: perm must hold one index per instance (${n}), got shape [${index.shape.join(', ')}]`);
    const shape = [n, ...new Array(x.ndim - 1).fill(1)];
    const weights = lambda instanceof Tensor ? lambda.to({ dtype: x.dtype, device: x.device })
      : tensor(typeof lambda === 'number' ? new Array(n).fill(lambda) : Array.from(lambda), { dtype: x.dtype, device: x.device });
    if (weights.numel() !== n) throw new RangeError(`mixStyle: lambda must be one number or one per instance (${n}), got ${weights.numel()}`);
    const lam = weights.reshape(shape);
    const dims = x.shape.slice(2).map((_, i) => i + 2);
    const mu = x.mean(dims, true).detach();
    const sig = x.var(dims, true, true).add(eps).sqrt().detach();
    const normed = x.sub(mu).div(sig);
    const muMix = mu.mul(lam).add(mu.indexSelect(0, index).mul(lam.rsub(1)));
    const sigMix = sig.mul(lam).add(sig.indexSelect(0, index).mul(lam.rsub(1)));
    return normed.mul(sigMix).add(muMix);
  });
}

/** Draws what one MixStyle application needs: the partner of each instance and its λ, as the paper's code. */
export function drawMixStyle(random: Random, n: number, alpha: number, mix: MixStyleMix, where: string): { perm: Int32Array; lambda: number[] } {
  const lambda = Array.from({ length: n }, () => random.beta(alpha, alpha));
  if (mix === 'random') return { perm: random.permutation(n), lambda };
  if (n % 2 !== 0) throw new RangeError(`${where}: mix 'crossdomain' needs an even batch (two domains of equal size), got ${n} instances`);
  // Reversed indices split in two: the first half takes partners from the second domain, and the other way round.
  const half = n / 2;
  const second = random.permutation(half).map((i) => n - 1 - i);
  const first = random.permutation(half).map((i) => half - 1 - i);
  return { perm: Int32Array.from([...second, ...first]), lambda };
}

/** Checks MixStyle's options (shared by the layer and the mixing transform). */
export function mixStyleOptions(options: MixStyleOptions, where: string): Required<MixStyleOptions> {
  const { p = 0.5, alpha = 0.1, eps = 1e-6, mix = 'random' } = options;
  checkNumber(p, 'p', where);
  if (p < 0 || p > 1) throw new RangeError(`${where}: p must be between 0 and 1, got ${p}`);
  if (!(checkNumber(alpha, 'alpha', where) > 0)) throw new RangeError(`${where}: alpha must be positive, got ${alpha}`);
  if (!(checkNumber(eps, 'eps', where) >= 0)) throw new RangeError(`${where}: eps must be non-negative, got ${eps}`);
  if (mix !== 'random' && mix !== 'crossdomain') throw new TypeError(`${where}: mix must be 'random' or 'crossdomain', got ${describe(mix)}`);
  return { p, alpha, eps, mix };
}

/** MixStyle as a layer, usually after an early block of a CNN; its random draws come from currentRandom() (torch.manualSeed decides outside a loader). */
export class MixStyle extends Module {
  readonly p: number;
  readonly alpha: number;
  readonly eps: number;
  readonly mix: MixStyleMix;

  constructor(options: MixStyleOptions = {}) {
    super();
    ({ p: this.p, alpha: this.alpha, eps: this.eps, mix: this.mix } = mixStyleOptions(options, 'MixStyle'));
  }

  forward(x: Tensor): Tensor {
    if (!this.training) return x;
    const random = currentRandom();
    if (!random.bernoulli(this.p)) return x;
    const { perm, lambda } = drawMixStyle(random, x.shape[0], this.alpha, this.mix, 'MixStyle');
    return mixStyle(x, perm, lambda, this.eps);
  }

  extraRepr(): string { return `p=${pyFloat(this.p)}, alpha=${pyFloat(this.alpha)}, eps=${pyFloat(this.eps)}, mix=${this.mix}`; }
}
