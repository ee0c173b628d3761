// clipGradNorm_ and clipGradValue_ against torch.nn.utils (PyTorch 1.13): the returned norm and the clipped gradients.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { torch } from '../../src/index.js';
import { clipGradNorm_, clipGradValue_ } from '../../src/optim/index.js';
import { assertClose, grad, param, pytorchSkip, reference, values, type ParamSpec } from './reference.js';

const PARAMS: ParamSpec[] = [
  { shape: [2, 3], values: values(6, 1) },
  { shape: [4], values: values(4, 2) },
  { shape: [3], values: values(3, 3) },
];
/** The third parameter has no gradient and must be left out of the norm. */
const GRADS = [values(6, 4, 2), values(4, 5, 3), null];

// JSON has no Infinity: the reference reads normType with float(), which takes 'inf'.
const CASES = [
  { name: 'L2 norm above maxNorm is scaled down', kind: 'norm', maxNorm: 1, normType: 2 },
  { name: 'L2 norm below maxNorm is left alone', kind: 'norm', maxNorm: 100, normType: 2 },
  { name: 'L1 norm', kind: 'norm', maxNorm: 2, normType: 1 },
  { name: 'L3 norm', kind: 'norm', maxNorm: 0.5, normType: 3 },
  { name: 'infinity norm', kind: 'norm', maxNorm: 0.5, normType: 'inf' },
  { name: 'clipGradValue_', kind: 'value', clipValue: 0.7 },
] as const;

const expected = reference({ clip: CASES.map((c) => ({ ...c, params: PARAMS, grads: GRADS })) })?.clip;

for (const c of CASES) {
  test(`${c.name} matches PyTorch`, { skip: pytorchSkip }, () => {
    const params = PARAMS.map(param);
    params.forEach((p, i) => { p.grad = GRADS[i] === null ? null : grad(GRADS[i]!, p); });
    if (c.kind === 'norm') {
      const norm = clipGradNorm_(params, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
      assert.equal(typeof norm, 'number');
      assertClose(norm, expected[c.name].norm, 1e-5 * expected[c.name].norm, `${c.name}: total norm`);
    } else {
      clipGradValue_(params, c.clipValue);
    }
    assertClose(params.slice(0, 2).map((p) => p.grad!.tolist()), expected[c.name].grads.slice(0, 2), 1e-6, `${c.name}: gradients`);
    assert.equal(params[2].grad, null);
  });
}

test('clipping without gradients returns 0 and accepts a single tensor', () => {
  const p = torch.ones([3], { requiresGrad: true });
  assert.equal(clipGradNorm_([p], 1), 0);
  assert.equal(clipGradNorm_(p, 1), 0);
  p.grad = torch.tensor([3, 4, 0], { dtype: 'float32' });
  assert.ok(Math.abs(clipGradNorm_(p, 1) - 5) < 1e-6);
  assert.ok(Math.abs((p.grad!.norm().item() as number) - 1) < 1e-5);
  clipGradValue_(p, 0.1);
  assertClose(p.grad!.tolist(), [0.1, 0.1, 0], 1e-7, "clipGradValue_");
});

test('clipping refuses bad arguments', () => {
  const p = torch.ones([3], { requiresGrad: true });
  assert.throws(() => clipGradNorm_([p], -1), /clipGradNorm_: maxNorm must be a non-negative number, got -1/);
  assert.throws(() => clipGradNorm_([p], 1, NaN), /clipGradNorm_: normType must be a number, got NaN/);
  assert.throws(() => clipGradNorm_([p, 3] as never, 1), /clipGradNorm_: params\[1\] is not a tensor, got 3/);
  assert.throws(() => clipGradValue_('w' as never, 1), /clipGradValue_: params must be a tensor or an array of tensors, got "w"/);
  assert.throws(() => clipGradValue_([p], -0.5), /clipGradValue_: clipValue must be a non-negative number, got -0.5/);
});
