// cnnkit export on a run trained on an image folder: model.onnx with the classes, input shape, preprocessing and
// version in its metadata; the file and that metadata alone classify images as cnnkit predict does. A run started
// from published weights carries their preset. Bad usage is one line and exit code 2, with no file left behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import ort from 'onnxruntime-node';
import sharp from 'sharp';

import { exportRun, readMetadata, type Preprocessing } from '../../src/export/index.js';
import { readImage } from '../../src/data/image.js';
import { getWeights } from '../../src/hub/registry.js';
import { resnet18 } from '../../src/models/index.js';
import { openClassifier } from '../../src/run/classifier.js';
import type { RunConfig } from '../../src/run/config.js';
import { noGrad } from '../../src/torch/autograd.js';
import { randn } from '../../src/torch/creation.js';
import { dispose, tidy } from '../../src/torch/scope.js';
import { load } from '../../src/torch/serialization.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { createSession, decodeModel, startOnnxChecker } from './onnx-runtime.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
const version = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')).version;
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-cli-export-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const metadataOf = (path: string) => readMetadata(readFileSync(path));

// Reddish cats, bluish dogs, 20×24 JPEGs; trained at 16×16 with featurewise statistics, which the export must carry.
const pets = join(dir, 'pets');
const testFiles: string[] = [];
for (const kind of ['cat', 'dog'] as const) {
  for (let i = 0; i < 12; i++) {
    const background = kind === 'cat' ? { r: 200 - i * 6, g: 40 + i * 5, b: 30 + i * 3 } : { r: 30 + i * 3, g: 40 + i * 5, b: 200 - i * 6 };
    const path = join(pets, i < 8 ? 'train' : 'test', kind, `${i}.jpg`);
    mkdirSync(join(path, '..'), { recursive: true });
    await sharp({ create: { width: 20, height: 24, channels: 3, background } }).jpeg().toFile(path);
    if (i >= 8) testFiles.push(path);
  }
}
const run = join(dir, 'run');
const trained = cnnkit('train', '--data', pets, '--epochs', '2', '--batch-size', '8', '--image-size', '16', '--augment', 'featurewise', '--threads', '2', '--quiet', '--out', run);
assert.equal(trained.status, 0, trained.stderr);

test('cnnkit export writes model.onnx whose metadata and outputs classify images as cnnkit predict does', async () => {
  const out = join(dir, 'model.onnx');
  const exported = cnnkit('export', '--run', run, '--format', 'onnx', '--out', out);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /^.*model\.onnx: ONNX opset 17, [\d.]+ MB, input N×3×16×16, 2 classes\n$/);
  const metadata = metadataOf(out);
  assert.deepEqual(JSON.parse(metadata.classes), ['cat', 'dog']);
  assert.deepEqual([metadata.input_channels, metadata.input_height, metadata.input_width], ['3', '16', '16']);
  assert.equal(metadata.cnnkit_version, version);
  assert.equal(metadata.architecture, 'lecture_cnn');
  const preprocessing = JSON.parse(metadata.preprocessing) as Preprocessing;
  assert.deepEqual(preprocessing.decode, { channels: 3, size: [16, 16], fit: 'cover', kernel: 'lanczos3', jpeg: 'draft, bilinear antialiased', png: 'bilinear antialiased', range: [0, 1] });
  assert.deepEqual(preprocessing.input, [3, 16, 16]);
  assert.equal(preprocessing.weights, null);
  // The fitted statistics are the run's own.
  assert.equal(preprocessing.steps.length, 1);
  const step = preprocessing.steps[0];
  assert.ok(step.type === 'featurewise');
  const statistics = load(join(run, 'statistics.safetensors'));
  assert.deepEqual(step.mean, Array.from(statistics['0.featurewise.mean'].toTypedArray() as Float32Array));
  assert.deepEqual(step.std, Array.from(statistics['0.featurewise.std'].toTypedArray() as Float32Array));
  assert.deepEqual(step.shape, [3, 1, 1]);
  dispose(statistics);

  // The test images decoded as the metadata says, standardized with its numbers, through onnxruntime: the
  // probabilities of cnnkit's Classifier.predict on the files.
  const pixels = testFiles.flatMap((file) => tidy(() => Array.from(readImage(file, { mode: 'rgb', size: preprocessing.decode.size }).toTypedArray() as Uint8Array)));
  const area = 16 * 16;
  const input = Float32Array.from(pixels, (v, i) => {
    const channel = Math.floor(i / area) % 3;
    return (v / 255 - step.mean[channel]) / (step.std[channel] + step.eps);
  });
  const session = await createSession(readFileSync(out));
  const logits = (await session.run({ input: new ort.Tensor('float32', input, [testFiles.length, 3, 16, 16]) })).output.data as Float32Array;
  await session.release();
  const classifier = openClassifier(run);
  const { predictions } = await classifier.predict(testFiles);
  classifier.model.dispose();
  predictions.forEach((p, i) => {
    const [a, b] = [logits[2 * i], logits[2 * i + 1]];
    const probabilities = [1 / (1 + Math.exp(b - a)), 1 / (1 + Math.exp(a - b))];
    probabilities.forEach((q, k) => assert.ok(Math.abs(q - p.probabilities[k]) < 1e-5, `${testFiles[i]}: ${q} vs ${p.probabilities[k]}`));
  });

  // A checkpoint and another opset; Debian's checker accepts both files.
  const older = join(dir, 'last-opset14.onnx');
  const fromCheckpoint = cnnkit('export', '--checkpoint', join(run, 'last.safetensors'), '--out', older, '--opset', '14');
  assert.equal(fromCheckpoint.status, 0, fromCheckpoint.stderr);
  assert.equal(Number(decodeModel(readFileSync(older)).opsetImport![0].version), 14); // a Long where the package long is installed
  const checker = startOnnxChecker();
  [out, older].forEach((path) => checker.check(path));
  assert.deepEqual(await checker.done(), { [out]: 'ok', [older]: 'ok' });
});

