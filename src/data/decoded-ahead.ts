// Images decoded ahead of the get(i) calls that take them, several files at once so that decoding overlaps.
import type { Tensor } from '../torch/tensor.js';
import { readImages, type DecodeOptions } from './image.js';

export class DecodedAhead {
  private readonly images = new Map<number, Tensor | Error>();

  /** Decodes the files of these samples (dropping what the last call decoded and nobody took). */
  fill(indices: number[], paths: (i: number) => string, options: DecodeOptions): void {
    this.images.forEach((image) => image instanceof Error || image.dispose());
    this.images.clear();
    if (indices.length < 2) return; // one file gains nothing from going ahead
    readImages(indices.map(paths), options).forEach((image, k) => this.images.set(indices[k], image));
  }

  /**
   * Sample i's image (or why it failed) if it was decoded ahead and is still alive: one the batch did not take was
   * freed with the batch's scope.
   */
  take(i: number): Tensor | Error | undefined {
    const image = this.images.get(i);
    this.images.delete(i);
    return image instanceof Error || (image && !image.isDisposed) ? image : undefined;
  }
}
