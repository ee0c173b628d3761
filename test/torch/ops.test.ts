import assert from 'node:assert/strict';
import { test } from 'node:test';

import { torch } from '../../src/index.js';
import { assertValues } from '../helpers.js';

const m = () => torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });

test('arithmetic broadcasts and promotes scalars as Python does', () => {
  assertValues(m().add(torch.tensor([10, 20, 30], { dtype: 'float32' })), [[11, 22, 33], [14, 25, 36]]);
  assertValues(m().sub(1, 2), [[-1, 0, 1], [2, 3, 4]]);
  assertValues(m().mul(m()), [[1, 4, 9], [16, 25, 36]]);
  assertValues(m().div(2), [[0.5, 1, 1.5], [2, 2.5, 3]]);
  assertValues(m().pow(2), [[1, 4, 9], [16, 25, 36]]);
  assertValues(m().rsub(1), [[0, -1, -2], [-3, -4, -5]]);
  const ints = torch.tensor([7, -7]);
  assert.equal(ints.add(1).dtype, 'int64'); // an integral scalar keeps the integer dtype
  assert.equal(ints.add(1.5).dtype, 'float32'); // a fractional one promotes to the default float
  assert.deepEqual(ints.div(2, 'floor').tolist(), [3, -4]);
  assert.deepEqual(ints.remainder(3).tolist(), [1, 2]);
  assert.equal(torch.tensor([1], { dtype: 'float64' }).mul(2.5).dtype, 'float64');
  assertValues(m().clamp(2, 5), [[2, 2, 3], [4, 5, 5]]);
  assertValues(m().clamp(null, 2), [[1, 2, 2], [2, 2, 2]]);
  assertValues(m().maximum(torch.tensor(3.5)), [[3.5, 3.5, 3.5], [4, 5, 6]]);
});

test('comparisons, logic and where', () => {
  assert.deepEqual(m().gt(3).tolist(), [[false, false, false], [true, true, true]]);
  assert.deepEqual(m().eq(m().t().t()).all().item(), true);
  assert.deepEqual(m().le(2).logicalOr(m().ge(6)).tolist(), [[true, true, false], [false, false, true]]);
  assertValues(torch.where(m().gt(3), m(), 0), [[0, 0, 0], [4, 5, 6]]);
  assert.ok(m().allclose(m().add(1e-7)));
  assert.ok(!m().allclose(m().add(1e-3)));
});

test('elementwise math and activations', () => {
  const x = torch.tensor([-2, -0.5, 0, 0.5, 2]);
  assertValues(x.relu(), [0, 0, 0, 0.5, 2]);
  assertValues(x.leakyRelu(0.1), [-0.2, -0.05, 0, 0.5, 2]);
  assertValues(x.sigmoid(), [-2, -0.5, 0, 0.5, 2].map((v) => 1 / (1 + Math.exp(-v))));
  assertValues(x.tanh(), [-2, -0.5, 0, 0.5, 2].map(Math.tanh));
  assertValues(x.silu(), [-2, -0.5, 0, 0.5, 2].map((v) => v / (1 + Math.exp(-v))));
  assertValues(x.hardsigmoid(), [-2, -0.5, 0, 0.5, 2].map((v) => Math.min(Math.max(v / 6 + 0.5, 0), 1)));
  assertValues(x.hardswish(), [-2, -0.5, 0, 0.5, 2].map((v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6));
  assertValues(x.abs().exp().log(), [2, 0.5, 0, 0.5, 2], 1e-6);
  assertValues(torch.tensor([4, 9]).float().sqrt(), [2, 3]);
  assertValues(torch.tensor([1.5, -1.5]).floor(), [1, -2]);
  assertValues(torch.tensor([0, 1]).float().gelu(), [0, 0.8413447]);
});

test('reductions with dims, keepdim and indices', () => {
  assertValues(m().sum(), 21);
  assertValues(m().sum(0), [5, 7, 9]);
  assertValues(m().sum(1, true), [[6], [15]]);
  assertValues(m().mean([0, 1]), 3.5);
  const { values, indices } = m().max(1);
  assertValues(values, [3, 6]);
  assert.deepEqual(indices.tolist(), [2, 2]);
  assert.deepEqual(m().min(0).indices.tolist(), [0, 0, 0]);
  assert.equal(m().argmax().item(), 5);
  assertValues(m().var(1), [1, 1]); // unbiased, as PyTorch
  assertValues(m().var(1, false), [2 / 3, 2 / 3]);
  assertValues(m().std(), Math.sqrt(3.5));
  assertValues(m().logsumexp(1), [Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), Math.log(Math.exp(4) + Math.exp(5) + Math.exp(6))], 1e-5);
  assertValues(m().prod(1), [6, 120]);
  assertValues(m().cumsum(1), [[1, 3, 6], [4, 9, 15]]);
  assertValues(m().norm(), Math.sqrt(91), 1e-5);
});

