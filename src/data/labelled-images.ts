// A dataset of image files with class labels, as torchvision's DatasetFolder. ImageFolder and ImagesByName find the
// files and labels; this class puts together the parts that each do one thing: screening the files
// (skipped-files.ts), the shared pixel cache (pixel-cache.ts), decoding ahead (decoded-ahead.ts), the record of
// failed decodes (skipped-files.ts) and making the input and target (image-input.ts).
import { describe } from '../torch/check.js';
import type { Tensor } from '../torch/tensor.js';
import { checkIndex, type Dataset, type Sample, type WorkerSpec } from './dataset.js';
import { DecodedAhead } from './decoded-ahead.js';
import { checkDecodeOptions, readImage, type DecodeOptions, type ImageHeader } from './image.js';
import { checkInputOptions, checkInputOptionsForWorkers, SameShape, toInput, toTarget, type InputOptions } from './image-input.js';
import { cachedImage, checkCacheOptions, isCached, makePixelCache, storeImage, type PixelCache } from './pixel-cache.js';
import { DecodeFailures, screenFiles, type SkippedImage } from './skipped-files.js';

export type { TargetTransform } from './image-input.js';
export type { SkippedImage } from './skipped-files.js';

export interface ImageDatasetOptions extends DecodeOptions, InputOptions {
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

/** Files whose bands decoding changes to give the channels asked for (mode 'rgb' or 'gray'). */
export interface ConvertedImages {
  /** Their alpha channel is dropped. */
  alphaDropped: string[];
  /** Gray files, their one band repeated to RGB. */
  grayToRgb: string[];
  /** Colour files, made gray by their luma. */
  rgbToGray: string[];
}

/** Why a file did not read: the decoder's own message where it gave one. */
const reasonOf = (error: unknown): string => ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;

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
  private readonly rejected: readonly SkippedImage[];
  /** What each kept file's header says; null where headers were not read (checkFiles false, a worker's copy). */
  private readonly headers: readonly ImageHeader[] | null;
  private readonly failures: DecodeFailures;
  private readonly cache: PixelCache | null;
  private readonly ahead = new DecodedAhead();
  private readonly sameShape: SameShape | null;

  constructor(
    samples: readonly (readonly [string, number])[],
    classes: readonly string[],
    options: ImageDatasetOptions = {},
    /** For subclasses and worker threads: the name for messages, and the failure flags and cache of the dataset being rebuilt. */
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
    // A worker thread's copy takes the samples its parent kept.
    const { kept, headers, rejected } = shared.failed === undefined && options.checkFiles !== false
      ? screenFiles(samples, options.strict === true, this.kind) : { kept: samples, headers: null, rejected: [] };
    this.samples = kept;
    this.headers = headers;
    this.rejected = rejected;
    this.failures = new DecodeFailures(kept.length, shared.failed);
    this.cache = shared.cache !== undefined ? shared.cache : options.cache ? makePixelCache(kept.length, options, this.kind) : null;
    this.sameShape = options.sameSize !== false ? new SameShape(this.kind) : null;
  }

  /** Decodes the files of these samples together (several at once), for the get(i) calls that follow. */
  prefetch(indices: ArrayLike<number>): void {
    const wanted = [...new Set(Array.from(indices))].filter((i) => Number.isInteger(i) && i >= 0 && i < this.samples.length &&
      !this.failures.has(i) && !(this.cache && isCached(this.cache, i)));
    this.ahead.fill(wanted, (i) => this.samples[i][0], this.options);
  }

  /** Sample i's pixels: from the cache once any thread has decoded them, else from the file (then kept in the cache). */
  private read(i: number, path: string): Tensor {
    if (this.cache && isCached(this.cache, i)) return cachedImage(this.cache, i);
    const ahead = this.ahead.take(i);
    if (ahead instanceof Error) throw ahead;
    const image = ahead ?? readImage(path, this.options);
    if (this.cache) storeImage(this.cache, i, image);
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
      if (this.failures.has(i)) continue;
      const [path, target] = this.samples[i];
      let image: Tensor;
      try {
        image = this.read(i, path);
      } catch (error) {
        if (error instanceof TypeError || error instanceof RangeError) throw error;
        const reason = reasonOf(error);
        if (this.options.strict) throw new Error(`${this.kind}: cannot read ${path}: ${reason}; fix or remove the file, or leave out strict to skip unreadable files`, { cause: error });
        this.failures.record(i, reason);
        continue;
      }
      const input = toInput(image, this.options);
      this.sameShape?.check(input, path);
      return { input, target: toTarget(target, this.options) };
    }
    throw new Error(`${this.kind}: none of its ${n} images could be read (${this.skipped().slice(0, 3).map((s) => s.path).join(', ')}, …)`);
  }

  /**
   * The files skipped so far, on any thread: those set aside when the dataset was made, and those that failed to
   * decode. A failure seen by a worker thread is read again here to say why.
   */
  /** The files whose header says decoding converts their bands, by the headers read when the dataset was made (null if none were). */
  converted(): ConvertedImages | null {
    if (this.headers === null) return null;
    const mode = this.options.mode ?? 'rgb';
    const paths = (keep: (header: ImageHeader) => boolean) => this.samples.filter((_, i) => keep(this.headers![i])).map(([path]) => path);
    return {
      alphaDropped: mode === 'rgb' || mode === 'gray' ? paths((h) => h.hasAlpha) : [],
      grayToRgb: mode === 'rgb' ? paths((h) => h.channels <= 2) : [],
      rgbToGray: mode === 'gray' ? paths((h) => h.channels >= 3) : [],
    };
  }

  skipped(): SkippedImage[] {
    const reread = (path: string): string => {
      try {
        readImage(path, this.options).dispose();
        return 'failed to decode in a worker thread';
      } catch (error) {
        return reasonOf(error);
      }
    };
    return [...this.rejected, ...this.failures.list(this.samples.map(([path]) => path), reread)];
  }

  /** Worker threads rebuild this dataset from its samples, sharing the failure flags; transforms must be objects. */
  workerSpec(): WorkerSpec {
    checkInputOptionsForWorkers(this.options, this.kind);
    return { module: import.meta.url, name: 'LabelledImages', args: [this.samples, this.classes, this.options, { kind: this.kind, failed: this.failures.flags, cache: this.cache }] };
  }
}

function checkOptions(options: ImageDatasetOptions, where: string): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  checkDecodeOptions(options, where);
  checkCacheOptions(options, where);
  checkInputOptions(options, where);
}
