// A run opened as a classifier: predictions on image files equal those of the data set path, test-time
// augmentation gives the mean over flips, and bad inputs are named.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { data, run } from '../../src/index.js';
import { Subset } from '../../src/data/subset.js';
import { noGrad } from '../../src/torch/autograd.js';
import { dispose, tidy } from '../../src/torch/scope.js';
import { evaluate } from '../../src/train/evaluate.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-classifier-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const out = join(dir, 'run');
// featurewise: the test images go through statistics fitted in training, so the files must too.
await run.train({ dataset: 'fashion-mnist', limit: 600, epochs: 1, batchSize: 50, threads: 2, out, progress: 'quiet', augment: 'featurewise' });
const N = 300;
const fashion = run.openDataset('fashion-mnist');
const files = Array.from({ length: N }, (_, i) => join(dir, `${i}.png`));
tidy(() => files.forEach((file, i) => data.saveImage(file, (fashion.test as data.FashionMNIST).data.select(0, i).unsqueeze(0))));
const labels = Array.from({ length: N }, (_, i) => fashion.test.get(i).target as number);

test('predict on Fashion-MNIST test images written as PNG gives the predictions of the data set path', async () => {
  const classifier = run.openClassifier(out);
  assert.equal(classifier.model.training, false);
  assert.deepEqual(classifier.classes, fashion.classes);
  assert.deepEqual(classifier.decode, { mode: 'gray', size: [28, 28] });
  const { predictions, skipped } = await classifier.predict(files, { topK: 3, batchSize: 64, workers: 2 });
  assert.deepEqual(skipped, []);
  assert.deepEqual(predictions.map((p) => p.input), files);
  // The data set path: the same images, through the run's preprocessing, in batches.
  const subset = classifier.prepare(new Subset(fashion.test, Int32Array.from({ length: N }, (_, i) => i)));
  const expected: number[][] = [];
  for await (const batch of new data.DataLoader(subset, { batchSize: 100 })) {
    expected.push(...tidy(() => classifier.probabilities(batch.inputs).tolist() as number[][]));
    dispose(batch);
  }
  predictions.forEach((p, i) => {
    const best = expected[i].indexOf(Math.max(...expected[i]));
    assert.equal(p.top[0].index, best, `image ${i}`);
    assert.equal(p.top[0].className, fashion.classes[best]);
    assert.ok(p.probabilities.every((q, k) => Math.abs(q - expected[i][k]) < 1e-6), `image ${i}: probabilities`);
    assert.equal(p.top.length, 3);
    assert.ok(p.top[0].probability >= p.top[1].probability && p.top[1].probability >= p.top[2].probability);
  });
  // The same accuracy as evaluate() scores on the data set path.
  const scored = await evaluate(classifier.model, new data.DataLoader(subset, { batchSize: 100 }));
  const hits = predictions.filter((p, i) => p.top[0].index === labels[i]).length;
  assert.ok(Math.abs(hits / N - scored.accuracy) < 1e-12, `${hits / N} vs ${scored.accuracy}`);
  // Decoded images (uint8 C×H×W) give what their files give.
  const images = files.slice(0, 5).map((file) => data.readImage(file, { mode: 'gray' }));
  const fromTensors = await classifier.predict(images);
  fromTensors.predictions.forEach((p, i) => {
    assert.equal(p.input, i);
    assert.ok(p.probabilities.every((q, k) => Math.abs(q - predictions[i].probabilities[k]) < 1e-6));
  });
  // An RGB image of the same pixels is converted to the run's gray channel, as decoding does.
  const rgb = images[0].repeat(3, 1, 1);
  const fromRgb = await classifier.predict([rgb]);
  assert.ok(fromRgb.predictions[0].probabilities.every((q, k) => Math.abs(q - predictions[0].probabilities[k]) < 1e-5));
  dispose([images, rgb]);
});

test('test-time augmentation: the mean softmax over the image and its horizontal flip, a distribution that differs from the plain one', async () => {
  const classifier = run.openClassifier(join(out, 'best.safetensors'));
  const few = files.slice(0, 20);
  const plain = await classifier.predict(few);
  const tta = await classifier.predict(few, { tta: true });
  let changed = 0;
  tta.predictions.forEach((p, i) => {
    assert.ok(p.probabilities.every((q) => q >= 0 && q <= 1));
    assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    if (p.probabilities.some((q, k) => Math.abs(q - plain.predictions[i].probabilities[k]) > 1e-4)) changed++;
  });
  assert.ok(changed > 10, `TTA changed ${changed} of 20 distributions`);
  // By hand: the flipped images through the same preprocessing and model.
  const subset = classifier.prepare(new Subset(fashion.test, Int32Array.from({ length: 20 }, (_, i) => i)));
  const batch = data.defaultCollate(Array.from({ length: 20 }, (_, i) => subset.get(i)));
  const expected = tidy(() => noGrad(() => classifier.model.forward(batch.inputs).softmax(1).add(classifier.model.forward(batch.inputs.flip(3)).softmax(1)).div(2).tolist() as number[][]));
  dispose(batch);
  tta.predictions.forEach((p, i) => assert.ok(p.probabilities.every((q, k) => Math.abs(q - expected[i][k]) < 1e-6), `image ${i}`));
  // TTA in evaluation keeps the classifier in eval mode.
  assert.equal(classifier.model.training, false);
});

test('an unreadable file is named and skipped (or with strict an error); bad options and inputs are named', async () => {
  const classifier = run.openClassifier(out);
  const broken = join(dir, 'broken.png');
  writeFileSync(broken, 'not a png');
  const { predictions, skipped } = await classifier.predict([files[0], broken, files[1]]);
  assert.deepEqual(predictions.map((p) => p.input), [files[0], files[1]]);
  assert.equal(skipped.length, 1);
  assert.equal(skipped[0].path, broken);
  await assert.rejects(classifier.predict([files[0], broken], { strict: true }), /predict: cannot read .*broken\.png/);
  await assert.rejects(classifier.predict([files[0]], { topK: 11 }), /predict: topK must be an integer from 1 to 10, got 11/);
  await assert.rejects(classifier.predict([42 as never]), /predict: input 0 is neither a file path nor an image tensor/);
  assert.throws(() => run.openClassifier(dir), /holds no best\.safetensors; is it a run folder of cnnkit train\?/);
});

test('natural order: digit runs compare as numbers', () => {
  const names = ['10.jpg', '2.jpg', 'cat.10.jpg', '1.jpg', 'cat.9.jpg', 'b.png', 'a10b.png', 'a2b.png'];
  assert.deepEqual([...names].sort(run.naturalCompare), ['1.jpg', '2.jpg', '10.jpg', 'a2b.png', 'a10b.png', 'b.png', 'cat.9.jpg', 'cat.10.jpg']);
});