test('matrix products and linear algebra', () => {
  assertValues(m().matmul(m().t()), [[14, 32], [32, 77]]);
  assertValues(m().mm(torch.ones([3, 1])), [[6], [15]]);
  assertValues(torch.stack([m(), m()]).bmm(torch.ones([2, 3, 1])), [[[6], [15]], [[6], [15]]]);
  const a = torch.tensor([[4, 1], [2, 3]], { dtype: 'float64' });
  assertValues(torch.linalg.inv(a), [[0.3, -0.1], [-0.2, 0.4]], 1e-12);
  assertValues(torch.linalg.det(a), 10, 1e-12);
  const { U, S, Vh } = torch.linalg.svd(m(), { fullMatrices: false });
  assertValues(U.mul(S.unsqueeze(0)).matmul(Vh), m().tolist(), 1e-5);
  const sym = torch.tensor([[2, 1], [1, 2]], { dtype: 'float64' });
  const { eigenvalues, eigenvectors } = torch.linalg.eigh(sym);
  assertValues(eigenvalues, [1, 3], 1e-12);
  assertValues(eigenvectors.abs(), [[Math.SQRT1_2, Math.SQRT1_2], [Math.SQRT1_2, Math.SQRT1_2]], 1e-12);
  // Rows are variables, columns observations, as torch.cov.
  assertValues(torch.cov(torch.tensor([[1, 2, 3], [2, 4, 6]], { dtype: 'float64' })), [[1, 2], [2, 4]], 1e-12);
});

