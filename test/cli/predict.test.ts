// cnnkit predict and cnnkit eval on a run trained on an image folder: the same accuracy from both, the CSV in
// natural order of the file names, the report, and bad input in one line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';

import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { lectureCnn } from '../../src/models/index.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-cli-predict-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A 20×20 JPEG: reddish for cats, bluish for dogs, varying with i; a bright left half for odd i, so that flips matter. */
async function writeImage(path: string, kind: 'cat' | 'dog', i: number): Promise<void> {
  mkdirSync(join(path, '..'), { recursive: true });
  const background = kind === 'cat' ? { r: 200 - i * 5, g: 40 + i * 3, b: 30 + i * 4 } : { r: 30 + i * 4, g: 40 + i * 3, b: 200 - i * 5 };
  const half = await sharp({ create: { width: 10, height: 20, channels: 3, background: { r: 250, g: 250, b: 250 } } }).png().toBuffer();
  const image = sharp({ create: { width: 20, height: 20, channels: 3, background } });
  await (i % 2 ? image.composite([{ input: half, left: 0, top: 0 }]) : image).jpeg().toFile(path);
}

// train/ and test/ class folders; the test files are named 1.jpg … 12.jpg, so that natural order differs from code points.
const pets = join(dir, 'pets');
for (const kind of ['cat', 'dog'] as const) {
  for (let i = 0; i < 24; i++) await writeImage(join(pets, 'train', kind, `${kind}.${i}.jpg`), kind, i);
  for (let i = 1; i <= 12; i++) await writeImage(join(pets, 'test', kind, `${i}.jpg`), kind, i + 3);
}
const out = join(dir, 'run');
const trained = cnnkit('train', '--data', pets, '--epochs', '2', '--batch-size', '8', '--image-size', '16', '--threads', '2', '--quiet', '--out', out);
assert.equal(trained.status, 0, trained.stderr);

test('cnnkit eval and cnnkit predict --csv give the same accuracy on the test folder; the CSV is in natural order', () => {
  const scored = cnnkit('eval', '--run', out, '--json');
  assert.equal(scored.status, 0, scored.stderr);
  const { accuracy, confusion } = JSON.parse(scored.stdout);
  assert.equal(confusion.flat().reduce((a: number, b: number) => a + b, 0), 24);
  const csv = join(dir, 'predictions.csv');
  const predicted = cnnkit('predict', '--run', out, '--data', join(pets, 'test'), '--csv', csv, '--workers', '2');
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.equal(predicted.stdout.trim(), `24 predictions written to ${csv}`);
  const [header, ...rows] = readFileSync(csv, 'utf8').trim().split('\n').map((line) => line.split(','));
  assert.deepEqual(header, ['file', 'prediction', 'probability', 'cat', 'dog']);
  assert.deepEqual(rows.map((r) => r[0]), ['cat', 'dog'].flatMap((kind) => Array.from({ length: 12 }, (_, i) => `${kind}/${i + 1}.jpg`)));
  for (const [, prediction, probability, cat, dog] of rows) {
    assert.ok(Math.abs(Number(cat) + Number(dog) - 1) < 1e-5);
    assert.equal(prediction, Number(cat) >= Number(dog) ? 'cat' : 'dog');
    assert.equal(Number(probability), Math.max(Number(cat), Number(dog)));
  }
  const hits = rows.filter(([file, prediction]) => file.startsWith(`${prediction}/`)).length;
  assert.ok(Math.abs(hits / 24 - accuracy) < 1e-12, `predict ${hits / 24}, eval ${accuracy}`);
  // The same with --tta: eval's accuracy is that of the mean over flips.
  const ttaScored = JSON.parse(cnnkit('eval', '--run', out, '--json', '--tta').stdout);
  const ttaRows = JSON.parse(cnnkit('predict', '--run', out, '--data', join(pets, 'test'), '--json', '--tta').stdout) as { file: string; prediction: string }[];
  assert.equal(ttaRows.length, 24);
  assert.ok(Math.abs(ttaRows.filter((r) => r.file.startsWith(`${r.prediction}/`)).length / 24 - ttaScored.accuracy) < 1e-12);
});

test('cnnkit eval --data scores another folder with the run\'s classes, and refuses a class the run never saw; --report writes the page', () => {
  const other = join(dir, 'other');
  const copy = cnnkit('eval', '--checkpoint', join(out, 'best.safetensors'), '--data', join(pets, 'test'), '--json');
  assert.equal(copy.status, 0, copy.stderr);
  assert.equal(JSON.parse(copy.stdout).accuracy, JSON.parse(cnnkit('eval', '--run', out, '--json').stdout).accuracy);
  mkdirSync(join(other, 'horse'), { recursive: true });
  writeFileSync(join(other, 'horse', 'a.jpg'), readFileSync(join(pets, 'test', 'cat', '1.jpg')));
  const refused = cnnkit('eval', '--run', out, '--data', other);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^cnnkit: eval: .*other has the class folder horse, which the run never saw; its classes: cat, dog\n$/);
  const report = join(dir, 'report');
  const written = cnnkit('eval', '--run', out, '--report', report);
  assert.equal(written.status, 0, written.stderr);
  assert.match(written.stdout, /^pets test images, 24 images: loss/);
  for (const file of ['report.html', 'confusion-matrix.png', 'top-losses.png', 'grad-cam.png', 'learning-curves.svg', 'classification-report.txt']) {
    assert.ok(existsSync(join(report, file)), file);
  }
  assert.match(readFileSync(join(report, 'report.html'), 'utf8'), /learning-curves\.svg/);
});

