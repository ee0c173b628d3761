// PyTorch's results for the optim tests, from test/optim/reference.py run with Debian's /usr/bin/python3,
// and the deterministic inputs both sides use.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { torch, type Tensor } from '../../src/index.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../test/optim/reference.py', import.meta.url));

/** false when PyTorch is there, else the reason to skip. */
export const pytorchSkip: string | false = spawnSync(PYTHON, ['-c', 'import torch']).status === 0
  ? false
  : `no PyTorch for ${PYTHON} (Debian's python3-torch)`;

export interface ParamSpec {
  shape: number[];
  values: number[];
}

/** Runs the reference script on a spec ({optimizers, schedulers, clip}); null when PyTorch is missing. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function reference(spec: object): any {
  if (pytorchSkip) return null;
  return JSON.parse(execFileSync(PYTHON, [SCRIPT], { input: JSON.stringify(spec), maxBuffer: 64 << 20 }).toString());
}

/** n reproducible values of a smooth pseudo-random sequence, varied by seed. */
export function values(n: number, seed: number, scale = 1): number[] {
  return Array.from({ length: n }, (_, i) => scale * Math.sin(0.37 * i + 1.7 * seed) * (1 + 0.5 * Math.cos(0.11 * i * seed + seed)));
}

export function param(spec: ParamSpec): Tensor {
  return torch.tensor(spec.values, { dtype: 'float32' }).reshape(spec.shape).requiresGrad_(true);
}

export function grad(values: number[], like: Tensor): Tensor {
  return torch.tensor(values, { dtype: 'float32' }).reshape(like.shape);
}

/** Asserts every number of `actual` is within `tolerance` of `expected` (nested arrays of equal shape). */
export function assertClose(actual: unknown, expected: unknown, tolerance: number, what: string): void {
  const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);
  const a = flat(actual);
  const e = flat(expected);
  if (a.length !== e.length) throw new Error(`${what}: ${a.length} numbers, expected ${e.length}`);
  a.forEach((v, i) => {
    if (!(Math.abs(v - e[i]) <= tolerance)) throw new Error(`${what}: number ${i} is ${v}, PyTorch's ${e[i]} (tolerance ${tolerance})`);
  });
}
