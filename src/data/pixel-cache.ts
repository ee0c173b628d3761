// Decoded pixels kept in memory shared by every loading thread (as Keras' dataset.cache()), so that each file is
// decoded once, in the first epoch, rather than every epoch. Plain shared memory, so it reaches worker threads as is.
import { describe } from '../torch/check.js';
import { frombuffer } from '../torch/creation.js';
import type { Tensor } from '../torch/tensor.js';
import type { DecodeOptions } from './image.js';

/** Sample i's C×H×W uint8 values at i·C·H·W, and filled[i] = 1 once they are there. */
export interface PixelCache {
  pixels: Uint8Array;
  filled: Int32Array;
  shape: number[];
}

/** Refuses decoding options under which images could differ in size or depth, which a cache cannot hold. */
export function checkCacheOptions(options: DecodeOptions & { cache?: unknown }, where: string): void {
  if (options.cache !== undefined && typeof options.cache !== 'boolean') throw new TypeError(`${where}: cache must be a boolean, got ${describe(options.cache)}`);
  if (!options.cache) return;
  if (options.size === undefined) throw new TypeError(`${where}: cache needs size, so that every image takes the same room; give size (e.g. 64)`);
  if (options.mode === 'unchanged') throw new TypeError(`${where}: cache needs a fixed number of channels; give mode 'rgb', 'gray' or 'rgba' instead of 'unchanged'`);
  if (options.keep16Bit) throw new TypeError(`${where}: cache keeps 8-bit pixels; leave out keep16Bit`);
}

/** Room for `length` images decoded with options that checkCacheOptions has accepted. */
export function makePixelCache(length: number, options: DecodeOptions, where: string): PixelCache {
  const { size, mode = 'rgb' } = options as { size: number | [number, number]; mode?: 'rgb' | 'gray' | 'rgba' };
  const shape = [{ rgb: 3, gray: 1, rgba: 4 }[mode], ...(typeof size === 'number' ? [size, size] : size)];
  const bytes = length * shape[0] * shape[1] * shape[2];
  let buffer: SharedArrayBuffer;
  try {
    buffer = new SharedArrayBuffer(bytes);
  } catch (error) {
    throw new Error(`${where}: cannot set aside ${(bytes / 2 ** 30).toFixed(2)} GiB to cache ${length} images of ${shape.join('×')}: ${(error as Error).message}; ` +
      'give a smaller size or leave out cache', { cause: error });
  }
  return { pixels: new Uint8Array(buffer), filled: new Int32Array(new SharedArrayBuffer(4 * Math.max(1, length))), shape };
}

/** Sample i's place in the cache. */
function slotOf({ pixels, shape }: PixelCache, i: number): Uint8Array {
  const bytes = shape[0] * shape[1] * shape[2];
  return pixels.subarray(i * bytes, (i + 1) * bytes);
}

/** Whether any thread has stored sample i yet. */
export function isCached(cache: PixelCache, i: number): boolean {
  return Atomics.load(cache.filled, i) === 1;
}

/** A copy of sample i's pixels, so that a transform working in place cannot change what later epochs read. */
export function cachedImage(cache: PixelCache, i: number): Tensor {
  return frombuffer(slotOf(cache, i).slice(), { shape: cache.shape });
}

export function storeImage(cache: PixelCache, i: number, image: Tensor): void {
  slotOf(cache, i).set(image.toTypedArray() as Uint8Array);
  Atomics.store(cache.filled, i, 1);
}
