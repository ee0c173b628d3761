// cnnkit's cache of converted datasets: $CNNKIT_HOME or ~/.cache/cnnkit. A split is one file, written atomically:
// its images as a uint8 IDX array (N×28×28) followed by its labels as a uint8 IDX array (N).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

import { writeFileAtomic } from '../util/atomic-write.js';
import { idxHeader, idxMagic, parseIdxAt } from './idx.js';

/** Bumped when what a cache file holds changes (its format, or the split it records), so old files are not read. */
const CACHE_VERSION = 1;

export function cacheHome(): string {
  return process.env.CNNKIT_HOME || join(homedir(), '.cache', 'cnnkit');
}

/** Where a dataset split from a source of a given version is cached. */
export function cachePath(dataset: string, version: string, split: string): string {
  return join(cacheHome(), 'datasets', `v${CACHE_VERSION}`, `${dataset}-${version}`, `${split}.idx`);
}

/** What the cache holds for one split: its images and labels as uint8 bytes. */
export interface CachedSplit {
  images: Uint8Array;
  labels: Uint8Array;
}

/** The cached split, or null when there is none yet. */
export function readCache(path: string): CachedSplit | null {
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  const damaged = (what: string) => new Error(`the dataset cache ${path} is damaged (${what}); delete it and it is rebuilt on the next load`);
  let images: ReturnType<typeof parseIdxAt>;
  let labels: ReturnType<typeof parseIdxAt>;
  try {
    images = parseIdxAt(bytes, 0, path);
    labels = parseIdxAt(bytes, images.end, path);
  } catch (error) {
    throw damaged((error as Error).message);
  }
  if (images.magic !== idxMagic(0x08, 3) || labels.magic !== idxMagic(0x08, 1)) throw damaged('not uint8 images followed by uint8 labels');
  if (images.shape[0] !== labels.shape[0]) throw damaged(`${images.shape[0]} images but ${labels.shape[0]} labels`);
  if (labels.end !== bytes.length) throw damaged(`${bytes.length - labels.end} bytes after the labels`);
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array };
}

export function writeCache(path: string, { images, labels }: CachedSplit, imageShape: number[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, [idxHeader([labels.length, ...imageShape]), images, idxHeader([labels.length]), labels]);
}
