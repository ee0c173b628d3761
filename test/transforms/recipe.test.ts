import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { transformDataset, TransformedDataset } from '../../src/data/transformed-dataset.js';
import { torch } from '../../src/index.js';
import { describeRecipe, fittedStateDict, loadFittedStateDict, parseRecipe, recipeNames } from '../../src/transforms/recipe.js';
import { MixingTransform, Transform } from '../../src/transforms/transform.js';

const script = fileURLToPath(new URL('../../../test/transforms/recipe_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8' });
/**
 * torchvision's repr of the transform each recipe step stands for. Compared with list and tuple brackets alike (the
 * recipe decides the values, not how a class prints them); 0.14's RandomResizedCrop prints a stray ')', fixed later.
 */
const reference: Record<string, string> | null = run.status === 0 ? JSON.parse(run.stdout.replaceAll('bilinear), antialias', 'bilinear, antialias')) : null;
const brackets = (s: string) => s.replace(/\[/g, '(').replace(/\]/g, ')');
const noReference = reference ? false : `no torchvision for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

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
  for (const [step, printed] of Object.entries(reference!)) {
    const { steps } = parseRecipe(step);
    assert.equal(brackets(String(steps[0].transform)), brackets(printed), step);
  }
});

test('every name makes its transform from the defaults, or says which parameter it needs', () => {
  const needs: Record<string, RegExp> = {
    rotate: /^TypeError: parseRecipe: rotate: RandomRotation: degrees must be/, randomCrop: /RandomCrop: size must be/,
    randomResizedCrop: /RandomResizedCrop: size must be/, styleAugment: /StyleAugment: give either `weights`/,
  };
  for (const name of recipeNames()) {
    if (needs[name]) assert.throws(() => parseRecipe(name, { numClasses: 10 }), (e: Error) => needs[name].test(`${e.name}: ${e.message}`), name);
    else assert.equal(parseRecipe(name, { numClasses: 10 }).steps[0].name, name);
  }
});

test('per-sample steps keep their order; batch steps go after collation; fitted ones are listed for fitting', () => {
  const recipe = parseRecipe(' cutout(8) , randomErasing(p=0.25,scale=0.1-0.2), gridMask ');
  assert.deepEqual(recipe.steps.map((s) => s.text), ['cutout(8)', 'randomErasing(p=0.25,scale=0.1-0.2)', 'gridMask']);
  assert.deepEqual(recipe.sample.map((t) => t.constructor.name), ['Cutout', 'RandomErasing', 'GridMask']);
  assert.ok(recipe.sample.every((t) => t instanceof Transform));
  assert.deepEqual(recipe.batch, []);
  assert.deepEqual(recipe.fitted, []);
  assert.match(String(recipe.sample[0]), /length=8/);
  const mixed = parseRecipe('mixup(0.2),hflip,featurewise,cutmix', { numClasses: 10 });
  assert.deepEqual(mixed.sample.map((t) => t.constructor.name), ['RandomHorizontalFlip', 'FeaturewiseStandardization']);
  assert.deepEqual(mixed.batch.map((t) => t.constructor.name), ['Mixup', 'CutMix']);
  assert.ok(mixed.batch.every((t) => t instanceof MixingTransform));
  assert.deepEqual(mixed.fitted.map((t) => t.constructor.name), ['FeaturewiseStandardization']);
  assert.match(String(mixed.batch[0]), /^Mixup\(alpha=0\.2, .*num_classes=10\)$/);
  assert.match(String(parseRecipe('cutmix(numClasses=3)', { numClasses: 10 }).batch[0]), /num_classes=3\)$/, 'the recipe wins over the data set');
});

test('values: numbers, ranges with negative ends, sizes, lists, booleans and words', () => {
  const erasing = parseRecipe('randomErasing(p=1e-1,scale=.05-0.1,ratio=1-2,value=0.5/0.25/0)').steps[0].transform as unknown as Record<string, unknown>;
  assert.match(String(erasing), /^RandomErasing\(p=0\.1, scale=\(0\.05, 0\.1\), ratio=\(1(\.0)?, 2(\.0)?\), value=\[0\.5, 0\.25, 0(\.0)?\], inplace=False\)$/);
  assert.match(String(parseRecipe('hideAndSeek(0.25,gridSizes=8/16)').steps[0].transform), /gridSizes=\[8, 16\]|grid_sizes=\[8, 16\]/);
  assert.match(String(parseRecipe('randomErasing(value=random,inplace=true)').steps[0].transform), /value=random, inplace=True/);
});

test('mistakes are refused with one line that names the fault and lists what is valid', () => {
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

test('fitted statistics round-trip through fittedStateDict, keyed by step; transformDataset runs the steps as one Compose', () => {
  const images = torch.keep(torch.rand([40, 3, 4, 4]).mul(torch.tensor([1, 2, 3]).view(1, 3, 1, 1)));
  const dataset = new TensorDataset(images, torch.keep(torch.zeros([40], { dtype: 'int64' })));
  const fitted = parseRecipe('hflip,featurewise');
  fitted.fitted[0].fit(dataset);
  const state = fittedStateDict(fitted);
  assert.deepEqual(Object.keys(state).sort(), ['1.featurewise.mean', '1.featurewise.std']);
  const fresh = parseRecipe('hflip,featurewise');
  loadFittedStateDict(fresh, state);
  const standardized = transformDataset(dataset, fresh.fitted) as TransformedDataset;
  assert.equal(String(standardized.transform).split('(')[0], 'FeaturewiseStandardization', 'one step goes in as it is');
  const all = torch.tidy(() => torch.stack(Array.from({ length: 40 }, (_, i) => standardized.get(i).input)));
  const [mean, std] = torch.tidy(() => [all.mean([0, 2, 3]).tolist() as number[], all.std([0, 2, 3], false).tolist() as number[]]);
  mean.forEach((m) => assert.ok(Math.abs(m) < 1e-5, `channel mean ${m}`));
  std.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-4, `channel std ${s}`));
  assert.ok(String((transformDataset(dataset, fresh.sample) as TransformedDataset).transform).startsWith('Compose('));
  assert.equal(transformDataset(dataset, []), dataset);
  assert.throws(() => loadFittedStateDict(parseRecipe('featurewise'), state), /^Error: loadFittedStateDict: no statistics for step 0 \(featurewise\) of 'featurewise'; they were saved for another recipe/);
  torch.dispose([all, images]);
});
