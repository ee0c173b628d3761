import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';

import { holdsIdxFiles, openImageFolder } from '../../src/run/datasets.js';
import { ImageFolder } from '../../src/data/image-folder.js';
import { dispose } from '../../src/torch/scope.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-cli-images-'));

/** A 20×20 image: reddish for cats, bluish for dogs, with some variation so that the task is not trivial noise. */
async function writeImage(path: string, kind: 'cat' | 'dog', i: number): Promise<void> {
  mkdirSync(join(path, '..'), { recursive: true });
  const background = kind === 'cat' ? { r: 200 - i * 3, g: 40 + i, b: 30 } : { r: 30, g: 40 + i, b: 200 - i * 3 };
  await sharp({ create: { width: 20, height: 20, channels: 3, background } }).jpeg().toFile(path);
}

// The Kaggle layout (one flat folder) with a corrupt file; the ImageFolder layout; train/ and test/ folders.
const flat = join(dir, 'flat');
const classes = join(dir, 'classes');
const split = join(dir, 'split');
for (let i = 0; i < 20; i++) {
  for (const kind of ['cat', 'dog'] as const) {
    await writeImage(join(flat, `${kind}.${i}.jpg`), kind, i);
    if (i < 2) await writeImage(join(classes, kind, `${i}.jpg`), kind, i);
    if (i < 4) await writeImage(join(split, i < 3 ? 'train' : 'test', kind, `${i}.jpg`), kind, i);
  }
}
writeFileSync(join(flat, 'cat.20.jpg'), 'not a jpeg');

test('cnnkit train --data DIR --labels-from-name REGEX trains in two workers, skips a corrupt file and names it at the end', () => {
  const out = join(dir, 'run');
  // --cache-images: the second epoch and the final scoring read the pixels the first epoch decoded.
  const run = cnnkit('train', '--data', flat, '--labels-from-name', '^(cat|dog)\\.', '--workers', '2', '--epochs', '2', '--cache-images', '--batch-size', '8', '--image-size', '16', '--val-fraction', '0.2', '--json', '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const result = lines[lines.length - 1];
  assert.equal(result.skipped_images, 1);
  assert.ok(result.best_val_acc >= 0 && result.best_val_acc <= 1, 'no test/ folder: the best weights are scored on the validation images');
  assert.match(run.stderr, /cnnkit: warning: skipped 1 unreadable image \(--strict makes them errors\):\n {2}.*flat\/cat\.20\.jpg: .*unsupported image format/);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.deepEqual([config.trainImages, config.valImages], [32, 8]);
  assert.deepEqual(config.modelOptions.inputSize, [16, 16]);
  assert.equal(config.modelOptions.inChannels, 3);
  assert.ok(existsSync(join(out, 'best.safetensors')));
  // cnnkit eval scores named data sets; for a folder run it says so in one line.
  const evaluation = cnnkit('eval', '--checkpoint', join(out, 'best.safetensors'));
  assert.equal(evaluation.status, 2);
  assert.match(evaluation.stderr, /^cnnkit: eval: the run trained on the image folder .*flat, which cnnkit eval does not score yet/);
});

test('--strict makes the corrupt file an error that names it', () => {
  const run = cnnkit('train', '--data', flat, '--labels-from-name', '^(cat|dog)\\.', '--strict', '--epochs', '1', '--out', join(dir, 'run-strict'));
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^cnnkit: ImagesByName: cannot read .*flat\/cat\.20\.jpg: .*unsupported image format; fix or remove the file/);
});

test('openImageFolder: class folders, or train/ and test/ folders that make a test set; IDX folders stay IDX roots', () => {
  const plain = openImageFolder(classes, { imageSize: 8 });
  assert.ok(plain.train instanceof ImageFolder);
  assert.deepEqual([plain.train.length, plain.test, plain.classes, plain.size, plain.name], [4, undefined, ['cat', 'dog'], [8, 8], 'classes']);
  const sample = plain.train.get(0);
  assert.deepEqual(sample.input.shape, [3, 8, 8]);
  dispose(sample);
  const withTest = openImageFolder(split, { imageSize: 8 });
  assert.deepEqual([withTest.train.length, withTest.test?.length, withTest.test?.classes], [6, 2, ['cat', 'dog']]);
  mkdirSync(join(split, 'test', 'bird'));
  writeFileSync(join(split, 'test', 'bird', '0.jpg'), readFileSync(join(classes, 'cat', '0.jpg')));
  assert.throws(() => openImageFolder(split, { imageSize: 8 }), /^Error: train: the classes of .*test \(bird, cat, dog\) are not those of .*train \(cat, dog\); give both the same class folders/);
  assert.equal(holdsIdxFiles(classes), false);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), '');
  assert.equal(holdsIdxFiles(dir), true);
});

test('bad image-folder command lines get one clear line', () => {
  for (const [args, pattern] of [
    [['--data', flat], /^cnnkit: ImageFolder: .*flat has no class folders; put the images in .*, or label a flat folder by file name/],
    [['--data', flat, '--labels-from-name', 'cat'], /^cnnkit: train: --labels-from-name: ImagesByName: pattern \/cat\/ has no capture group/],
    [['--dataset', 'mnist', '--strict'], /^cnnkit: train: --strict goes with --data DIR, a folder of images/],
    [['--dataset', 'mnist', '--cache-images'], /^cnnkit: train: --cache-images goes with --data DIR, a folder of images/],
  ] as const) {
    const run = cnnkit('train', ...args, '--epochs', '1');
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, pattern);
  }
});
