import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-cli-'));

test('cnnkit demo shows autograd and trains the lecture CNN on Fashion-MNIST into a run folder', () => {
  const out = join(dir, 'demo');
  const run = cnnkit('demo', '--limit', '3000', '--epochs', '1', '--out', out);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /dy\/dx = 3x² = tensor\(\[ 3\., 12\., 27\.\]\)/);
  const accuracy = Number(/test accuracy ([\d.]+) %/.exec(run.stdout)?.[1]);
  assert.ok(accuracy > 35, `test accuracy ${accuracy} % after one short epoch (chance: 10 %)`);
  for (const file of ['config.json', 'metrics.csv', 'learning-curves.svg', 'best.safetensors', 'last.safetensors']) assert.ok(existsSync(join(out, file)), file);
});

test('cnnkit train writes metrics.csv with the issue\'s columns, and cnnkit eval scores the checkpoint', () => {
  const out = join(dir, 'run');
  const run = cnnkit('train', '--dataset', 'mnist', '--limit', '2000', '--epochs', '2', '--batch-size', '64', '--optimizer', 'sgd', '--lr', '0.1', '--scheduler', 'onecycle', '--l2', '1e-4', '--batch-norm', '--out', out, '--json');
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.slice(0, 2).map((l) => l.epoch), [1, 2]);
  assert.ok(lines[2].test_acc > 0.8, `test accuracy ${lines[2].test_acc} (chance: 0.1)`);
  const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').split('\n');
  for (const column of ['epoch', 'train_loss', 'train_acc', 'val_loss', 'val_acc', 'lr', 'seconds', 'rss_mb']) assert.ok(csv[0].split(',').includes(column), column);
  const evaluation = cnnkit('eval', '--checkpoint', join(out, 'best.safetensors'), '--json');
  assert.equal(evaluation.status, 0, evaluation.stderr);
  const scored = JSON.parse(evaluation.stdout);
  assert.ok(Math.abs(scored.accuracy - lines[2].test_acc) < 1e-9);
  assert.equal(scored.confusion.length, 10);
  const text = cnnkit('eval', '--checkpoint', join(out, 'best.safetensors'));
  assert.match(text.stdout, /confusion matrix \(rows: true class, columns: predicted\)/);
  const refused = cnnkit('train', '--dataset', 'mnist', '--limit', '2000', '--epochs', '3', '--batch-size', '64', '--optimizer', 'sgd', '--lr', '0.1', '--scheduler', 'onecycle', '--out', out, '--resume');
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr.trim(), 'cnnkit: train: --resume continues a onecycle schedule planned over 2 epochs; give --epochs 2');
  // A run without a fixed schedule resumes with more epochs: it continues from epoch 2.
  const open = join(dir, 'open');
  const common = ['train', '--dataset', 'mnist', '--limit', '1000', '--batch-size', '64', '--out', open, '--json'];
  assert.equal(cnnkit(...common, '--epochs', '1').status, 0);
  const resumed = cnnkit(...common, '--epochs', '2', '--resume');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(resumed.stdout.trim().split('\n').slice(0, -1).map((l) => JSON.parse(l).epoch), [2]);
  assert.deepEqual(readFileSync(join(open, 'metrics.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]), ['1', '2'], 'metrics.csv keeps the first epoch');
});

test('bad command lines and files get one clear line and a non-zero exit', () => {
  const corrupt = join(dir, 'corrupt.safetensors');
  writeFileSync(corrupt, 'not a checkpoint');
  for (const [args, code, message] of [
    [['bogus'], 2, "cnnkit: unknown command 'bogus'; valid commands: demo, train, augment, eval, info"],
    [['train', '--model', 'vgg99'], 2, "cnnkit: train: unknown model 'vgg99'; available: alexnet, convnext_tiny, lecture_cnn, mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small, resnet101, resnet152, resnet18, resnet20, resnet34, resnet50, vgg11, vgg11_bn, vgg16, vgg16_bn, vit_b_16"],
    [['train', '--dataset', 'imagenet'], 2, "cnnkit: unknown data set 'imagenet'; available: fashion-mnist, mnist"],
    [['train', '--epochs', '-3'], 2, 'cnnkit: train: --epochs must be a positive integer, got -3'],
    [['train', '--dropout', '1.5'], 2, 'cnnkit: train: --dropout must be at least 0 and below 1, got 1.5'],
    [['train', '--monitor', 'val_f1'], 2, "cnnkit: train: --monitor must be val_loss or val_acc, got 'val_f1'"],
    [['train', '--optimizer', 'lbfgs'], 2, "cnnkit: train: unknown optimizer 'lbfgs'; valid: sgd, adam, adamw"],
    [['train', '--lr', 'fast'], 2, "cnnkit: train: --lr must be a number, got 'fast'"],
    [['eval'], 2, 'cnnkit: eval: give --checkpoint FILE (a best.safetensors or last.safetensors of a run)'],
    [['eval', '--checkpoint', join(dir, 'missing.safetensors')], 2, `cnnkit: eval: the checkpoint ${join(dir, 'missing.safetensors')} does not exist`],
    [['eval', '--checkpoint', corrupt], 1, `cnnkit: load(): ${corrupt} is not a valid safetensors file: the header claims`],
  ] as const) {
    const run = cnnkit(...args);
    assert.equal(run.status, code, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${run.stderr}`);
    assert.ok(run.stderr.startsWith(message), `${args.join(' ')}: ${run.stderr}`);
  }
});

test('cnnkit info names the libtorch version', () => {
  const run = cnnkit('info');
  assert.equal(run.status, 0);
  assert.match(run.stdout, /^libtorch \d+\.\d+/);
});
