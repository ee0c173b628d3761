import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { DataLoader } from '../../src/data/dataloader.js';
import { readImage, readImages } from '../../src/data/image.js';
import { ImagesByName } from '../../src/data/image-files.js';
import { ImageFolder } from '../../src/data/image-folder.js';
import { randomSplit } from '../../src/data/random-split.js';
import { dispose, memory, tidy } from '../../src/torch/scope.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { dir, noReference, reference } from './image-fixtures.js';
import { Invert } from './image-transforms.js';

const tree = join(dir, 'tree');

/** A folder of class folders holding copies of the fixtures, plus `extra` files written as given. */
function makeFolder(name: string, files: Record<string, string>, extra: Record<string, string> = {}): string {
  const root = join(dir, name);
  for (const [target, source] of Object.entries(files)) {
    mkdirSync(join(root, target, '..'), { recursive: true });
    copyFileSync(join(dir, source), join(root, target));
  }
  for (const [target, text] of Object.entries(extra)) {
    mkdirSync(join(root, target, '..'), { recursive: true });
    writeFileSync(join(root, target), text);
  }
  return root;
}

test('ImageFolder finds the classes and samples torchvision\'s ImageFolder finds, in the same order', { skip: noReference }, () => {
  const folder = new ImageFolder(tree);
  assert.deepEqual(folder.classes, reference!.tree.classes);
  assert.deepEqual({ ...folder.classToIdx }, reference!.tree.class_to_idx);
  assert.deepEqual(folder.samples.map(([path, c]) => [relative(dir, path), c]), reference!.tree.samples);
  assert.deepEqual(folder.targets, reference!.tree.samples.map(([, c]: [string, number]) => c));
  assert.equal(folder.length, 6);
  assert.deepEqual(folder.skipped(), []);
});

test('get(i) gives float32 C×H×W in [0, 1] by default, uint8 on request, with transforms applied', () => {
  const folder = new ImageFolder(tree);
  const [path, target] = folder.samples[2];
  const sample = folder.get(2);
  const image = readImage(path);
  assert.equal(sample.input.dtype, 'float32');
  assert.equal(sample.target, target);
  assert.ok(tidy(() => sample.input.mul(255).sub(image.to('float32')).abs().max().item() as number) < 1e-4);
  const raw = new ImageFolder(tree, { dtype: 'uint8', mode: 'gray' }).get(2);
  assert.equal(raw.input.dtype, 'uint8');
  assert.deepEqual(raw.input.shape, [1, 6, 8]);
  const transformed = new ImageFolder(tree, { transform: new Invert(), targetTransform: (t: number) => t + 10 }).get(2);
  assert.ok(tidy(() => transformed.input.add(sample.input).sub(1).abs().max().item() as number) < 1e-6);
  assert.equal(transformed.target, target + 10);
  const resized = new ImageFolder(tree, { size: [4, 5], transform: (x: Tensor) => x.narrow(0, 0, 1) }).get(0);
  assert.deepEqual(resized.input.shape, [1, 4, 5]);
  dispose([sample, image, raw, transformed, resized]);
});

test('unreadable files are skipped and listed with the reason, on the main thread and in worker threads alike', async () => {
  const root = makeFolder('damaged', { 'a/1.png': 'rgb.png', 'a/2.png': 'truncated.png', 'a/3.png': 'rgb.png', 'b/1.jpg': 'rgb.jpg', 'b/2.jpg': 'corrupt.jpg' });
  // corrupt.jpg fails the header check when the dataset is made; truncated.png only when it is decoded.
  const folder = new ImageFolder(root);
  assert.equal(folder.length, 4);
  assert.deepEqual(folder.skipped().map((s) => relative(root, s.path)), ['b/2.jpg']);
  assert.match(folder.skipped()[0].reason, /unsupported image format/);
  const stand = folder.get(1);
  assert.equal(stand.target, 0, 'a/2.png is replaced by the next readable sample, a/3.png');
  assert.deepEqual(folder.skipped().map((s) => relative(root, s.path)), ['b/2.jpg', 'a/2.png']);
  dispose(stand);

  const fresh = new ImageFolder(root, { size: 8 });
  const loader = new DataLoader(fresh, { batchSize: 2, numWorkers: 2 });
  const targets: number[] = [];
  for await (const batch of loader) {
    targets.push(...(batch.targets.tolist() as number[]));
    dispose(batch);
  }
  assert.deepEqual(targets, [0, 0, 0, 1], 'the sample of a/2.png is a/3.png\'s');
  const skipped = fresh.skipped();
  assert.deepEqual(skipped.map((s) => relative(root, s.path)), ['b/2.jpg', 'a/2.png'], 'the worker\'s failure is seen here');
  assert.match(skipped[1].reason, /png|PNG|read|end|truncat/i);
});