test('shape ops', () => {
  const t = torch.arange(24).reshape(2, 3, 4);
  assert.deepEqual(t.shape, [2, 3, 4]);
  assert.deepEqual(t.view([6, 4]).shape, [6, 4]);
  assert.deepEqual(t.reshape(-1).shape, [24]);
  assert.deepEqual(t.permute(2, 0, 1).shape, [4, 2, 3]);
  assert.deepEqual(t.transpose(0, 2).shape, [4, 3, 2]);
  assert.deepEqual(t.unsqueeze(1).shape, [2, 1, 3, 4]);
  assert.deepEqual(t.unsqueeze(0).squeeze().shape, [2, 3, 4]);
  assert.deepEqual(t.flatten(1).shape, [2, 12]);
  assert.deepEqual(torch.ones([3, 1]).expand(3, 5).shape, [3, 5]);
  assert.deepEqual(torch.tensor([1, 2]).repeat(2, 2).tolist(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
  assert.deepEqual(torch.cat([torch.zeros([1, 2]), torch.ones([2, 2])]).shape, [3, 2]);
  assert.deepEqual(torch.stack([torch.zeros([2]), torch.ones([2])], 1).tolist(), [[0, 1], [0, 1]]);
  assert.deepEqual(torch.arange(5).split(2).map((p) => p.tolist()), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(torch.arange(5).split([1, 4]).map((p) => p.shape[0]), [1, 4]);
  assert.deepEqual(torch.arange(6).chunk(3).map((p) => p.tolist()), [[0, 1], [2, 3], [4, 5]]);
  assert.deepEqual(torch.arange(4).flip(0).tolist(), [3, 2, 1, 0]);
  assert.deepEqual(torch.arange(4).roll(1).tolist(), [3, 0, 1, 2]);
  assert.deepEqual(torch.arange(6).reshape(2, 3).roll(1, 1).tolist(), [[2, 0, 1], [5, 3, 4]]);
  assert.deepEqual(torch.arange(10).narrow(0, 2, 3).tolist(), [2, 3, 4]);
  assert.ok(!t.transpose(0, 1).isContiguous() && t.transpose(0, 1).contiguous().isContiguous());
});

test('indexing: integers, slices with steps, null, ellipsis, masks and index tensors', () => {
  const t = torch.arange(24).reshape(2, 3, 4);
  assert.deepEqual(t.index(1, 2).tolist(), [20, 21, 22, 23]);
  assert.deepEqual(t.index(0, ':', '1:3').tolist(), [[1, 2], [5, 6], [9, 10]]);
  assert.deepEqual(t.index(0, 0, '::2').tolist(), [0, 2]);
  assert.deepEqual(t.index(-1, -1, torch.slice(-2)).tolist(), [22, 23]);
  assert.deepEqual(t.index('...', 0).tolist(), [[0, 4, 8], [12, 16, 20]]);
  assert.deepEqual(t.index(null).shape, [1, 2, 3, 4]);
  const v = torch.arange(6);
  assert.deepEqual(v.index(v.gt(3)).tolist(), [4, 5]);
  assert.deepEqual(v.index(torch.tensor([5, 0])).tolist(), [5, 0]);
  v.indexPut_([torch.slice(1, 3)], 9);
  assert.deepEqual(v.tolist(), [0, 9, 9, 3, 4, 5]);
  v.indexPut_([v.eq(9)], torch.tensor([7, 8]));
  assert.deepEqual(v.tolist(), [0, 7, 8, 3, 4, 5]);
  assert.deepEqual(v.indexSelect(0, torch.tensor([1, 1])).tolist(), [7, 7]);
  const g = torch.tensor([[1, 2], [3, 4]]);
  assert.deepEqual(g.gather(1, torch.tensor([[1], [0]])).tolist(), [[2], [3]]);
  assert.deepEqual(torch.zeros([2, 3]).scatter(1, torch.tensor([[2], [0]]), 1).tolist(), [[0, 0, 1], [1, 0, 0]]);
  assert.deepEqual(g.maskedFill(g.gt(2), 0).tolist(), [[1, 2], [0, 0]]);
  assert.deepEqual(g.maskedSelect(g.gt(2)).tolist(), [3, 4]);
  assert.throws(() => t.index('1:2:3:4'), /not a slice/);
  assert.throws(() => t.index(5), /index 5 is out of bounds for dimension 0 with size 2/);
});

test('sort, topk, oneHot and multinomial', () => {
  const t = torch.tensor([3, 1, 2]);
  const { values, indices } = t.sort();
  assert.deepEqual(values.tolist(), [1, 2, 3]);
  assert.deepEqual(indices.tolist(), [1, 2, 0]);
  assert.deepEqual(t.sort(0, true).values.tolist(), [3, 2, 1]);
  assert.deepEqual(t.argsort().tolist(), [1, 2, 0]);
  assert.deepEqual(t.topk(2).values.tolist(), [3, 2]);
  assert.deepEqual(torch.oneHot(torch.tensor([0, 2]), 3).tolist(), [[1, 0, 0], [0, 0, 1]]);
  torch.manualSeed(0);
  const draws = torch.tensor([0, 0, 1, 0], { dtype: 'float32' }).multinomial(5, true);
  assert.deepEqual(draws.tolist(), [2, 2, 2, 2, 2]);
});

test('in-place ops change the tensor and return the same object', () => {
  const t = torch.zeros([3]);
  assert.equal(t.add_(1), t);
  t.mul_(3).sub_(1).div_(2);
  assert.deepEqual(t.tolist(), [1, 1, 1]);
  t.copy_(torch.tensor([1, 2, 3]));
  assertValues(t, [1, 2, 3]);
  t.addcmul_(t, t, 0.5);
  assertValues(t, [1.5, 4, 7.5]);
  t.clamp_(2, 5).zero_().fill_(4);
  assertValues(t, [4, 4, 4]);
  torch.manualSeed(3);
  const u = torch.empty([1000]).uniform_(-1, 1);
  assert.ok((u.min().item() as number) >= -1 && (u.max().item() as number) <= 1);
  const n = torch.empty([1000]).normal_(5, 0.1);
  assert.ok(Math.abs((n.mean().item() as number) - 5) < 0.02);
});

test('toString prints like PyTorch', () => {
  assert.equal(torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' }).toString(), 'tensor([[1., 2.],\n        [3., 4.]])');
  assert.equal(torch.tensor([1, 2, 3]).toString(), 'tensor([1, 2, 3])');
  assert.equal(torch.tensor([0.5, 1e-5]).toString(), 'tensor([5.0000e-01, 1.0000e-05])');
  assert.equal(torch.tensor([1.5], { dtype: 'float64' }).toString(), 'tensor([1.5000], dtype=torch.float64)');
  assert.equal(torch.ones([2], { requiresGrad: true }).toString(), 'tensor([1., 1.], requires_grad=True)');
});
