import assert from 'node:assert/strict';
import { test } from 'node:test';

import { torch } from '../../src/index.js';
import { assertValues } from '../helpers.js';

test('tensor() infers shape and dtype from nested arrays as PyTorch', () => {
  const f = torch.tensor([[1.5, 2], [3, 4]]);
  assert.deepEqual(f.shape, [2, 2]);
  assert.equal(f.dtype, 'float32');
  assert.equal(torch.tensor([[1, 2], [3, 4]]).dtype, 'int64');
  assert.equal(torch.tensor([true, false]).dtype, 'bool');
  assert.equal(torch.tensor(3.5).shape.length, 0);
  assert.equal(torch.tensor(3.5).item(), 3.5);
  assert.deepEqual(torch.tensor([[true, false]]).tolist(), [[true, false]]);
  assert.deepEqual(torch.tensor([1, 2, 3], { dtype: 'float64' }).tolist(), [1, 2, 3]);
  assert.equal(torch.tensor([1, 2], { dtype: 'float16' }).dtype, 'float16');
  assertValues(torch.tensor([0.1, 1 / 3], { dtype: 'bfloat16' }), [0.10009765625, 0.333984375], 0);
});

test('tensor() from a TypedArray with a shape, and back', () => {
  const data = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = torch.tensor(data, { shape: [2, 3] });
  assert.deepEqual(t.shape, [2, 3]);
  assert.deepEqual(t.tolist(), [[1, 2, 3], [4, 5, 6]]);
  data[0] = 100; // tensor() copies
  assert.equal(t.index(0, 0).item(), 1);
  assert.deepEqual([...(t.toTypedArray() as Float32Array)], [1, 2, 3, 4, 5, 6]);
  const big = torch.tensor(new BigInt64Array([1n, -2n]));
  assert.equal(big.dtype, 'int64');
  assert.deepEqual([...(big.toTypedArray() as BigInt64Array)], [1n, -2n]);
  assert.equal(torch.tensor(new Uint8Array([1, 0]), { dtype: 'bool' }).dtype, 'bool');
});

test('frombuffer() shares memory with the array, both ways', () => {
  const data = new Float32Array([1, 2, 3, 4]);
  const t = torch.frombuffer(data, { shape: [2, 2] });
  data[3] = 40;
  assert.equal(t.index(1, 1).item(), 40);
  t.mul_(2);
  assert.deepEqual([...data], [2, 4, 6, 80]);
  assert.equal(torch.frombuffer(Buffer.from([1, 2, 3])).dtype, 'uint8');
  assert.throws(() => torch.frombuffer(new Uint8Array(3), { dtype: 'float32' }), /3 bytes is not a whole number of float32/);
});

test('constant fills, ranges and eye', () => {
  assertValues(torch.zeros([2, 2]), [[0, 0], [0, 0]]);
  assertValues(torch.ones(3), [1, 1, 1]);
  assert.equal(torch.full([2], 7).dtype, 'int64');
  assert.equal(torch.full([2], 0.5).dtype, 'float32');
  assert.equal(torch.full([2], true).dtype, 'bool');
  assert.deepEqual(torch.arange(5).tolist(), [0, 1, 2, 3, 4]);
  assert.equal(torch.arange(5).dtype, 'int64');
  assertValues(torch.arange(0, 1, 0.25), [0, 0.25, 0.5, 0.75]);
  assertValues(torch.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assertValues(torch.eye(2, 3), [[1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(torch.empty([3, 0]).shape, [3, 0]);
  const like = torch.onesLike(torch.zeros([2, 3], { dtype: 'float64' }));
  assert.equal(like.dtype, 'float64');
  assert.deepEqual(like.shape, [2, 3]);
  assertValues(torch.fullLike(like, 2), [[2, 2, 2], [2, 2, 2]]);
  assert.equal(torch.zerosLike(like, { dtype: 'int32' }).dtype, 'int32');
});

test('random draws have the right ranges, dtypes and seeding', () => {
  torch.manualSeed(1);
  const r = torch.rand([1000]);
  assert.ok((r.min().item() as number) >= 0 && (r.max().item() as number) < 1);
  const n = torch.randn([10000]);
  assert.ok(Math.abs(n.mean().item() as number) < 0.05 && Math.abs((n.std().item() as number) - 1) < 0.05);
  const i = torch.randint(3, 7, [1000]);
  assert.equal(i.dtype, 'int64');
  assert.ok((i.min().item() as number) >= 3 && (i.max().item() as number) <= 6);
  assert.deepEqual(torch.randint(5, [3]).shape, [3]);
  assert.deepEqual(torch.randperm(6).sort().values.tolist(), [0, 1, 2, 3, 4, 5]);
  torch.manualSeed(7);
  const a = torch.randn([5]).tolist();
  torch.manualSeed(7);
  assert.deepEqual(torch.randn([5]).tolist(), a);
  const state = torch.getRngState();
  const b = torch.rand([3]).tolist();
  torch.setRngState(state);
  assert.deepEqual(torch.rand([3]).tolist(), b);
});

test('bad creation arguments fail in TypeScript with a clear message', () => {
  assert.throws(() => torch.zeros([2, -1]), /zeros\(\): size 1 of shape \[2, -1\] must be a non-negative integer/);
  assert.throws(() => torch.ones([1.5]), /size 0 .* must be a non-negative integer, got 1.5/);
  assert.throws(() => torch.zeros('3' as never), /the shape must be an array/);
  assert.throws(() => torch.tensor([[1, 2], [3]]), /nested arrays must be rectangular; \[1\] has 1 elements where 2 were expected/);
  assert.throws(() => torch.tensor([1, 'a'] as never), /element \[1\] is "a"/);
  assert.throws(() => torch.tensor([1], { dtype: 'float' as never }), /unknown dtype "float"/);
  assert.throws(() => torch.tensor(new Float32Array(4), { shape: [3] }), /shape \[3\] holds 3 elements but the Float32Array has 4/);
  assert.throws(() => torch.arange(0, 5, 0), /step must not be zero/);
  assert.throws(() => torch.arange(5, 0, 1), /goes away from end/);
  assert.throws(() => torch.randint(5, 5, [2]), /high \(5\) must be greater than low \(5\)/);
  assert.throws(() => torch.eye(-1), /n must be at least 0/);
});

test('conversions: to(), item(), tolist(), toTypedArray()', () => {
  const t = torch.tensor([[1.7, -2.2]]);
  assert.deepEqual(t.to('int32').tolist(), [[1, -2]]);
  assert.equal(t.to({ dtype: 'float64' }).dtype, 'float64');
  assert.equal(t.to(torch.zeros([1], { dtype: 'float16' })).dtype, 'float16');
  assert.ok(t.half().toTypedArray() instanceof Float32Array);
  assert.equal(t.index(0, 1).item(), t.toTypedArray()[1]);
  assert.throws(() => t.item(), /the tensor has 2 elements/);
  assert.equal(t.device, 'cpu');
  assert.equal(t.clone().to('cpu').device, 'cpu');
});
