// A dataset of image files with class labels, as torchvision's DatasetFolder: decoding (in worker threads too),
// transforms, and the policy for files that cannot be read. ImageFolder and ImagesByName find the files and labels.
import { describe } from '../torch/check.js';
import { frombuffer } from '../torch/creation.js';
import type { Tensor } from '../torch/tensor.js';
import { checkIndex, type Dataset, type Sample, type WorkerSpec } from './dataset.js';
import type { InputTransform } from './transformed-dataset.js';
import { checkDecodeOptions, checkImageFiles, readImage, readImages, type DecodeOptions } from './image.js';

/** A class-index transform given as an object; with a workerSpec() it can reach worker threads. */
export interface TargetTransform {
  forward(target: number): Tensor | number;
  workerSpec?(): WorkerSpec;
}

export interface ImageDatasetOptions extends DecodeOptions {
  /** The input's dtype: 'float32' (default) scales pixels to [0, 1] before the transform; 'uint8' keeps 0..255. */
  dtype?: 'float32' | 'uint8';
  /** Applied to each decoded image. A function works only on this thread (numWorkers 0); a Transform object anywhere. */
  transform?: InputTransform | ((image: Tensor) => Tensor);
  /** Applied to each class index, as torchvision's target_transform (a function, or an object with a workerSpec()). */
  targetTransform?: TargetTransform | ((target: number) => Tensor | number);
  /**
   * A file that cannot be read is an error naming it (true), or is skipped (false, the default): its sample is
   * replaced by the next readable one and the file is listed by skipped().
   */
  strict?: boolean;
  /** Inputs must all have one shape, so that they stack into batches (default true: a clear error names the odd file). */
  sameSize?: boolean;
  /** Read every file's header when the dataset is made, to set aside unreadable files early (default true). */
  checkFiles?: boolean;
  /**
   * Keep the decoded pixels in memory shared by every loading thread, so each file is decoded once, in the first
   * epoch, rather than every epoch (as Keras' dataset.cache()). Needs size; takes length × C × H × W bytes.
   */
  cache?: boolean;
}

/** Decoded pixels shared by every thread: sample i's C×H×W uint8 values at i·C·H·W, and filled[i] = 1 once they are there. */
interface PixelCache {
  pixels: Uint8Array;
  filled: Int32Array;
  shape: number[];
}

/** Sample i's place in the cache. */
function slotOf({ pixels, shape }: PixelCache, i: number): Uint8Array {
  const bytes = shape[0] * shape[1] * shape[2];
  return pixels.subarray(i * bytes, (i + 1) * bytes);
}

/** A file that was skipped, and why. */
export interface SkippedImage {
  path: string;
  reason: string;
}

const dtypes = ['float32', 'uint8'];

/**
 * `samples` are [path, class index] pairs; get(i) decodes sample i into {input: C×H×W, target}. Unreadable files are
 * skipped (or, with strict, are errors): files whose header does not read are set aside when the dataset is made;
 * a file that fails to decode later is flagged in memory shared with the DataLoader's worker threads, so skipped()
 * lists it whichever thread found it.
 */
export class LabelledImages implements Dataset<Sample> {
  readonly samples: readonly (readonly [string, number])[];
  readonly classes: readonly string[];
  readonly classToIdx: Readonly<Record<string, number>>;
  protected readonly options: ImageDatasetOptions;
  /** The class's name as users know it (ImageFolder, ImagesByName), for messages. */
  protected readonly kind: string;
  /** Files set aside when the dataset was made (their header did not read). */
  private readonly rejected: SkippedImage[] = [];
  /** failed[i] is 1 once sample i failed to decode, on any thread (a SharedArrayBuffer). */
  private readonly failed: Int32Array;
  private readonly reasons = new Map<number, string>();
  private readonly cache: PixelCache | null;
  /** Images decoded ahead by prefetch(), until get(i) takes them. */
  private readonly prefetched = new Map<number, Tensor | Error>();
  private firstShape: number[] | null = null;