test('strict makes an unreadable file an error that names it', () => {
  const headerless = makeFolder('strict-header', { 'a/1.png': 'rgb.png', 'a/2.jpg': 'corrupt.jpg' });
  assert.throws(() => new ImageFolder(headerless, { strict: true }), /^Error: ImageFolder: cannot read .*a\/2\.jpg: .*unsupported image format; fix or remove the file, or leave out strict/);
  const truncated = makeFolder('strict-data', { 'a/1.png': 'rgb.png', 'a/2.png': 'truncated.png' });
  const folder = new ImageFolder(truncated, { strict: true });
  assert.throws(() => folder.get(1), /^Error: ImageFolder: cannot read .*a\/2\.png: /);
});

test('images of different sizes are a clear error unless resized; the size option makes one size', () => {
  const root = makeFolder('sizes', { 'a/1.png': 'rgb.png', 'b/1.png': 'rgb.png' });
  copyFileSync(join(tree, 'cat', 'a.png'), join(root, 'b', '1.png'));
  const mixed = new ImageFolder(root);
  dispose(mixed.get(0));
  assert.throws(() => mixed.get(1), /^Error: ImageFolder: .*b\/1\.png gives a 3×6×8 input but an earlier image gave 3×13×20; a batch needs one size: give the size option/);
  const loader = new DataLoader(new ImageFolder(root, { size: 16 }), { batchSize: 2 });
  for (const batch of loader) {
    assert.deepEqual(batch.inputs.shape, [2, 3, 16, 16]);
    dispose(batch);
  }
});

test('worker threads give the same batches as the main thread, and a function transform cannot reach them', async () => {
  const folder = new ImageFolder(tree, { size: 6, transform: new Invert() });
  const collect = async (numWorkers: number) => {
    const out: number[][] = [];
    for await (const batch of new DataLoader(folder, { batchSize: 4, shuffle: true, seed: 3, numWorkers })) {
      out.push(Array.from(batch.inputs.toTypedArray() as Float32Array), batch.targets.tolist() as number[]);
      dispose(batch);
    }
    return out;
  };
  assert.deepEqual(await collect(2), await collect(0));
  const withFunction = new DataLoader(new ImageFolder(tree, { transform: (x: Tensor) => x.clone() }), { numWorkers: 1 });
  await assert.rejects(async () => {
    for await (const batch of withFunction) dispose(batch);
  }, /ImageFolder: transform is a function, so it cannot reach DataLoader worker threads; give an object with forward\(\) and workerSpec\(\)/);
});

test('readImages decodes several files at once, each as readImage does, and names each file it cannot read', () => {
  const paths = ['rgb.png', 'rgb.jpg', 'gray.png', 'truncated.png', 'rgb.png'].map((f) => join(dir, f));
  const [a, b, c, bad, again] = readImages(paths, { mode: 'rgb' });
  for (const [got, path] of [[a, paths[0]], [b, paths[1]], [c, paths[2]], [again, paths[4]]] as [Tensor, string][]) {
    const one = readImage(path);
    assert.deepEqual(got.shape, one.shape);
    assert.deepEqual(Array.from(got.toTypedArray() as Uint8Array), Array.from(one.toTypedArray() as Uint8Array));
    dispose(one);
  }
  assert.ok(bad instanceof Error);
  assert.match(bad.message, /^readImages: cannot decode .*truncated\.png: /);
  assert.deepEqual(readImages([]), []);
  assert.throws(() => readImages(paths, { mode: 'cmyk' as 'rgb' }), /readImages: mode must be 'rgb', 'gray', 'rgba' or 'unchanged', got "cmyk"/);
  dispose([a, b, c, again] as Tensor[]);
});

