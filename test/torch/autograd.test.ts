import assert from 'node:assert/strict';
import { test } from 'node:test';

import { F, torch } from '../../src/index.js';
import { assertValues } from '../helpers.js';

test('backward computes gradients of leaves and accumulates them', () => {
  const x = torch.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
  x.mul(x).sum().backward();
  assertValues(x.grad!, [2, 4, 6]);
  x.pow(3).sum().backward(); // accumulates: 2x + 3x²
  assertValues(x.grad!, [5, 16, 33]);
  x.grad = null;
  assert.equal(x.grad, null);
  assert.ok(x.isLeaf);
  const y = x.mul(2);
  assert.equal(y.gradFn, 'MulBackward0');
  assert.ok(!y.isLeaf);
});

test('backward with an explicit gradient and retainGraph', () => {
  const x = torch.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  const y = x.mul(3);
  y.backward(torch.tensor([1, 10], { dtype: 'float32' }), { retainGraph: true });
  assertValues(x.grad!, [3, 30]);
  y.backward(torch.tensor([1, 1], { dtype: 'float32' }));
  assertValues(x.grad!, [6, 33]);
  assert.throws(() => y.backward(torch.tensor([1, 1], { dtype: 'float32' })), /Trying to backward through the graph a second time/);
  assert.throws(() => x.mul(2).backward(), /grad can be implicitly created only for scalar outputs/);
});

test('noGrad and enableGrad control recording; grad mode is restored after errors', () => {
  const x = torch.ones([2], { requiresGrad: true });
  const y = torch.noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  const z = torch.noGrad(() => torch.enableGrad(() => x.mul(2)));
  assert.equal(z.requiresGrad, true);
  assert.throws(() => torch.noGrad(() => { throw new Error('inside'); }), /inside/);
  assert.equal(torch.isGradEnabled(), true);
  assert.throws(() => torch.noGrad(() => Promise.resolve(1)), /grad mode cannot span an await/);
  assert.equal(torch.isGradEnabled(), true);
});

test('autograd.grad returns gradients without touching .grad', () => {
  const x = torch.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  const w = torch.tensor([3, 4], { dtype: 'float32', requiresGrad: true });
  const unused = torch.ones([1], { requiresGrad: true });
  const out = x.mul(w).sum();
  const [gx, gw, gu] = torch.autograd.grad(out, [x, w, unused], { allowUnused: true });
  assertValues(gx!, [3, 4]);
  assertValues(gw!, [1, 2]);
  assert.equal(gu, null);
  assert.equal(x.grad, null);
});

test('detach cuts the graph; requiresGrad is refused on integer tensors', () => {
  const x = torch.ones([2], { requiresGrad: true });
  assert.equal(x.mul(2).detach().requiresGrad, false);
  assert.throws(() => torch.tensor([1, 2]).requiresGrad_(true), /Only Tensors of floating point .*dtype can require gradients/);
});

test('gradients flow through conv2d, batchNorm, maxPool2d and crossEntropy', () => {
  torch.manualSeed(0);
  const x = torch.randn([2, 1, 6, 6]);
  const w = torch.randn([3, 1, 3, 3], { requiresGrad: true });
  const loss = F.crossEntropy(F.maxPool2d(F.conv2d(x, w, null, { padding: 1 }), 2).flatten(1).narrow(1, 0, 4), torch.tensor([1, 3]));
  loss.backward();
  assert.deepEqual(w.grad!.shape, [3, 1, 3, 3]);
  // Finite differences on one weight confirm the analytic gradient.
  const eps = 1e-3;
  const lossAt = (delta: number) => torch.noGrad(() => {
    const w2 = w.detach().clone();
    w2.indexPut_([0, 0, 1, 1], (w.index(0, 0, 1, 1).item() as number) + delta);
    return F.crossEntropy(F.maxPool2d(F.conv2d(x, w2, null, { padding: 1 }), 2).flatten(1).narrow(1, 0, 4), torch.tensor([1, 3])).item() as number;
  });
  const numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
  assert.ok(Math.abs(numeric - (w.grad!.index(0, 0, 1, 1).item() as number)) < 1e-2);
});
