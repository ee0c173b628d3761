// Many images as one: torchvision.utils.make_grid, for looking at a batch or saving it with saveImage.
import { describe } from '../torch/check.js';
import { full } from '../torch/creation.js';
import { stack } from '../torch/functions.js';
import { tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';

export interface GridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  /** Pixels between images and around the edge (default 2). */
  padding?: number;
  /** The padding's value (default 0). */
  padValue?: number;
  /** Shift and scale to [0, 1] by valueRange, or by the batch's min and max (default false). */
  normalize?: boolean;
  /** With normalize: the [low, high] mapped to [0, 1], values outside clamped (default: the batch's min and max). */
  valueRange?: [number, number];
}

/**
 * The images of an N×C×H×W batch (or an array of C×H×W images) laid out in rows of `nrow`, as torchvision's make_grid:
 * a C×H'×W' image; one-channel images become three-channel, and a single image comes back as it is (padding left off).
 */
export function makeGrid(images: Tensor | Tensor[], options: GridOptions = {}): Tensor {
  const { nrow = 8, padding = 2, padValue = 0, normalize = false, valueRange } = options;
  if (!Number.isInteger(nrow) || nrow < 1) throw new RangeError(`makeGrid: nrow must be a positive integer, got ${describe(nrow)}`);
  if (!Number.isInteger(padding) || padding < 0) throw new RangeError(`makeGrid: padding must be an integer ≥ 0, got ${describe(padding)}`);
  if (typeof padValue !== 'number') throw new TypeError(`makeGrid: padValue must be a number, got ${describe(padValue)}`);
  if (valueRange !== undefined && (!Array.isArray(valueRange) || valueRange.length !== 2 || !(valueRange[0] < valueRange[1]))) {
    throw new RangeError(`makeGrid: valueRange must be [low, high] with low < high, got ${describe(valueRange)}`);
  }
  if (Array.isArray(images)) {
    if (images.length === 0 || !images.every((x) => x instanceof Tensor && x.shape.length === 3)) {
      throw new TypeError('makeGrid: an array of images must hold at least one C×H×W tensor, all of one shape');
    }
  } else if (!(images instanceof Tensor) || images.shape.length !== 4) {
    throw new TypeError(`makeGrid: expects an N×C×H×W batch or an array of C×H×W images, got ${describe(images)}`);
  }
  return tidy(() => {
    let batch = Array.isArray(images) ? stack(images) : images;
    if (batch.shape[1] === 1) batch = batch.repeat(1, 3, 1, 1);
    if (normalize) {
      const [low, high] = valueRange ?? [Number(batch.min().item()), Number(batch.max().item())];
      batch = batch.to('float32').clamp(low, high).sub(low).div(Math.max(high - low, 1e-5));
    }
    const [n, channels, height, width] = batch.shape;
    if (n === 1) return batch.squeeze(0).clone();
    const columns = Math.min(nrow, n);
    const rows = Math.ceil(n / columns);
    const cellHeight = height + padding;
    const cellWidth = width + padding;
    const grid = full([channels, rows * cellHeight + padding, columns * cellWidth + padding], padValue, { dtype: batch.dtype, device: batch.device });
    for (let k = 0; k < n; k++) {
      const [y, x] = [Math.floor(k / columns), k % columns];
      grid.narrow(1, y * cellHeight + padding, height).narrow(2, x * cellWidth + padding, width).copy_(batch.select(0, k));
    }
    return grid;
  });
}
