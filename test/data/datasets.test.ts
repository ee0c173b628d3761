import assert from 'node:assert/strict';
import { test } from 'node:test';

import { defaultCollate, randomSplit, Subset, TensorDataset } from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';

const inputs = torch.arange(20, undefined, 1, { dtype: 'float32' }).reshape(10, 2);
const targets = torch.arange(10);
const data = new TensorDataset(inputs, targets);

test('TensorDataset gives row i of inputs and targets', () => {
  assert.equal(data.length, 10);
  const { input, target } = data.get(3);
  assert.deepEqual(input.tolist(), [6, 7]);
  assert.equal((target as torch.Tensor).item(), 3);
  torch.dispose([input, target]);
  assert.throws(() => data.get(10), /TensorDataset\.get\(\): index 10 is out of range for 10 samples/);
  assert.throws(() => new TensorDataset(inputs, torch.arange(9)), /TensorDataset: inputs hold 10 samples but targets hold 9/);
});

test('Subset maps its indices onto the dataset and refuses indices that are not samples', () => {
  const subset = new Subset(data, [9, 0, 4]);
  assert.equal(subset.length, 3);
  assert.equal((subset.get(0).target as torch.Tensor).item(), 9);
  assert.equal((subset.get(2).target as torch.Tensor).item(), 4);
  assert.throws(() => subset.get(3), /Subset\.get\(\): index 3 is out of range for 3 samples/);
  assert.throws(() => new Subset(data, [1, 10]), /Subset: index 10 \(at position 1\) is not a sample of the 10-sample TensorDataset/);
  assert.throws(() => new Subset(data, [1.5]), /Subset: index 1\.5/);
});

const indicesOf = (s: Subset) => [...s.indices];

test('randomSplit: disjoint subsets covering the dataset, the same for the same seed whatever torch.manualSeed says', () => {
  torch.manualSeed(1);
  const [a, b] = randomSplit(data, [7, 3], { seed: 42 });
  assert.deepEqual([a.length, b.length], [7, 3]);
  assert.deepEqual([...indicesOf(a), ...indicesOf(b)].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  torch.manualSeed(2);
  const [a2, b2] = randomSplit(data, [7, 3], { seed: 42 });
  assert.deepEqual([indicesOf(a2), indicesOf(b2)], [indicesOf(a), indicesOf(b)]);
  const [a3] = randomSplit(data, [7, 3], { seed: 43 });
  assert.notDeepEqual(indicesOf(a3), indicesOf(a));
  // Without a seed, torch.manualSeed decides.
  torch.manualSeed(7);
  const [u1] = randomSplit(data, [5, 5]);
  torch.manualSeed(7);
  const [u2] = randomSplit(data, [5, 5]);
  assert.deepEqual(indicesOf(u1), indicesOf(u2));
});

test('randomSplit takes fractions, giving leftover samples to the first splits as PyTorch does', () => {
  assert.deepEqual(randomSplit(data, [0.5, 0.3, 0.2], { seed: 0 }).map((s) => s.length), [5, 3, 2]);
  assert.deepEqual(randomSplit(data, [0.33, 0.33, 0.34], { seed: 0 }).map((s) => s.length), [4, 3, 3]);
  assert.throws(() => randomSplit(data, [6, 3], { seed: 0 }), /randomSplit\(TensorDataset\): lengths \[6,3\] sum to 9; give counts that sum to the dataset's 10 samples, or fractions that sum to 1/);
  assert.throws(() => randomSplit(data, [0.5, 0.5], { seed: 1.5 }), /randomSplit\(\): seed must be an integer, got 1\.5/);
});

test('defaultCollate stacks inputs; integer targets become int64, other numbers float32, tensors are stacked', () => {
  const x = [torch.zeros([2, 3]), torch.ones([2, 3])];
  const ints = defaultCollate([{ input: x[0], target: 1 }, { input: x[1], target: 4 }]);
  assert.deepEqual(ints.inputs.shape, [2, 2, 3]);
  assert.equal(ints.targets.dtype, 'int64');
  assert.deepEqual(ints.targets.tolist(), [1, 4]);
  const floats = defaultCollate([{ input: x[0], target: 0.5 }, { input: x[1], target: 2 }]);
  assert.equal(floats.targets.dtype, 'float32');
  const stacked = defaultCollate([{ input: x[0], target: torch.tensor([1, 2]) }, { input: x[1], target: torch.tensor([3, 4]) }]);
  assert.deepEqual(stacked.targets.tolist(), [[1, 2], [3, 4]]);
  assert.throws(() => defaultCollate([{ input: x[0], target: 1 }, [x[1], 2] as never]), /defaultCollate: sample 1 is not \{input: Tensor, target: Tensor \| number\}/);
});