test('cache keeps the decoded pixels for every thread: later epochs read no file, and give the same batches', async () => {
  const root = makeFolder('cached', { 'a/1.png': 'rgb.png', 'a/2.jpg': 'rgb.jpg', 'b/1.png': 'gray.png', 'b/2.png': 'rgb.png', 'b/3.jpg': 'rgb.jpg' });
  const epoch = async (loader: DataLoader) => {
    const out: number[][] = [];
    for await (const batch of loader) {
      out.push(Array.from(batch.inputs.toTypedArray() as Uint8Array), batch.targets.tolist() as number[]);
      dispose(batch);
    }
    return out;
  };
  const plain = await epoch(new DataLoader(new ImageFolder(root, { size: 8, dtype: 'uint8' }), { batchSize: 2 }));
  for (const numWorkers of [0, 2]) {
    const folder = new ImageFolder(root, { size: 8, dtype: 'uint8', cache: true });
    const loader = new DataLoader(folder, { batchSize: 2, numWorkers });
    assert.deepEqual(await epoch(loader), plain, 'the first epoch decodes');
    renameSync(root, `${root}-away`); // no file can be read now
    try {
      assert.deepEqual(await epoch(loader), plain, `numWorkers ${numWorkers}: the second epoch reads the cache`);
      assert.deepEqual(folder.skipped(), []);
    } finally {
      renameSync(`${root}-away`, root);
    }
  }
  // A transform working in place gets a copy of the cached pixels, whichever read it is.
  const brighter = new ImageFolder(root, { size: 8, dtype: 'uint8', cache: true, transform: { forward: (x: Tensor) => x.add_(1) } });
  const [first, second, third] = [0, 1, 2].map(() => brighter.get(0).input);
  assert.deepEqual(Array.from(third.toTypedArray() as Uint8Array), Array.from(first.toTypedArray() as Uint8Array));
  assert.deepEqual(Array.from(second.toTypedArray() as Uint8Array), Array.from(first.toTypedArray() as Uint8Array));
  dispose([first, second, third]);
});

test('a batch that fails part-way leaves no freed image behind for later reads', async () => {
  const root = makeFolder('prefetch-strict', { 'a/1.png': 'rgb.png', 'a/2.png': 'truncated.png', 'a/3.png': 'rgb.png' });
  const folder = new ImageFolder(root, { strict: true });
  await assert.rejects(async () => {
    for await (const batch of new DataLoader(folder, { batchSize: 3 })) dispose(batch);
  }, /sample 1 of ImageFolder failed: ImageFolder: cannot read .*a\/2\.png/);
  const { input } = folder.get(2); // decoded with the failed batch, freed with it: read again
  const expected = readImage(join(root, 'a', '3.png'));
  assert.ok(tidy(() => input.mul(255).sub(expected.to('float32')).abs().max().item() as number) < 1e-4);
  dispose([input, expected]);
});

test('cache needs a size and a fixed number of channels, and says so', () => {
  assert.throws(() => new ImageFolder(tree, { cache: true }), /^TypeError: ImageFolder: cache needs size, so that every image takes the same room; give size \(e\.g\. 64\)/);
  assert.throws(() => new ImageFolder(tree, { cache: true, size: 8, mode: 'unchanged' }), /ImageFolder: cache needs a fixed number of channels; give mode 'rgb', 'gray' or 'rgba'/);
  assert.throws(() => new ImageFolder(tree, { cache: true, size: 8, keep16Bit: true }), /ImageFolder: cache keeps 8-bit pixels; leave out keep16Bit/);
  assert.throws(() => new ImageFolder(tree, { cache: 'yes' as unknown as boolean }), /ImageFolder: cache must be a boolean, got "yes"/);
  const gray = new ImageFolder(tree, { cache: true, size: [4, 5], mode: 'gray', dtype: 'uint8' });
  const { input } = gray.get(1);
  assert.deepEqual(input.shape, [1, 4, 5]);
  dispose(input);
});

test('a seeded split of an ImageFolder is the same split every time and keeps the samples apart', () => {
  const folder = new ImageFolder(tree);
  const [train, val] = randomSplit(folder, [0.5, 0.5], { seed: 7 });
  const [again] = randomSplit(folder, [0.5, 0.5], { seed: 7 });
  assert.deepEqual([...train.indices], [...again.indices]);
  assert.deepEqual([...train.indices, ...val.indices].sort(), [0, 1, 2, 3, 4, 5]);
});

