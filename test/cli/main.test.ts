import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

test('cnnkit demo shows tensors, autograd and a CNN that learns', () => {
  const run = cnnkit('demo', '--steps', '120');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /dy\/dx = 3x² = tensor\(\[ 3\., 12\., 27\.\]\)/);
  const accuracy = Number(/accuracy on 1000 new images: ([\d.]+) %/.exec(run.stdout)?.[1]);
  assert.ok(accuracy > 90, `accuracy ${accuracy}`);
});

test('cnnkit info names the libtorch version', () => {
  const run = cnnkit('info');
  assert.equal(run.status, 0);
  assert.match(run.stdout, /^libtorch \d+\.\d+/);
});

test('bad command lines get one clear line and exit code 2', () => {
  for (const [args, message] of [
    [['bogus'], "cnnkit: unknown command 'bogus'; valid commands: demo, info"],
    [['demo', '--steps', 'many'], "cnnkit: demo: --steps must be a number, got 'many'"],
    [['demo', '--fast'], "cnnkit: demo: unknown option '--fast'; valid options: --steps, --seed"],
    [['demo', '--seed'], 'cnnkit: demo: --seed needs a number value'],
  ] as const) {
    const run = cnnkit(...args);
    assert.equal(run.status, 2, args.join(' '));
    assert.equal(run.stderr.trim(), message);
  }
  assert.equal(cnnkit('--help').status, 0);
});
