// The optimizers against PyTorch 1.13: the same initial weights and gradients give the same parameters after
// every step, within 1e-5 (float32).
import { test } from 'node:test';

import { torch, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';
import { assertClose, grad, param, pytorchSkip, reference, values, type ParamSpec } from './reference.js';

const STEPS = 8;
const PARAMS: ParamSpec[] = [
  { shape: [3, 4], values: values(12, 1, 0.5) },
  { shape: [5], values: values(5, 2, 0.5) },
];
/** Per step, per parameter: a gradient whose size changes from step to step (so AMSGrad's maximum matters). */
const GRADS = Array.from({ length: STEPS }, (_, step) => PARAMS.map((p, k) => values(p.values.length, 3 + step + 7 * k, 1 + (step % 3))));
/** The same with the second parameter's gradient missing at steps 2 and 5: PyTorch skips it there. */
const GAPPY = GRADS.map((grads, step) => grads.map((g, k) => (k === 1 && (step === 2 || step === 5) ? null : g)));

interface Case {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
  options: Record<string, unknown>;
  groups?: Record<string, unknown>[];
  grads?: (number[] | null)[][];
  loss?: 'quadratic';
}

const CASES: Case[] = [
  { name: 'SGD', optimizer: 'SGD', options: { lr: 0.1 } },
  { name: 'SGD with momentum and dampening', optimizer: 'SGD', options: { lr: 0.05, momentum: 0.9, dampening: 0.3 } },
  { name: 'SGD with momentum, nesterov and weightDecay', optimizer: 'SGD', options: { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 } },
  { name: 'Adam with its defaults', optimizer: 'Adam', options: {} },
  { name: 'Adam with betas, eps and weightDecay', optimizer: 'Adam', options: { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.05 } },
  { name: 'Adam with amsgrad', optimizer: 'Adam', options: { lr: 0.02, amsgrad: true } },
  { name: 'AdamW with its default decoupled decay', optimizer: 'AdamW', options: { lr: 0.01 } },
  { name: 'AdamW with weightDecay 0.1 and amsgrad', optimizer: 'AdamW', options: { lr: 0.02, weightDecay: 0.1, amsgrad: true } },
  { name: 'RMSprop', optimizer: 'RMSprop', options: { lr: 0.01 } },
  { name: 'RMSprop centered with momentum and weightDecay', optimizer: 'RMSprop', options: { lr: 0.01, alpha: 0.9, momentum: 0.8, centered: true, weightDecay: 0.02 } },
  {
    name: 'SGD with two parameter groups and their own lr and momentum',
    optimizer: 'SGD',
    options: { lr: 0.05, momentum: 0.9 },
    groups: [{ params: [0], lr: 0.1 }, { params: [1], lr: 0.01, momentum: 0.5 }],
  },
  {
    name: 'Adam with two parameter groups and their own lr and weightDecay',
    optimizer: 'Adam',
    options: { lr: 0.01 },
    groups: [{ params: [0] }, { params: [1], lr: 0.001, weightDecay: 0.1 }],
  },
  { name: 'SGD with momentum skips a parameter whose grad is null', optimizer: 'SGD', options: { lr: 0.1, momentum: 0.9 }, grads: GAPPY },
  { name: 'Adam skips a parameter whose grad is null', optimizer: 'Adam', options: { lr: 0.05 }, grads: GAPPY },
  { name: 'RMSprop with momentum skips a parameter whose grad is null', optimizer: 'RMSprop', options: { lr: 0.01, momentum: 0.5 }, grads: GAPPY },
  { name: 'SGD with nesterov on a loss through backward()', optimizer: 'SGD', options: { lr: 0.1, momentum: 0.9, nesterov: true }, loss: 'quadratic' },
  { name: 'Adam with amsgrad on a loss through backward()', optimizer: 'Adam', options: { lr: 0.1, amsgrad: true }, loss: 'quadratic' },
  { name: 'AdamW on a loss through backward()', optimizer: 'AdamW', options: { lr: 0.1, weightDecay: 0.05 }, loss: 'quadratic' },
  { name: 'RMSprop centered on a loss through backward()', optimizer: 'RMSprop', options: { lr: 0.01, centered: true, momentum: 0.9 }, loss: 'quadratic' },
];

const specs = CASES.map((c) => ({ ...c, params: PARAMS, steps: STEPS, grads: c.loss ? undefined : (c.grads ?? GRADS) }));
const expected = reference({ optimizers: specs })?.optimizers;

function makeOptimizer(c: Case, params: Tensor[]): optim.Optimizer {
  const groups = c.groups?.map(({ params: indices, ...options }) => ({ params: (indices as number[]).map((i) => params[i]), ...options }));
  const Class = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, RMSprop: optim.RMSprop }[c.optimizer] as new (p: unknown, o: unknown) => optim.Optimizer;
  return new Class(groups ?? params, c.options);
}

for (const c of specs) {
  test(`${c.name} matches PyTorch over ${STEPS} steps`, { skip: pytorchSkip }, () => {
    const params = PARAMS.map(param);
    const opt = makeOptimizer(c, params);
    for (let step = 0; step < STEPS; step++) {
      opt.zeroGrad();
      torch.tidy(() => {
        if (c.loss === 'quadratic') {
          params.map((p) => p.mul(p).mul(0.5).add(p.mul(3).sin()).sum()).reduce((a, b) => a.add(b)).backward();
        } else {
          c.grads!.at(step)!.forEach((g, k) => { params[k].grad = g === null ? null : grad(g, params[k]); });
        }
      });
      opt.step();
      assertClose(params.map((p) => p.tolist()), expected[c.name][step], 1e-5, `${c.name}, step ${step + 1}`);
    }
    opt.dispose();
    torch.dispose(params);
  });
}
