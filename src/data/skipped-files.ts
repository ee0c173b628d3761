// Which image files a dataset skips, and why: those whose header does not read, set aside when the dataset is made,
// and those that fail to decode later, flagged in memory shared with the DataLoader's worker threads so that the
// dataset on the main thread can list them whichever thread found them.
import { readImageHeaders, type ImageHeader } from './image.js';

/** A file that was skipped, and why. */
export interface SkippedImage {
  path: string;
  reason: string;
}

/**
 * The samples whose file header reads, with what their headers say; the others are rejected, or with `strict` an
 * error naming the first.
 */
export function screenFiles<S extends readonly [string, number]>(samples: readonly S[], strict: boolean, where: string):
  { kept: readonly S[]; headers: ImageHeader[]; rejected: SkippedImage[] } {
  const headers = readImageHeaders(samples.map(([path]) => path));
  const rejected: SkippedImage[] = [];
  headers.forEach((header, i) => {
    if (typeof header !== 'string') return;
    if (strict) throw new Error(`${where}: cannot read ${samples[i][0]}: ${header}; fix or remove the file, or leave out strict to skip unreadable files`);
    rejected.push({ path: samples[i][0], reason: header });
  });
  const read = (header: ImageHeader | string): header is ImageHeader => typeof header !== 'string';
  const kept = samples.filter((_, i) => read(headers[i]));
  if (kept.length === 0 && samples.length > 0) throw new Error(`${where}: none of the ${samples.length} files reads as an image (${samples[0][0]}: ${headers[0]})`);
  return { kept, headers: headers.filter(read), rejected };
}

/** The files that failed to decode, by sample index: flags shared between threads, reasons known to this thread. */
export class DecodeFailures {
  private readonly reasons = new Map<number, string>();

  /** `flags` are shared with the same dataset on other threads (a SharedArrayBuffer); new ones where none is given. */
  constructor(length: number, readonly flags: Int32Array = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, length)))) {}

  has(i: number): boolean {
    return Atomics.load(this.flags, i) === 1;
  }

  record(i: number, reason: string): void {
    Atomics.store(this.flags, i, 1);
    this.reasons.set(i, reason);
  }

  /** The failed files; why another thread failed is asked of `reread` (decoding the file again), once. */
  list(paths: readonly string[], reread: (path: string) => string): SkippedImage[] {
    const found: SkippedImage[] = [];
    paths.forEach((path, i) => {
      if (!this.has(i)) return;
      let reason = this.reasons.get(i);
      if (reason === undefined) this.reasons.set(i, reason = reread(path));
      found.push({ path, reason });
    });
    return found;
  }
}
