import assert from 'node:assert/strict';
import { test } from 'node:test';

import { torch } from '../../src/index.js';
import { resolveDevice } from '../../src/run/device.js';
import { UsageError } from '../../src/util/usage-error.js';

const cuda = torch.cuda.isAvailable();

test('--device auto is CUDA when libtorch has it, else the CPU; cpu is always there', () => {
  assert.equal(resolveDevice(undefined, 'train'), cuda ? 'cuda' : 'cpu');
  assert.equal(resolveDevice('auto', 'train'), cuda ? 'cuda' : 'cpu');
  assert.equal(resolveDevice('cpu', 'eval'), 'cpu');
});

test('--device that is not a device, or a GPU this machine lacks, is a UsageError naming the flag', () => {
  assert.throws(() => resolveDevice('gpu', 'train'), (e: Error) => e instanceof UsageError && /^train: --device must be auto, cpu, cuda or cuda:N, got 'gpu'$/.test(e.message));
  assert.throws(() => resolveDevice('cuda:x', 'predict'), /--device must be auto, cpu, cuda or cuda:N/);
  const count = torch.cuda.deviceCount();
  assert.throws(() => resolveDevice(`cuda:${count}`, 'eval'), (e: Error) => e instanceof UsageError && /^eval: --device cuda:\d+: /.test(e.message)
    && (cuda ? /this machine has \d+ CUDA device/ : /CUDA is not available to this libtorch/).test(e.message));
  if (!cuda) assert.throws(() => resolveDevice('cuda', 'train'), /train: --device cuda: CUDA is not available/);
  else assert.equal(resolveDevice('cuda:0', 'train'), 'cuda:0');
});