test('bad input to cnnkit predict: one line each, exit 2 for usage, 1 for failures; an unreadable file is named and skipped', () => {
  const notImage = join(dir, 'notes.jpg');
  writeFileSync(notImage, 'not an image');
  const good = join(pets, 'test', 'cat', '2.jpg');
  const skipped = cnnkit('predict', '--run', out, good, notImage);
  assert.equal(skipped.status, 0, skipped.stderr);
  assert.match(skipped.stdout, /^.*cat\/2\.jpg {2}(cat|dog) \d\.\d{4}\n$/);
  assert.match(skipped.stderr, /^cnnkit: warning: skipped 1 unreadable image \(--strict makes them errors\):\n {2}.*notes\.jpg: /);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const noConfig = join(dir, 'plain.safetensors');
  saveCheckpoint(noConfig, { weights: lectureCnn({ inChannels: 3, numClasses: 2, inputSize: 16 }).stateDict(), info: { format: 'cnnkit-checkpoint-1', epoch: 1, history: [] } });
  for (const [args, code, message] of [
    [['predict', '--run', out, good, notImage, '--strict'], 1, 'cnnkit: predict: cannot read '],
    [['predict', '--run', out, '--data', empty], 1, `cnnkit: predict: ${empty} holds no image files`],
    [['predict', '--checkpoint', noConfig, good], 1, `cnnkit: predict: ${noConfig} holds no run configuration`],
    [['predict', good], 2, 'cnnkit: predict: give --run DIR'],
    [['predict', '--run', out], 2, 'cnnkit: predict: give the IMAGE files to predict, or --data DIR'],
    [['predict', '--run', dir, good], 2, `cnnkit: predict: ${dir} holds no best.safetensors`],
    [['predict', '--run', out, good, '--top-k', '3'], 2, 'cnnkit: predict: topK must be an integer from 1 to 2, got 3'],
    [['predict', '--run', out, good, '--csv', 'x.csv', '--json'], 2, 'cnnkit: predict: give --csv FILE or --json, not both'],
  ] as const) {
    const run = cnnkit(...args);
    assert.equal(run.status, code, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${run.stderr}`);
    assert.ok(run.stderr.startsWith(message), `${args.join(' ')}: ${run.stderr}`);
  }
});

test('cnnkit predict converts an image with alpha or a single band as training did, and says so in one line', async () => {
  const source = join(pets, 'test', 'dog', '5.jpg');
  const { data: rgb, info } = await sharp(source).raw().toBuffer({ resolveWithObject: true });
  const raw = (channels: 1 | 3 | 4, pixel: (i: number, c: number) => number) => {
    const pixels = Buffer.alloc(info.width * info.height * channels);
    for (let i = 0; i < info.width * info.height; i++) for (let c = 0; c < channels; c++) pixels[i * channels + c] = pixel(i, c);
    const image = sharp(pixels, { raw: { width: info.width, height: info.height, channels } });
    return (channels === 1 ? image.toColourspace('b-w') : image).png(); // else sharp writes one band as RGB
  };
  const files = { plain: join(dir, 'plain.png'), alpha: join(dir, 'alpha.png'), gray: join(dir, 'gray.png'), grayRgb: join(dir, 'gray-rgb.png') };
  await raw(3, (i, c) => rgb[i * 3 + c]).toFile(files.plain);
  await raw(4, (i, c) => (c < 3 ? rgb[i * 3 + c] : 100)).toFile(files.alpha);
  await raw(1, (i) => rgb[i * 3 + 1]).toFile(files.gray);
  await raw(3, (i) => rgb[i * 3 + 1]).toFile(files.grayRgb);
  const predicted = cnnkit('predict', '--run', out, '--json', ...Object.values(files));
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.equal(predicted.stderr, 'cnnkit: note: converted as in training: 1 image with an alpha channel (dropped), 1 gray image (the band repeated to RGB)\n');
  const byFile = new Map((JSON.parse(predicted.stdout) as { file: string; probability: number }[]).map((p) => [p.file, p.probability]));
  // Dropping the alpha gives the colour pixels (up to rounding: sharp resizes with the alpha premultiplied); a gray
  // band repeated three times is the gray file saved as RGB.
  assert.ok(Math.abs(byFile.get(files.alpha)! - byFile.get(files.plain)!) < 1e-3, `${byFile.get(files.alpha)} against ${byFile.get(files.plain)}`);
  assert.equal(byFile.get(files.gray), byFile.get(files.grayRgb));
  assert.notEqual(byFile.get(files.gray), byFile.get(files.plain));
});
