import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { nn, torch } from '../../src/index.js';
import { assertValues } from '../helpers.js';

const script = fileURLToPath(new URL('../../../test/nn/attention_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8' });
const reference = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = reference ? false : `no PyTorch for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

for (const [name, batchFirst] of [['self', true], ['cross', false]] as const) {
  test(`MultiheadAttention: PyTorch's ${name}-attention output from PyTorch's state dict (batchFirst ${batchFirst})`, { skip: noReference }, () => {
    const expected = reference[name];
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst }).eval();
    assert.deepEqual(Object.keys(mha.stateDict()), Object.keys(expected.state));
    torch.tidy(() => {
      mha.loadStateDict(Object.fromEntries(Object.entries(expected.state).map(([k, v]) => [k, torch.tensor(v as number[])])));
      const query = torch.tensor(expected.query);
      const output = name === 'self' ? mha.forward(query) : mha.forward(query, torch.tensor(expected.key), torch.tensor(expected.value));
      assertValues(output, expected.output, 1e-5);
    });
  });
}

test('MultiheadAttention: initialization as PyTorch, attention dropout only in training, no leaks, bad arguments', () => {
  const mha = new nn.MultiheadAttention(16, 4, { dropout: 0.5, batchFirst: true });
  assert.deepEqual(mha.in_proj_weight.shape, [48, 16]);
  assert.equal(torch.tidy(() => mha.in_proj_bias!.abs().sum().item()), 0);
  assert.equal(torch.tidy(() => mha.out_proj.bias!.abs().sum().item()), 0);
  const bound = Math.sqrt(6 / (48 + 16)); // Glorot over the joint projection
  assert.ok(torch.tidy(() => mha.in_proj_weight.abs().max().item() as number) <= bound);
  const x = torch.randn([2, 3, 16]);
  const before = torch.memory().numTensors;
  for (let i = 0; i < 3; i++) torch.tidy(() => { mha.forward(x); });
  assert.equal(torch.memory().numTensors, before);
  mha.eval();
  assert.ok(torch.tidy(() => mha.forward(x).equal(mha.forward(x))), 'deterministic in eval');
  mha.train();
  assert.ok(torch.tidy(() => !mha.forward(x).equal(mha.forward(x))), 'dropout on the attention weights in training');
  assert.throws(() => new nn.MultiheadAttention(10, 3), /MultiheadAttention: embedDim \(10\) must be divisible by numHeads \(3\)/);
  assert.throws(() => mha.forward(torch.zeros([2, 3, 8])), /MultiheadAttention: query must be batch × sequence × 16, got shape \[2, 3, 8\]/);
  assert.throws(() => new nn.MultiheadAttention(8, 2, { dropout: 2 }), /dropout must be between 0 and 1, got 2/);
});

test('ReLU6 and Hardtanh clamp as PyTorch and print as PyTorch', () => {
  torch.tidy(() => {
    assertValues(new nn.ReLU6().forward(torch.tensor([-1, 3, 7])), [0, 3, 6]);
    assertValues(new nn.Hardtanh().forward(torch.tensor([-2, 0.5, 2])), [-1, 0.5, 1]);
  });
  assert.equal(new nn.ReLU6().toString(), 'ReLU6()');
  assert.equal(new nn.Hardtanh(-2, 2).toString(), 'Hardtanh(min_val=-2.0, max_val=2.0)');
  assert.throws(() => new nn.Hardtanh(1, 0), /Hardtanh: minVal \(1\) must be less than maxVal \(0\)/);
});
