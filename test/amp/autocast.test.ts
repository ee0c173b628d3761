import assert from 'node:assert/strict';
import { test } from 'node:test';

import { F, torch } from '../../src/index.js';
import { noReference, reference } from './pytorch-reference.js';

const noCuda = torch.cuda.isAvailable() ? false : 'CUDA is not available to this libtorch';

test('bf16 autocast on the CPU gives PyTorch\'s dtypes and values for conv2d, linear, softmax and cross entropy', { skip: noReference }, () => {
  const ref = reference!.autocast_cpu;
  torch.tidy(() => {
    const input = ref.inputs;
    const x = torch.tensor(input.x).reshape([4, 3, 8, 8]);
    const w = torch.tensor(input.w).reshape([5, 3, 3, 3]);
    const t = torch.tensor(input.t, { dtype: 'int64' });
    const out = torch.autocast('cpu', { dtype: 'bfloat16' }, () => {
      const conv2d = F.conv2d(x, w, torch.tensor(input.b), { padding: 1 });
      const linear = F.linear(conv2d.flatten(1), torch.tensor(input.lw).reshape([10, 320]), torch.tensor(input.lb));
      return { conv2d, linear, softmax: F.softmax(linear, 1), cross_entropy: F.crossEntropy(linear, t) };
    });
    for (const [name, value] of Object.entries(out)) {
      assert.equal(value.dtype, ref[name].dtype, name);
      assert.deepEqual(value.shape, ref[name].shape, name);
      // bfloat16 keeps 8 significant bits: one rounding step is 2^-8 of the value. Both run the same libtorch kernels.
      const ours = Array.from(value.toTypedArray() as Float32Array);
      ours.forEach((v, i) => assert.ok(Math.abs(v - ref[name].values[i]) <= 2 ** -8 * Math.abs(ref[name].values[i]) + 1e-6, `${name}[${i}]: ${v} vs ${ref[name].values[i]}`));
    }
    // Outside the scope, the same ops run in float32 again.
    assert.equal(F.conv2d(x, w).dtype, 'float32');
  });
});

test('autocast restores the previous state after the scope, when fn throws, and nests as PyTorch\'s', () => {
  assert.equal(torch.isAutocastEnabled('cpu'), false);
  const x = torch.randn([2, 4]);
  const w = torch.randn([3, 4]);
  torch.autocast('cpu', {}, () => {
    assert.equal(torch.isAutocastEnabled('cpu'), true);
    assert.equal(torch.getAutocastDtype('cpu'), 'bfloat16');
    torch.autocast('cpu', { enabled: false }, () => {
      assert.equal(torch.isAutocastEnabled('cpu'), false);
      assert.equal(F.linear(x, w).dtype, 'float32');
    });
    assert.equal(torch.isAutocastEnabled('cpu'), true);
    assert.equal(F.linear(x, w).dtype, 'bfloat16');
  });
  assert.equal(torch.isAutocastEnabled('cpu'), false);
  assert.throws(() => torch.autocast('cpu', {}, () => { throw new Error('inside'); }), /inside/);
  assert.equal(torch.isAutocastEnabled('cpu'), false);
  assert.throws(() => torch.autocast('cpu', {}, async () => 1), /cannot span an await/);
  assert.equal(torch.isAutocastEnabled('cpu'), false);
  x.dispose();
  w.dispose();
});

test('autocast refuses what libtorch cannot run: float16 on the CPU, an unknown device type', () => {
  assert.throws(() => torch.autocast('cpu', { dtype: 'float16' }, () => 0), /on the CPU libtorch autocasts to bfloat16 only/);
  assert.throws(() => torch.autocast('mps' as never, {}, () => 0), /device type must be 'cpu' or 'cuda'/);
  assert.equal(torch.isAutocastEnabled('cpu'), false);
});

test('without CUDA, CUDA autocast is a clear error', { skip: !noCuda }, () => {
  assert.throws(() => torch.autocast('cuda', {}, () => 0), /CUDA is not available/);
  assert.equal(torch.isAutocastEnabled('cuda'), false);
});

test('on CUDA: float16 and bfloat16 autocast give low-precision convolutions and float32 losses', { skip: noCuda }, () => {
  torch.tidy(() => {
    const x = torch.randn([4, 3, 8, 8], { device: 'cuda' });
    const w = torch.randn([5, 3, 3, 3], { device: 'cuda' });
    const t = torch.randint(0, 5, [4], { device: 'cuda' });
    for (const dtype of ['float16', 'bfloat16'] as const) {
      torch.autocast('cuda', { dtype }, () => {
        const logits = F.adaptiveAvgPool2d(F.conv2d(x, w), 1).flatten(1);
        assert.equal(F.conv2d(x, w).dtype, dtype);
        assert.equal(F.crossEntropy(logits, t).dtype, 'float32');
        assert.equal(F.softmax(logits, 1).dtype, 'float32');
      });
    }
  });
});
