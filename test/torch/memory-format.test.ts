import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { F, nn, torch } from '../../src/index.js';

const script = fileURLToPath(new URL('../../../test/torch/memory_format_reference.py', import.meta.url));
const python = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8' });
const reference = python.status === 0 ? JSON.parse(python.stdout) : null;
const noReference = reference ? false : `no PyTorch for /usr/bin/python3: ${python.stderr.trim().split('\n').pop()}`;

test('channels_last gives the NHWC strides PyTorch reports for the same shapes, and conv keeps them', { skip: noReference }, () => {
  torch.tidy(() => {
    reference.shapes.forEach((shape: number[], i: number) => {
      const t = torch.randn(shape).contiguous('channels_last');
      assert.deepEqual(t.stride(), reference.strides[i], `shape ${shape}`);
      assert.deepEqual(t.shape, shape);
      assert.equal(t.isContiguous('channels_last'), true);
    });
    const x = torch.randn([2, 3, 8, 8]).contiguous('channels_last');
    const w = torch.randn([4, 3, 3, 3]).contiguous('channels_last');
    assert.deepEqual(F.conv2d(x, w, null, { padding: 1 }).stride(), reference.conv_output_stride);
  });
});

test('a channels_last model on channels_last inputs gives the outputs and gradients of the contiguous one', () => {
  torch.manualSeed(0);
  const model = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 4, 3), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 5));
  const x = torch.randn([4, 3, 16, 16]);
  const run = () => torch.tidy(() => {
    for (const p of model.parameters()) p.grad = null;
    const input = model.parameters()[0].isContiguous() ? x : x.contiguous('channels_last');
    const out = model.forward(input);
    out.square().sum().backward();
    return { out: torch.keep(out.detach()), grad: torch.keep(model.parameters()[0].grad!.contiguous()) };
  });
  const plain = run();
  model.toMemoryFormat('channels_last');
  const weight = model.parameters()[0];
  assert.equal(weight.isContiguous('channels_last'), true);
  assert.equal(weight.isContiguous(), false);
  assert.deepEqual(weight.stride(), [27, 1, 9, 3]);
  assert.equal(model.parameters().at(-1)!.isContiguous(), true); // the linear layer's 2-d weight is left alone
  const nhwc = run();
  assert.ok(nhwc.out.allclose(plain.out, 1e-4, 1e-5), 'outputs');
  assert.ok(nhwc.grad.allclose(plain.grad, 1e-4, 1e-5), 'gradients');
  model.toMemoryFormat('contiguous');
  assert.equal(weight.isContiguous(), true);
  assert.throws(() => x.contiguous('nhwc' as never), /memory format must be/);
  torch.dispose([plain, nhwc, x]);
});

test('pinned memory needs CUDA; a non-blocking copy goes with a device alone', () => {
  const t = torch.ones([3]);
  if (!torch.cuda.isAvailable()) assert.throws(() => t.pinMemory(), /page-locked memory needs CUDA/);
  assert.equal(t.isPinned(), false);
  assert.throws(() => t.to({ dtype: 'float64', device: 'cpu', nonBlocking: true }), /nonBlocking goes with a device alone/);
  const copy = t.to({ device: 'cpu', nonBlocking: true });
  assert.deepEqual(copy.tolist(), [1, 1, 1]);
  torch.dispose([t, copy]);
});
