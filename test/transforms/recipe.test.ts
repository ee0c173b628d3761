import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { availableRecipeNames, describeRecipe, parseRecipe, recipeNames } from '../../src/transforms/recipe.js';
import { BatchTransform, Transform } from '../../src/transforms/transform.js';

const script = fileURLToPath(new URL('../../../test/transforms/recipe_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8' });
/**
 * torchvision's repr of the transform each recipe step stands for. Compared with list and tuple brackets alike (the
 * recipe decides the values, not how a class prints them); 0.14's RandomResizedCrop prints a stray ')', fixed later.
 */
const reference: Record<string, string> | null = run.status === 0 ? JSON.parse(run.stdout.replaceAll('bilinear), antialias', 'bilinear, antialias')) : null;
const brackets = (s: string) => s.replace(/\[/g, '(').replace(/\]/g, ')');
const noReference = reference ? false : `no torchvision for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

const has = (name: string) => availableRecipeNames().includes(name);

test('every technique of the spec has a recipe name', () => {
  const spec = ['hflip', 'vflip', 'rotate', 'affine', 'randomResizedCrop', 'randomCrop', 'colorJitter', 'grayscale', 'gaussianBlur', 'gaussianNoise',
    'equalize', 'clahe', 'autocontrast', 'featurewise', 'zca', 'randomErasing', 'cutout', 'hideAndSeek', 'gridMask', 'mixup', 'cutmix', 'mosaic',
    'adversarialErasing', 'styleAugment', 'mixStyle', 'autoAugment', 'randAugment', 'trivialAugment'];
  assert.deepEqual(spec.filter((name) => !recipeNames().includes(name)), []);
  const lines = describeRecipe().split('\n');
  assert.equal(lines.length, recipeNames().length);
  assert.match(lines.find((l) => l.startsWith('randomErasing'))!, /^randomErasing +RandomErasing, per sample: p=number, scale=range, ratio=range, value=value, inplace=boolean; shorthand randomErasing\(p\)$/);
  assert.match(lines.find((l) => l.startsWith('mixup'))!, /Mixup, per batch, after collation/);
});

test('recipe steps make the transforms torchvision prints the same way', { skip: noReference }, () => {
  let compared = 0;
  for (const [step, printed] of Object.entries(reference!)) {
    const name = /^\w+/.exec(step)![0];
    if (!has(name)) continue; // reported by the test below
    const { steps } = parseRecipe(step);
    assert.equal(brackets(String(steps[0].transform)), brackets(printed), step);
    compared++;
  }
  assert.ok(compared > 0, 'at least one class to compare');
});

test('the names whose classes this build lacks', () => {
  const missing = recipeNames().filter((name) => !has(name));
  if (missing.length) console.log(`# recipe names without their class yet: ${missing.join(', ')}`);
  for (const name of missing) assert.throws(() => parseRecipe(name), new RegExp(`^Error: parseRecipe: ${name} needs transforms\\.\\w+, which this build of cnnkit does not have yet`));
});

test('per-sample steps keep their order; batch steps go after collation; fitted ones are listed for fitting', { skip: !has('randomErasing') || !has('cutout') }, () => {
  const recipe = parseRecipe(' cutout(8) , randomErasing(p=0.25,scale=0.1-0.2), gridMask ');
  assert.deepEqual(recipe.steps.map((s) => s.text), ['cutout(8)', 'randomErasing(p=0.25,scale=0.1-0.2)', 'gridMask']);
  assert.deepEqual(recipe.sample.map((t) => t.constructor.name), ['Cutout', 'RandomErasing', 'GridMask']);
  assert.ok(recipe.sample.every((t) => t instanceof Transform));
  assert.deepEqual(recipe.batch, []);
  assert.deepEqual(recipe.fitted, []);
  assert.match(String(recipe.sample[0]), /length=8/);
  if (has('mixup')) {
    const mixed = parseRecipe('mixup(0.2),hflip,cutmix', { numClasses: 10 });
    assert.deepEqual(mixed.sample.map((t) => t.constructor.name), ['RandomHorizontalFlip']);
    assert.deepEqual(mixed.batch.map((t) => t.constructor.name), ['Mixup', 'CutMix']);
    assert.ok(mixed.batch.every((t) => t instanceof BatchTransform));
  }
});

test('values: numbers, ranges with negative ends, sizes, lists, booleans and words', { skip: !has('randomErasing') || !has('hideAndSeek') }, () => {
  const erasing = parseRecipe('randomErasing(p=1e-1,scale=.05-0.1,ratio=1-2,value=0.5/0.25/0)').steps[0].transform as unknown as Record<string, unknown>;
  assert.match(String(erasing), /^RandomErasing\(p=0\.1, scale=\(0\.05, 0\.1\), ratio=\(1(\.0)?, 2(\.0)?\), value=\[0\.5, 0\.25, 0(\.0)?\], inplace=False\)$/);
  assert.match(String(parseRecipe('hideAndSeek(0.25,gridSizes=8/16)').steps[0].transform), /gridSizes=\[8, 16\]|grid_sizes=\[8, 16\]/);
  assert.match(String(parseRecipe('randomErasing(value=random,inplace=true)').steps[0].transform), /value=random, inplace=True/);
});

test('mistakes are refused with one line that names the fault and lists what is valid', { skip: !has('randomErasing') }, () => {
  const oneLine = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: Error) => pattern.test(`${e.name}: ${e.message}`) && !e.message.includes('\n'));
  oneLine(() => parseRecipe('hflp'), /^TypeError: parseRecipe: unknown technique 'hflp'; valid names: hflip, vflip, rotate, affine, .*trivialAugment$/);
  oneLine(() => parseRecipe('randomErasing(prob=0.5)'), /^TypeError: parseRecipe: randomErasing\(prob=0\.5\): unknown parameter 'prob'; valid parameters of randomErasing: p, scale, ratio, value, inplace$/);
  oneLine(() => parseRecipe('randomErasing(p=half)'), /^TypeError: parseRecipe: randomErasing\(p=half\): p: expected a number, got 'half'$/);
  oneLine(() => parseRecipe('randomErasing(scale=0.1-)'), /scale: expected a number or a range a-b, got '0\.1-'/);
  oneLine(() => parseRecipe('randomErasing(p=2)'), /^RangeError: parseRecipe: randomErasing\(p=2\): RandomErasing: /);
  oneLine(() => parseRecipe('randomErasing(0.5,0.2)'), /'0\.2' has no name and randomErasing takes only 1 value\(s\) without a name \(p\)/);
  oneLine(() => parseRecipe('randomErasing(p=0.5,p=0.2)'), /p is given twice/);
  oneLine(() => parseRecipe('randomErasing(p=0.5'), /^SyntaxError: parseRecipe: a '\(' without its '\)'/);
  oneLine(() => parseRecipe('randomErasing,,cutout'), /^SyntaxError: parseRecipe: an empty technique/);
  oneLine(() => parseRecipe('2x(hflip)'), /^SyntaxError: parseRecipe: '2x\(hflip\)' is not a technique/);
  oneLine(() => parseRecipe(''), /^TypeError: parseRecipe: expects a recipe/);
});
