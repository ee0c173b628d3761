import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { torch } from '../../src/index.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
const noCuda = !torch.cuda.isAvailable();

test('train --help lists --device, --precision, --channels-last and --accumulate', () => {
  const help = cnnkit('train', '--help');
  assert.equal(help.status, 0);
  for (const flag of ['--device <string>', '--precision <string>', '--channels-last ', '--accumulate <number>']) assert.ok(help.stdout.includes(flag), flag);
  for (const command of ['eval', 'predict']) assert.match(cnnkit(command, '--help').stdout, /--device <string>  auto/);
});

test('a device or precision that cannot run here is one line naming the flag, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--device', 'gpu'], /^cnnkit: train: --device must be auto, cpu, cuda or cuda:N, got 'gpu'\n$/],
    [['train', '--precision', '16'], /^cnnkit: train: --precision must be 32, bf16 or fp16, got '16'\n$/],
    [['train', '--accumulate', '0'], /^cnnkit: train: --accumulate must be a positive integer, got 0\n$/],
    [['eval', '--device', 'cuda:99', '--run', 'nowhere'], /^cnnkit: eval: --device cuda:99: /],
    [['predict', '--device', 'cuda:99', '--run', 'nowhere', 'x.png'], /^cnnkit: predict: --device cuda:99: /],
  ];
  if (noCuda) {
    cases.push([['train', '--device', 'cuda'], /^cnnkit: train: --device cuda: CUDA is not available to this libtorch/]);
    cases.push([['train', '--device', 'cpu', '--precision', 'fp16'], /^cnnkit: train: --precision fp16 on cpu: fp16 needs CUDA .*use bf16 on the CPU\n$/]);
  }
  for (const [args, message] of cases) {
    const run = cnnkit(...args);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(' '));
  }
});

test('cnnkit train --precision bf16 --channels-last --accumulate 2 trains on the CPU, records the options, resumes and evaluates', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'cnnkit-devices-')), 'run');
  const common = ['--dataset', 'mnist', '--limit', '1500', '--batch-size', '32', '--device', 'cpu', '--precision', 'bf16', '--channels-last', '--accumulate', '2', '--out', out, '--json'];
  const run = cnnkit('train', ...common, '--epochs', '1');
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  // One short epoch with accumulation is 21 optimizer steps (float32 reaches about 0.3 with them too).
  assert.ok(result.test_acc > 0.2, `test accuracy ${result.test_acc} after one short bf16 epoch (chance: 0.1)`);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.deepEqual([config.options.device, config.options.precision, config.options.channelsLast, config.options.accumulate], ['cpu', 'bf16', true, 2]);
  const resumed = cnnkit('train', ...common, '--epochs', '2', '--resume');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(resumed.stdout.trim().split('\n').slice(0, -1).map((l) => JSON.parse(l).epoch), [2]);
  const evaluation = cnnkit('eval', '--run', out, '--device', 'cpu', '--json');
  assert.equal(evaluation.status, 0, evaluation.stderr);
  const resumedResult = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!);
  assert.ok(Math.abs(JSON.parse(evaluation.stdout).accuracy - resumedResult.test_acc) < 1e-9);
});