test('ImageFolder: a missing folder, no class folders and an empty class folder are errors that say what to do', () => {
  assert.throws(() => new ImageFolder(join(dir, 'nowhere')), /^Error: ImageFolder: .*nowhere is not a folder; give the folder that holds the images/);
  const flat = makeFolder('flat', { 'cat.0.png': 'rgb.png' });
  assert.throws(() => new ImageFolder(flat), /^Error: ImageFolder: .*flat has no class folders; put the images in .*flat\/<class name>\/, or label a flat folder by file name with ImagesByName/);
  const empty = makeFolder('empty-class', { 'a/1.png': 'rgb.png' }, { 'b/notes.txt': 'text' });
  assert.throws(() => new ImageFolder(empty), /^Error: ImageFolder: found no image files in the class folder b of .*empty-class \(extensions \.jpg .*\); add images, remove the folder, or give the extensions option/);
  assert.throws(() => new ImageFolder(tree, { extensions: ['png'] }), /^TypeError: ImageFolder: extensions must be a non-empty array like \['\.jpg', '\.png'\]/);
  assert.throws(() => new ImageFolder(tree, { dtype: 'float64' as never }), /^RangeError: ImageFolder: dtype must be 'float32' or 'uint8'/);
  assert.throws(() => new ImageFolder(tree, { mode: 'hsv' as never }), /^RangeError: ImageFolder: mode must be/);
  assert.throws(() => new ImageFolder(tree, { transform: 3 as never }), /^TypeError: ImageFolder: transform must be a function or an object with forward\(\)/);
  assert.throws(() => new ImageFolder(tree).get(6), /^RangeError: ImageFolder.get\(\): index 6 is out of range for 6 samples/);
});

test('ImagesByName labels a flat folder by the first capture group of the file name (Dogs vs. Cats)', () => {
  const root = makeFolder('dogs-vs-cats', {
    'dog.1.jpg': 'rgb.jpg', 'cat.0.jpg': 'rgb.jpg', 'dog.0.jpg': 'rgb.jpg', 'cat.1.png': 'rgb.png', 'cat.2.jpg': 'corrupt.jpg', 'bird.0.jpg': 'rgb.jpg',
  }, { 'notes.txt': 'not an image' });
  const pets = new ImagesByName(root, '^(cat|dog)\\.');
  assert.deepEqual(pets.classes, ['cat', 'dog']);
  assert.deepEqual(pets.samples.map(([path, c]) => [relative(root, path), c]), [['cat.0.jpg', 0], ['cat.1.png', 0], ['dog.0.jpg', 1], ['dog.1.jpg', 1]]);
  assert.deepEqual(pets.unmatched.map((p) => relative(root, p)), ['bird.0.jpg']);
  assert.deepEqual(pets.skipped().map((s) => relative(root, s.path)), ['cat.2.jpg']);
  const anyName = new ImagesByName(root, /^([a-z]+)\.\d+/g);
  assert.deepEqual(anyName.classes, ['bird', 'cat', 'dog']);
  assert.deepEqual(anyName.targets, [0, 1, 1, 2, 2]);
  const sample = anyName.get(4);
  assert.equal(sample.target, 2);
  dispose(sample);
  assert.throws(() => new ImagesByName(root, '^(cat|dog)\\.', { strict: true }), /^Error: ImagesByName: pattern \/\^\(cat\|dog\)\\.\/ does not label 1 of the 6 files in .*: .*bird\.0\.jpg; move them out, change the pattern, or leave out strict/);
  assert.throws(() => new ImagesByName(root, 'cat'), /^TypeError: ImagesByName: pattern \/cat\/ has no capture group; the first group is the label/);
  assert.throws(() => new ImagesByName(root, '^(horse)'), /^Error: ImagesByName: pattern \/\^\(horse\)\/ labels none of the 6 files in .*; its first capture group must match/);
  assert.throws(() => new ImagesByName(root, '(unclosed'), /^TypeError: ImagesByName: pattern "\(unclosed" is not a regular expression/);
  assert.throws(() => new ImagesByName(root, 5 as never), /^TypeError: ImagesByName: pattern must be a RegExp or a string, got 5/);
  assert.throws(() => new ImagesByName(tree, '^(.)'), /^Error: ImagesByName: .*tree holds no image files/);
});

test('loading every sample in a loop leaves no tensor behind', () => {
  const folder = new ImageFolder(tree, { size: 4, transform: new Invert() });
  const before = memory().numTensors;
  for (let round = 0; round < 3; round++) {
    for (const batch of new DataLoader(folder, { batchSize: 4 })) dispose(batch);
  }
  assert.equal(memory().numTensors, before);
});
