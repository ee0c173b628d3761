import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { saveImage } from '../../src/data/image.js';
import { torch } from '../../src/index.js';
import { describeRecipe, recipeNames } from '../../src/transforms/recipe.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-augment-'));

/** Two class folders of 16×16 images: three PNGs of circles, two JPEGs of squares. */
const data = join(dir, 'data');
torch.manualSeed(0);
for (const [cls, ext, count] of [['circle', '.png', 3], ['square', '.jpg', 2]] as const) {
  mkdirSync(join(data, cls), { recursive: true });
  for (let i = 0; i < count; i++) {
    torch.tidy(() => saveImage(join(data, cls, `img${i}${ext}`), torch.rand([3, 16, 16])));
  }
}

/** A PNG's width and height from its IHDR chunk. */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path);
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', `${path} is a PNG`);
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test('--copies K writes K augmented copies of each image in the same class folders, with a manifest', () => {
  const out = join(dir, 'copies');
  const run = cnnkit('augment', '--data', data, '--copies', '2', '--augment', 'randomErasing(p=1),cutout(4)', '--out', out, '--seed', '3');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /wrote 10 images \(2 per image of 5\)/);
  assert.deepEqual(readdirSync(join(out, 'circle')).sort(), ['img0_aug0.png', 'img0_aug1.png', 'img1_aug0.png', 'img1_aug1.png', 'img2_aug0.png', 'img2_aug1.png']);
  assert.deepEqual(readdirSync(join(out, 'square')).sort(), ['img0_aug0.jpg', 'img0_aug1.jpg', 'img1_aug0.jpg', 'img1_aug1.jpg']);
  const manifest = readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n');
  assert.equal(manifest[0], 'source,copy,path,label');
  assert.equal(manifest.length, 11);
  assert.equal(manifest[1], `${join(data, 'circle', 'img0.png')},0,${join('circle', 'img0_aug0.png')},circle`);
  for (const row of manifest.slice(1)) assert.ok(existsSync(join(out, row.split(',')[2])), row);
  // Each copy differs from its source and from the other copy; the same seed writes the same files again.
  const copy0 = readFileSync(join(out, 'circle', 'img0_aug0.png'));
  assert.notDeepEqual(copy0, readFileSync(join(out, 'circle', 'img0_aug1.png')));
  const again = join(dir, 'again');
  assert.equal(cnnkit('augment', '--data', data, '--copies', '1', '--augment', 'randomErasing(p=1),cutout(4)', '--out', again, '--seed', '3').status, 0);
  assert.deepEqual(readFileSync(join(again, 'circle', 'img0_aug0.png')), copy0);
  assert.deepEqual(pngSize(join(out, 'circle', 'img2_aug1.png')), [16, 16]);
});

test('--preview draws one row per image: the input, then the versions of each technique and of the whole recipe', () => {
  const file = join(dir, 'preview.png');
  const run = cnnkit('augment', '--preview', file, '--data', data, '--augment', 'randomErasing(1),cutout(4)', '--images', '3', '--versions', '2');
  assert.equal(run.status, 0, run.stderr);
  // 16-pixel tiles are drawn 6 times larger; 1 + 3 × 2 columns of (16 + 2) pixels plus 2, a 110-pixel margin for the
  // class names and a 28-pixel header.
  assert.deepEqual(pngSize(file), [110 + 6 * (7 * 18 + 2), 28 + 6 * (3 * 18 + 2)]);
  const single = join(dir, 'single.png');
  assert.equal(cnnkit('augment', '--preview', single, '--dataset', 'fashion-mnist', '--augment', 'randomErasing', '--images', '2', '--versions', '3').status, 0);
  assert.deepEqual(pngSize(single), [110 + 3 * (4 * 30 + 2), 28 + 3 * (2 * 30 + 2)], 'one technique: no whole-recipe group; 28-pixel tiles drawn 3 times larger');
});

test('--list prints the grammar and every recipe name with its parameters', () => {
  const run = cnnkit('augment', '--list');
  assert.equal(run.status, 0, run.stderr);
  for (const name of recipeNames()) assert.match(run.stdout, new RegExp(`^${name} +\\w+, per `, 'm'));
  assert.match(run.stdout, /^recipe: comma-separated techniques/);
});

test('a bad recipe or missing flags exit with code 2 and one line', () => {
  const expectUsage = (args: string[], pattern: RegExp) => {
    const run = cnnkit('augment', ...args);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, pattern);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  };
  const out = join(dir, 'never');
  expectUsage(['--data', data, '--copies', '1', '--out', out, '--augment', 'randomErasing,hflp'], /^cnnkit: augment: --augment: parseRecipe: unknown technique 'hflp'; valid names: hflip, /);
  expectUsage(['--data', data, '--copies', '1', '--out', out, '--augment', 'cutout(radius=3)'], /unknown parameter 'radius'; valid parameters of cutout: length, nHoles, p, fill/);
  expectUsage(['--data', data, '--copies', '0', '--out', out, '--augment', 'cutout'], /--copies must be a positive integer, got 0/);
  expectUsage(['--data', data, '--out', out, '--augment', 'cutout'], /give --data DIR --copies K --out DIR2/);
  expectUsage(['--data', data, '--copies', '1', '--out', out, '--augment', 'cutout,mixStyle'], /mixStyle works on batches or statistics of the training set, not on single files; use them with cnnkit train --augment/);
  expectUsage(['--preview', join(dir, 'p.png'), '--augment', 'cutout'], /--preview needs the images: give --data DIR or --dataset fashion-mnist/);
  expectUsage(['--preview', join(dir, 'p.jpg'), '--data', data, '--augment', 'cutout'], /--preview writes a PNG/);
  assert.ok(!existsSync(out));
});

test('cnnkit train --augment: fitted statistics are saved with the run and reused by eval; --resume keeps the recipe', () => {
  const out = join(dir, 'run');
  const recipe = 'featurewise,hflip,randomErasing(0.5),mixup(0.2)';
  const run = cnnkit('train', '--dataset', 'mnist', '--limit', '400', '--epochs', '1', '--batch-size', '64', '--augment', recipe, '--out', out, '--json', '--threads', '2');
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).augment, recipe);
  assert.ok(existsSync(join(out, 'statistics.safetensors')));
  const scored = cnnkit('eval', '--checkpoint', join(out, 'best.safetensors'), '--json');
  assert.equal(scored.status, 0, scored.stderr);
  assert.ok(Math.abs(JSON.parse(scored.stdout).accuracy - result.test_acc) < 1e-9, 'eval standardizes the test images as training did');
  const changed = cnnkit('train', '--dataset', 'mnist', '--limit', '400', '--epochs', '2', '--augment', 'hflip', '--out', out, '--resume');
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /train: --resume continues a run trained with --augment "featurewise,hflip,randomErasing\(0\.5\),mixup\(0\.2\)"; give the same recipe/);
  const bad = cnnkit('train', '--dataset', 'mnist', '--limit', '400', '--epochs', '1', '--augment', 'mixup(beta=1)', '--out', join(dir, 'bad'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^cnnkit: train: --augment: parseRecipe: mixup\(beta=1\): unknown parameter 'beta'; valid parameters of mixup: alpha, p, mode, numClasses, labelSmoothing\n$/);
});

test("the README's list of recipe names is the one the code prints", () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  const listed = /<!-- recipe-list -->\n```\n([\s\S]*?)\n```\n<!-- \/recipe-list -->/.exec(readme)?.[1];
  assert.equal(listed, describeRecipe(), 'update README.md with `cnnkit augment --list`');
});
