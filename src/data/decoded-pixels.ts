// Pixels decoded in the addon (JPEG, PNG) made into what readImage is asked for: the channels of a mode, then a size
// as torchvision's Resize and CenterCrop give it.
import { full } from '../torch/creation.js';
import { cat } from '../torch/functions.js';
import type { Tensor } from '../torch/tensor.js';
import { centerCrop, resize } from '../transforms/functional/geometry.js';
import type { DecodeOptions } from './image.js';

/** ITU-R 601 luma in PIL's fixed point (Image.convert('L')), so that gray images match PIL's to the last bit. */
function luma(rgb: Tensor): Tensor {
  const [r, g, b] = [0, 1, 2].map((c) => rgb.narrow(0, c, 1).to('int32'));
  return r.mul(19595).add_(g.mul(38470)).add_(b.mul(7471)).add_(0x8000).div(65536, 'floor').to('uint8');
}

/**
 * A C×H×W uint8 image stored with 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) channels in a mode's channels, as
 * PIL's convert: 'rgb' drops alpha and repeats gray, 'gray' takes the luma of colour, 'rgba' adds an opaque alpha.
 */
export function inMode(image: Tensor, mode: NonNullable<DecodeOptions['mode']>): Tensor {
  const channels = image.shape[0];
  if (mode === 'unchanged') return image;
  const color = channels >= 3 ? image.narrow(0, 0, 3) : null;
  const gray = channels < 3 ? image.narrow(0, 0, 1) : null;
  const alpha = channels === 2 || channels === 4 ? image.narrow(0, channels - 1, 1) : null;
  if (mode === 'gray') return gray ?? luma(color!);
  const rgb = color ?? gray!.repeat([3, 1, 1]);
  if (mode === 'rgb') return rgb;
  return channels === 4 ? image : cat([rgb, alpha ?? full([1, image.shape[1], image.shape[2]], 255, { dtype: 'uint8' })]);
}

/** Resized to height×width: 'fill' stretches; 'cover' scales the shorter side to fit (bilinear, antialiased) and crops the centre. */
export function fitTo(image: Tensor, height: number, width: number, fit: 'cover' | 'fill'): Tensor {
  if (fit === 'fill') return resize(image, [height, width]);
  const [h, w] = [image.shape[1], image.shape[2]];
  const [rh, rw] = height / h >= width / w ? [height, Math.max(width, Math.trunc((w * height) / h))] : [Math.max(height, Math.trunc((h * width) / w)), width];
  const resized = rh === h && rw === w ? image : resize(image, [rh, rw]);
  return rh === height && rw === width ? resized : centerCrop(resized, [height, width]);
}

/** The size asked for as [height, width], or null. */
export const sizeOf = (options: DecodeOptions): [number, number] | null =>
  options.size === undefined ? null : typeof options.size === 'number' ? [options.size, options.size] : options.size;
