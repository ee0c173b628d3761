// Discriminative learning rates: one optimizer parameter group per layer group, the early (general) layers
// learning slower than the head, as fastai's slice(lo, hi).
import type { Module } from '../nn/module.js';
import type { Parameter } from '../nn/parameter.js';
import { layerGroups } from '../models/heads.js';

/** n numbers from start to stop, each the previous one times the same factor (fastai's even_mults). */
export function evenMults(start: number, stop: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`evenMults: n must be a positive integer, got ${n}`);
  if (!(start > 0 && stop > 0)) throw new RangeError(`evenMults: start and stop must be positive, got ${start} and ${stop}`);
  if (n === 1) return [stop];
  const step = (stop / start) ** (1 / (n - 1));
  return Array.from({ length: n }, (_, i) => start * step ** i);
}

/**
 * Optimizer parameter groups, one per layer group of models.layerGroups(model), earliest first, with every
 * parameter (frozen ones too, so that unfreezing needs no new optimizer): `lr` a number gives every group that lr;
 * `[lo, hi]` spaces the lrs geometrically from lo (first group) to hi (head), as fastai's slice(lo, hi).
 */
export function paramGroupsFor(model: Module, options: { lr: number | [number, number] }): { params: Parameter[]; lr: number }[] {
  const { lr } = options ?? {};
  const groups = layerGroups(model);
  let lrs: number[];
  if (typeof lr === 'number' && lr > 0) lrs = groups.map(() => lr);
  else if (Array.isArray(lr) && lr.length === 2 && lr[0] > 0 && lr[1] >= lr[0]) lrs = evenMults(lr[0], lr[1], groups.length);
  else throw new RangeError(`paramGroupsFor: lr must be a positive number or [lo, hi] with 0 < lo <= hi, got ${JSON.stringify(lr)}`);
  const seen = new Set<Parameter>();
  return groups.map((group, i) => {
    // A parameter shared by two groups is trained once, in the first.
    const params = group.params.filter((p) => !seen.has(p) && seen.add(p));
    return { params, lr: lrs[i] };
  });
}
