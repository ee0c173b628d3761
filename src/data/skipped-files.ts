// Which image files a dataset skips, and why: those whose header does not read, set aside when the dataset is made,
// and those that fail to decode later, flagged in memory shared with the DataLoader's worker threads so that the
// dataset on the main thread can list them whichever thread found them.
import { checkImageFiles } from './image.js';

/** A file that was skipped, and why. */
export interface SkippedImage {
  path: string;
  reason: string;
}

/** The samples whose file header reads; the others are rejected, or with `strict` an error naming the first. */
export function screenFiles<S extends readonly [string, number]>(samples: readonly S[], strict: boolean, where: string): { kept: readonly S[]; rejected: SkippedImage[] } {
  const faults = checkImageFiles(samples.map(([path]) => path));
  const rejected: SkippedImage[] = [];
  faults.forEach((fault, i) => {
    if (fault === null) return;
    if (strict) throw new Error(`${where}: cannot read ${samples[i][0]}: ${fault}; fix or remove the file, or leave out strict to skip unreadable files`);
    rejected.push({ path: samples[i][0], reason: fault });
  });
  const kept = samples.filter((_, i) => faults[i] === null);
  if (kept.length === 0 && samples.length > 0) throw new Error(`${where}: none of the ${samples.length} files reads as an image (${samples[0][0]}: ${faults[0]})`);
  return { kept, rejected };
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
