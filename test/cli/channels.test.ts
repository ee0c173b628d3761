import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { channelAdapter } from '../../src/run/channels.js';
import { UsageError } from '../../src/util/usage-error.js';
import { lectureCnn, resnet18 } from '../../src/models/index.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { Sequential } from '../../src/nn/layers/containers.js';
import * as torch from '../../src/torch/index.js';
import { Grayscale } from '../../src/transforms/color.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

test('channelAdapter repeats gray for a colour stem, adds nothing when the channels agree, and refuses other mismatches', () => {
  const zoo = resnet18({ numClasses: 10 });
  const [step] = channelAdapter(zoo, 1, 'train');
  assert.ok(step instanceof Grayscale && step.numOutputChannels === 3);
  torch.tidy(() => {
    const gray = torch.rand([1, 5, 5]);
    const out = step.forward(gray);
    assert.deepEqual(out.shape, [3, 5, 5]);
    assert.ok(out.select(0, 2).equal(gray.select(0, 0)), 'each channel is the gray one');
  });
  assert.deepEqual(channelAdapter(zoo, 3, 'train'), []);
  assert.deepEqual(channelAdapter(lectureCnn({ inChannels: 1, numClasses: 10, inputSize: 28 }), 1, 'train'), []);
  const grayStem = new Sequential(new Conv2d(1, 4, 3));
  assert.throws(() => channelAdapter(grayStem, 3, 'eval'), (e: Error) => e instanceof UsageError &&
    /^eval: the model's first convolution takes 1 channels but the images have 3; choose a model built for them/.test(e.message));
});

test('cnnkit train and eval run a torchvision architecture on gray MNIST, its channel repeated', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'cnnkit-cli-channels-')), 'run');
  const run = cnnkit('train', '--dataset', 'mnist', '--model', 'resnet18', '--limit', '96', '--epochs', '1', '--batch-size', '32', '--threads', '2', '--json', '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
  const evaluation = cnnkit('eval', '--checkpoint', join(out, 'best.safetensors'), '--json');
  assert.equal(evaluation.status, 0, evaluation.stderr);
  assert.ok(Math.abs(JSON.parse(evaluation.stdout).accuracy - result.test_acc) < 1e-9, 'eval scores the test images the way train did');
});