  constructor(
    samples: readonly (readonly [string, number])[],
    classes: readonly string[],
    options: ImageDatasetOptions = {},
    /** For subclasses and worker threads: the name for messages, and the failure flags of the dataset being rebuilt. */
    shared: { kind?: string; failed?: Int32Array; cache?: PixelCache | null } = {},
  ) {
    this.kind = shared.kind ?? 'LabelledImages';
    checkOptions(options, this.kind);
    if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) throw new TypeError(`${this.kind}: classes must be an array of names, got ${describe(classes)}`);
    if (!Array.isArray(samples) || samples.some((s) => !Array.isArray(s) || typeof s[0] !== 'string' || !Number.isInteger(s[1]) || s[1] < 0 || s[1] >= classes.length)) {
      throw new TypeError(`${this.kind}: samples must be [path, class index] pairs with indices below ${classes.length}`);
    }
    this.options = options;
    this.classes = classes;
    this.classToIdx = Object.fromEntries(classes.map((c, i) => [c, i]));
    let kept = samples;
    if (shared.failed === undefined && options.checkFiles !== false) {
      const faults = checkImageFiles(samples.map(([path]) => path));
      kept = samples.filter((_, i) => faults[i] === null);
      faults.forEach((fault, i) => {
        if (fault === null) return;
        if (options.strict) throw new Error(`${this.kind}: cannot read ${samples[i][0]}: ${fault}; fix or remove the file, or leave out strict to skip unreadable files`);
        this.rejected.push({ path: samples[i][0], reason: fault });
      });
      if (kept.length === 0 && samples.length > 0) throw new Error(`${this.kind}: none of the ${samples.length} files reads as an image (${samples[0][0]}: ${faults[0]})`);
    }
    this.samples = kept;
    this.failed = shared.failed ?? new Int32Array(new SharedArrayBuffer(4 * Math.max(1, kept.length)));
    this.cache = shared.cache !== undefined ? shared.cache : options.cache ? this.makeCache() : null;
  }

  /** The shared pixel memory, for options that checkOptions has found fit for a cache. */
  private makeCache(): PixelCache {
    const { size, mode = 'rgb' } = this.options as { size: number | [number, number]; mode?: 'rgb' | 'gray' | 'rgba' };
    const shape = [{ rgb: 3, gray: 1, rgba: 4 }[mode], ...(typeof size === 'number' ? [size, size] : size)];
    const bytes = this.samples.length * shape[0] * shape[1] * shape[2];
    let buffer: SharedArrayBuffer;
    try {
      buffer = new SharedArrayBuffer(bytes);
    } catch (error) {
      throw new Error(`${this.kind}: cannot set aside ${(bytes / 2 ** 30).toFixed(2)} GiB to cache ${this.samples.length} images of ${shape.join('×')}: ${(error as Error).message}; ` +
        'give a smaller size or leave out cache', { cause: error });
    }
    return { pixels: new Uint8Array(buffer), filled: new Int32Array(new SharedArrayBuffer(4 * Math.max(1, this.samples.length))), shape };
  }

  /** Decodes the files of these samples together (several at once), for the get(i) calls that follow. */
  prefetch(indices: ArrayLike<number>): void {
    this.prefetched.forEach((image) => image instanceof Error || image.dispose());
    this.prefetched.clear();
    const wanted = [...new Set(Array.from(indices))].filter((i) => Number.isInteger(i) && i >= 0 && i < this.samples.length &&
      !Atomics.load(this.failed, i) && !(this.cache && Atomics.load(this.cache.filled, i)));
    if (wanted.length < 2) return;
    const images = readImages(wanted.map((i) => this.samples[i][0]), this.options);
    wanted.forEach((i, k) => this.prefetched.set(i, images[k]));
  }

  /** Sample i's pixels: from the cache once any thread has decoded them, else from the file (then kept in the cache). */
  private read(i: number, path: string): Tensor {
    const cache = this.cache;
    // A copy, so that a transform working in place cannot change what later epochs read.
    if (cache && Atomics.load(cache.filled, i)) return frombuffer(slotOf(cache, i).slice(), { shape: cache.shape });
    const ahead = this.prefetched.get(i);
    this.prefetched.delete(i);
    if (ahead instanceof Error) throw ahead;
    // A prefetched image the batch did not take was freed with the batch's scope: decode again.
    const image = ahead && !ahead.isDisposed ? ahead : readImage(path, this.options);
    if (cache) {
      slotOf(cache, i).set(image.toTypedArray() as Uint8Array);
      Atomics.store(cache.filled, i, 1);
    }
    return image;
  }

  get length(): number {
    return this.samples.length;
  }

  /** The class index of every sample, as torchvision's targets. */
  get targets(): number[] {
    return this.samples.map(([, target]) => target);
  }

  /** Sample i, or, when its file cannot be read and strict is off, the next readable sample after it. */
  get(index: number): Sample {
    checkIndex(this, index, `${this.kind}.get()`);
    const n = this.samples.length;
    for (let k = 0; k < n; k++) {
      const i = (index + k) % n;
      if (Atomics.load(this.failed, i)) continue;
      const [path, target] = this.samples[i];
      let image: Tensor;
      try {
        image = this.read(i, path);
      } catch (error) {
        if (error instanceof TypeError || error instanceof RangeError) throw error;
        const reason = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
        if (this.options.strict) throw new Error(`${this.kind}: cannot read ${path}: ${reason}; fix or remove the file, or leave out strict to skip unreadable files`, { cause: error });
        Atomics.store(this.failed, i, 1);
        this.reasons.set(i, reason);
        continue;
      }
      return { input: this.prepare(image, path), target: this.target(target) };
    }
    throw new Error(`${this.kind}: none of its ${n} images could be read (${this.skipped().slice(0, 3).map((s) => s.path).join(', ')}, …)`);
  }

  private prepare(image: Tensor, path: string): Tensor {
    let input = image;
    if ((this.options.dtype ?? 'float32') === 'float32') {
      const top = image.dtype === 'int32' ? 65535 : 255; // int32: a 16-bit image kept with keep16Bit
      input = image.to('float32').div_(top);
      image.dispose();
    }
    const { transform } = this.options;
    if (transform) {
      const out = typeof transform === 'function' ? transform(input) : transform.forward(input);
      if (out !== input) input.dispose();
      input = out;
    }
    if (this.options.sameSize !== false) {
      const shape = input.shape;
      if (this.firstShape === null) this.firstShape = shape;
      else if (shape.join() !== this.firstShape.join()) {
        input.dispose();
        throw new Error(`${this.kind}: ${path} gives a ${shape.join('×')} input but an earlier image gave ${this.firstShape.join('×')}; ` +
          'a batch needs one size: give the size option (resize while decoding) or a transform that resizes, or sameSize: false with a collate of your own');
      }
    }
    return input;
  }

  private target(index: number): Tensor | number {
    const { targetTransform } = this.options;
    if (!targetTransform) return index;
    return typeof targetTransform === 'function' ? targetTransform(index) : targetTransform.forward(index);
  }

  /**
   * The files skipped so far, on any thread: those set aside when the dataset was made, and those that failed to
   * decode. A failure seen by a worker thread is read again here to say why.
   */
  skipped(): SkippedImage[] {
    const found: SkippedImage[] = [...this.rejected];
    this.samples.forEach(([path], i) => {
      if (!Atomics.load(this.failed, i)) return;
      let reason = this.reasons.get(i);
      if (reason === undefined) {
        try {
          readImage(path, this.options).dispose();
          reason = 'failed to decode in a worker thread';
        } catch (error) {
          reason = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
        }
        this.reasons.set(i, reason);
      }
      found.push({ path, reason });
    });
    return found;
  }

  /** Worker threads rebuild this dataset from its samples, sharing the failure flags; transforms must be objects. */
  workerSpec(): WorkerSpec {
    for (const name of ['transform', 'targetTransform'] as const) {
      const t = this.options[name];
      if (t !== undefined && typeof (t as { workerSpec?: unknown }).workerSpec !== 'function') {
        throw new TypeError(`${this.kind}: ${name} ${typeof t === 'function' ? 'is a function' : 'has no workerSpec()'}, so it cannot reach DataLoader worker threads; ` +
          'give an object with forward() and workerSpec() (a transforms.Transform), or use numWorkers: 0');
      }
    }
    return { module: import.meta.url, name: 'LabelledImages', args: [this.samples, this.classes, this.options, { kind: this.kind, failed: this.failed, cache: this.cache }] };
  }
}

function checkOptions(options: ImageDatasetOptions, where: string): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  checkDecodeOptions(options, where);
  if (options.cache !== undefined && typeof options.cache !== 'boolean') throw new TypeError(`${where}: cache must be a boolean, got ${describe(options.cache)}`);
  if (options.cache) {
    if (options.size === undefined) throw new TypeError(`${where}: cache needs size, so that every image takes the same room; give size (e.g. 64)`);
    if (options.mode === 'unchanged') throw new TypeError(`${where}: cache needs a fixed number of channels; give mode 'rgb', 'gray' or 'rgba' instead of 'unchanged'`);
    if (options.keep16Bit) throw new TypeError(`${where}: cache keeps 8-bit pixels; leave out keep16Bit`);
  }
  if (options.dtype !== undefined && !dtypes.includes(options.dtype)) throw new RangeError(`${where}: dtype must be 'float32' or 'uint8', got ${describe(options.dtype)}`);
  for (const name of ['transform', 'targetTransform'] as const) {
    const t = options[name];
    if (t !== undefined && typeof t !== 'function' && typeof (t as { forward?: unknown })?.forward !== 'function') {
      throw new TypeError(`${where}: ${name} must be a function or an object with forward(), got ${describe(t)}`);
    }
  }
}
