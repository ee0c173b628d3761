// Erasing kernels: overwrite boxes of an image with a value, as torchvision.transforms.functional.erase.
import { noGrad } from '../../torch/autograd.js';
import { checkInt, describe } from '../../torch/check.js';
import { tensor } from '../../torch/creation.js';
import { Tensor } from '../../torch/tensor.js';
import { checkImage } from '../image.js';
import { imageCount, isNumber, perImage, type PerImage } from './per-image.js';

/** What fills an erased box: a number, one number per channel, or a tensor broadcastable to C×h×w (e.g. noise). */
export type EraseValue = number | number[] | Tensor;

/**
 * The value v as a tensor on x's device and dtype that broadcasts over C×H×W: a number or per-channel array becomes
 * C×1×1 (1×1×1 for a single number). Checks that a per-channel array has 1 or C values.
 */
export function fillTensor(v: number | number[], x: Tensor, where: string): Tensor {
  const values = typeof v === 'number' ? [v] : v;
  const channels = x.shape[x.ndim - 3];
  if (!Array.isArray(values) || !values.every(isNumber) || (values.length !== 1 && values.length !== channels)) {
    throw new TypeError(`${where}: the fill value must be a number or an array of 1 or ${channels} numbers (one per channel), got ${describe(v)}`);
  }
  return tensor(Float64Array.from(values), { dtype: x.dtype, device: x.device, shape: [values.length, 1, 1] });
}

/**
 * img with the box rows i..i+h-1, columns j..j+w-1 set to v, as torchvision's erase(img, i, j, h, w, v, inplace).
 * For a batch N×C×H×W, i, j, h and w may be arrays of N values (one box per image); v is the same for every image.
 * With inplace the image itself is written and returned.
 */
export function erase(img: Tensor, i: PerImage<number>, j: PerImage<number>, h: PerImage<number>, w: PerImage<number>, v: EraseValue, inplace = false): Tensor {
  const where = 'erase()';
  checkImage(img, where);
  const [height, width] = img.shape.slice(-2);
  const tops = perImage(i, img, isNumber, 'i', where, 'a row');
  const lefts = perImage(j, img, isNumber, 'j', where, 'a column');
  const heights = perImage(h, img, isNumber, 'h', where, 'a height');
  const widths = perImage(w, img, isNumber, 'w', where, 'a width');
  for (let k = 0; k < tops.length; k++) {
    checkInt(tops[k], 'i', where, 0);
    checkInt(lefts[k], 'j', where, 0);
    checkInt(heights[k], 'h', where, 0);
    checkInt(widths[k], 'w', where, 0);
    if (tops[k] + heights[k] > height || lefts[k] + widths[k] > width) {
      throw new RangeError(`${where}: the box at (i=${tops[k]}, j=${lefts[k]}) of size ${heights[k]}×${widths[k]} does not fit in the ${height}×${width} image`);
    }
  }
  return noGrad(() => {
    const out = inplace ? img : img.clone();
    const value = v instanceof Tensor ? v : fillTensor(v, img, where);
    const images = img.ndim === 4 ? out.unbind(0) : [out];
    for (let k = 0; k < imageCount(img); k++) {
      if (heights[k] === 0 || widths[k] === 0) continue;
      const rows = images[k].narrow(-2, tops[k], heights[k]);
      const box = rows.narrow(-1, lefts[k], widths[k]);
      box.copy_(value);
      box.dispose();
      rows.dispose();
    }
    if (img.ndim === 4) images.forEach((view) => view.dispose());
    if (value !== v) value.dispose();
    return out;
  });
}

/**
 * A boolean mask N×1×H×W that is true inside the given boxes: boxes[n] lists image n's boxes as
 * [top, left, bottom, right) (bottom and right excluded; clipped to the image). Built on the CPU and moved to `device`.
 */
export function boxMask(boxes: [number, number, number, number][][], height: number, width: number, device: string): Tensor {
  const mask = new Uint8Array(boxes.length * height * width);
  boxes.forEach((list, n) => {
    for (const [top, left, bottom, right] of list) {
      const x0 = Math.max(0, left);
      const x1 = Math.min(width, right);
      for (let y = Math.max(0, top); y < Math.min(height, bottom); y++) mask.fill(1, (n * height + y) * width + x0, (n * height + y) * width + Math.max(x0, x1));
    }
  });
  const bytes = tensor(mask, { shape: [boxes.length, 1, height, width] });
  const out = bytes.to({ dtype: 'bool', device });
  bytes.dispose();
  return out;
}