test('a run from published weights: its preset (resize, crop, mean and std) and the gray adapter are in the metadata', async () => {
  // A run folder as cnnkit train writes it, made by hand: resnet18 from ImageNet weights on gray 32×32 images.
  const folder = join(dir, 'pretrained');
  mkdirSync(folder);
  const config: RunConfig = {
    command: 'train', dataset: 'shapes', model: 'resnet18', modelOptions: { numClasses: 3, inChannels: 1, inputSize: 32 },
    options: { data: 'shapes', weights: 'DEFAULT' }, classes: ['circle', 'square', 'star'], trainImages: 30, valImages: 3,
  };
  const model = resnet18({ numClasses: 3 });
  const state = model.stateDict();
  saveCheckpoint(join(folder, 'best.safetensors'), { weights: state, info: { format: 'cnnkit-checkpoint-1', epoch: 4, history: [], config } });
  dispose(state);
  const out = join(folder, 'model.onnx');
  const { metadata, preprocessing } = exportRun(folder, { out });
  const weights = getWeights('DEFAULT', 'resnet18');
  assert.equal(preprocessing.weights, 'ResNet18_Weights.IMAGENET1K_V1');
  assert.deepEqual(preprocessing.decode.channels, 1);
  assert.deepEqual(preprocessing.steps, [
    { type: 'grayscale', channels: 3 },
    { type: 'resize', size: weights.transforms.resizeSize[0], interpolation: 'bilinear', antialias: true },
    { type: 'center_crop', size: [224, 224] },
    { type: 'normalize', mean: weights.transforms.mean, std: weights.transforms.std },
  ]);
  assert.deepEqual(preprocessing.input, [3, 224, 224]);
  assert.deepEqual(metadataOf(out), metadata);
  assert.deepEqual([metadata.input_channels, metadata.input_height, metadata.input_width, metadata.epoch], ['3', '224', '224', '4']);
  // The file computes the checkpoint's model.
  const x = randn([1, 3, 224, 224]);
  const expected = tidy(() => noGrad(() => model.eval().forward(x)).toTypedArray() as Float32Array);
  const session = await createSession(readFileSync(out));
  const got = (await session.run({ input: new ort.Tensor('float32', x.toTypedArray() as Float32Array, x.shape) })).output.data as Float32Array;
  await session.release();
  const scale = Math.max(...expected.map(Math.abs));
  expected.forEach((e, i) => assert.ok(Math.abs(got[i] - e) <= 1e-4 * scale, `logit ${i}: ${got[i]} vs ${e}`));
  x.dispose();
  model.dispose();
});

test('bad usage of cnnkit export is one line and exit code 2, and leaves no file', () => {
  const notRun = join(dir, 'not-a-run');
  mkdirSync(notRun);
  const out = join(dir, 'bad.onnx');
  const cases: [string[], RegExp][] = [
    [['--run', run], /^cnnkit: export: give --out, where to write it \(a file, e.g. model\.onnx\)\n$/],
    [['--run', run, '--format', 'tflite', '--out', out], /^cnnkit: export: unknown --format 'tflite'; formats: onnx, web\n$/],
    [['--run', notRun, '--out', out], /^cnnkit: export: .*not-a-run holds no best\.safetensors; is it a run folder of cnnkit train\?\n$/],
    [['--checkpoint', join(notRun, 'best.safetensors'), '--out', out], /^cnnkit: export: the checkpoint .* does not exist\n$/],
    [['--out', out], /^cnnkit: export: give --run DIR \(a run folder of cnnkit train\) or --checkpoint FILE\n$/],
    [['--run', run, '--checkpoint', join(run, 'best.safetensors'), '--out', out], /^cnnkit: export: give --run DIR or --checkpoint FILE, not both\n$/],
    [['--run', run, '--out', out, '--opset', '13'], /^cnnkit: export: --opset must be an integer from 14 to 17, got 13\n$/],
    [['--run', run, '--out', join(dir, 'missing', 'model.onnx')], /^cnnkit: export: the folder of .*missing\/model\.onnx does not exist\n$/],
    [['--run', run, '--out', out, '--quantize'], /^cnnkit: export: unknown option '--quantize'; valid options: --run, --checkpoint, --format, --out, --opset, --top-k\n$/],
  ];
  for (const [args, message] of cases) {
    const result = cnnkit('export', ...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, '');
  }
  assert.ok(!existsSync(out));
  assert.deepEqual(readdirSync(dir).filter((name) => name.includes('.tmp-')), []);
});
