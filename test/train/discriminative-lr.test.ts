import assert from 'node:assert/strict';
import { test } from 'node:test';

import { lectureCnn, resnet20 } from '../../src/models/index.js';
import { Adam } from '../../src/optim/adam.js';
import { evenMults, paramGroupsFor } from '../../src/train/index.js';

const close = (actual: number[], expected: number[]) =>
  actual.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) <= 1e-12 * expected[i], `${i}: ${x} vs ${expected[i]}`));

test("evenMults spaces numbers geometrically, as fastai's even_mults", () => {
  close(evenMults(1e-5, 1e-3, 3), [1e-5, 1e-4, 1e-3]);
  close(evenMults(1, 16, 5), [1, 2, 4, 8, 16]);
  close(evenMults(2, 2, 4), [2, 2, 2, 2]);
  assert.deepEqual(evenMults(1, 5, 1), [5]);
  assert.throws(() => evenMults(0, 1, 3), /^RangeError: evenMults: start and stop must be positive, got 0 and 1/);
  assert.throws(() => evenMults(1, 2, 0), /^RangeError: evenMults: n must be a positive integer, got 0/);
});

test('paramGroupsFor gives one optimizer group per layer group with slice(lo, hi) rates', () => {
  const model = resnet20();
  const groups = paramGroupsFor(model, { lr: [1e-5, 1e-3] });
  close(groups.map((g) => g.lr), [1e-5, 1e-4, 1e-3]);
  assert.deepEqual(groups.map((g) => g.params.length), [3 + 18, 2 * 21, 2]); // conv1 + bn1 + layer1 (3 blocks of 6); layer2 + layer3 (with 1×1 shortcuts); fc
  assert.equal(groups.flatMap((g) => g.params).length, model.parameters().length);
  const optimizer = new Adam(groups, { lr: 1 });
  close(optimizer.paramGroups.map((g) => g.lr), [1e-5, 1e-4, 1e-3]);
  optimizer.dispose();
  assert.deepEqual(paramGroupsFor(model, { lr: 0.01 }).map((g) => g.lr), [0.01, 0.01, 0.01]);
  model.dispose();
});

test('paramGroupsFor: bad rates are refused', () => {
  const model = lectureCnn();
  for (const lr of [0, -1, [1e-3, 1e-5], [1e-3], 'fast'] as never[]) {
    assert.throws(() => paramGroupsFor(model, { lr }), /^RangeError: paramGroupsFor: lr must be a positive number or \[lo, hi\] with 0 < lo <= hi, got/);
  }
  model.dispose();
});
