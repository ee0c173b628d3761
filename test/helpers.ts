// Shared test helpers.
import assert from 'node:assert/strict';

import type { Tensor } from '../src/torch/tensor.js';

/** Asserts a tensor's values equal `expected` (nested arrays) within an absolute tolerance. */
export function assertValues(actual: Tensor, expected: unknown, tolerance = 1e-6): void {
  const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [Number(x)]);
  const shape = (x: unknown): number[] => (Array.isArray(x) ? [x.length, ...shape(x[0])] : []);
  assert.deepEqual(actual.shape, shape(expected), 'shape');
  const a = flat(actual.tolist());
  const e = flat(expected);
  a.forEach((v, i) => {
    const ok = Number.isNaN(e[i]) ? Number.isNaN(v) : Math.abs(v - e[i]) <= tolerance;
    assert.ok(ok, `element ${i}: got ${v}, expected ${e[i]} (tolerance ${tolerance})`);
  });
}
