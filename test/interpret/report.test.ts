// writeReport on a small real model (lecture_cnn trained a few steps on Fashion-MNIST): the files it writes, the
// numbers in report.json, the pictures' sizes, and report.html opened from disk in headless chromium: every image
// decodes, the console shows no error.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import sharp from 'sharp';

import { interpret, torch } from '../../src/index.js';
import { checkPage, CHROMIUM } from './browser.js';
import { fashionExample, type FashionExample } from './fashion-example.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-report-'));
const folder = join(dir, 'report');
let example: FashionExample;
let result: interpret.ReportResult;
before(async () => {
  example = fashionExample({ epochs: 2, stepsPerEpoch: 15, testImages: 200 });
  result = await interpret.writeReport(folder, example.model, { ...example, topK: 9 });
});
after(() => {
  torch.dispose([example.images, example.displayImages, example.labels]);
  example.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('writeReport writes the pictures, the numbers and report.html, and nothing else', () => {
  assert.deepEqual(result.files, ['confusion-matrix.png', 'top-losses.png', 'grad-cam.png', 'learning-curves.svg', 'classification-report.txt', 'report.json', 'report.html']);
  assert.deepEqual(readdirSync(folder).sort(), [...result.files].sort(), 'no temporary files are left');
  const saved = JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8'));
  assert.equal(saved.camLayer, 'features.3.1', "lecture_cnn's last activation before its last pooling");
  assert.equal(saved.evaluation.samples, 200);
  assert.equal(saved.confusion.flat().reduce((a: number, b: number) => a + b, 0), 200);
  assert.equal(saved.topLosses.length, 9);
  assert.ok(saved.topLosses.every((t: interpret.TopLoss, i: number) => i === 0 || t.loss <= saved.topLosses[i - 1].loss), 'highest loss first');
  assert.equal(result.report.accuracy, result.evaluation.accuracy);
  assert.equal(readFileSync(join(folder, 'classification-report.txt'), 'utf8'), interpret.formatClassificationReport(result.report));
});

test('the pictures are PNGs of the expected layout: two matrix panels, 3×3 grids of enlarged images', async () => {
  const size = async (name: string) => { const m = await sharp(join(folder, name)).metadata(); return [m.format, m.width, m.height] as const; };
  const [format, width, height] = await size('confusion-matrix.png');
  assert.equal(format, 'png');
  assert.ok(width! > 2 * 10 * 44 && height! > 10 * 44, `confusion matrix ${width}×${height}`);
  for (const name of ['top-losses.png', 'grad-cam.png']) {
    const [f, w, h] = await size(name);
    assert.equal(f, 'png');
    // three cells of at least 112 px (28 px enlarged 4×, or the 120 px caption width) and their padding per row
    assert.ok(w! >= 3 * 120 && h! >= 3 * 112, `${name} ${w}×${h}`);
  }
});

test('report.html opens from disk in headless chromium: every image decodes and the console shows no error', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing; scripts/setup.sh installs Debian's chromium`);
  const page = await checkPage(join(folder, 'report.html'));
  assert.deepEqual(page.images.map((i) => i.src), ['learning-curves.svg', 'confusion-matrix.png', 'top-losses.png', 'grad-cam.png']);
  for (const image of page.images) assert.ok(image.naturalWidth > 0, `${image.src} did not decode`);
  assert.deepEqual(page.consoleErrors, []);
  const shot = await sharp(page.screenshot).metadata();
  assert.ok(shot.format === 'png' && shot.width === 1200 && shot.height! > 900, `screenshot ${shot.width}×${shot.height}`);
});

test('bad report input is named', async () => {
  const { model, images, labels, classNames } = example;
  await assert.rejects(interpret.writeReport(folder, model, { images, labels, classNames: classNames.slice(0, 3) }), /writeReport: the model gives 10 classes but 3 class names were given/);
  await assert.rejects(interpret.writeReport(folder, model, { images, labels: labels.narrow(0, 0, 5), classNames }), /writeReport: labels must be 200 class indices, one per image/);
  model.train();
  await assert.rejects(interpret.writeReport(folder, model, { images, labels, classNames }), /writeReport: the model is in training mode; call model.eval\(\) first/);
  model.eval();
});
