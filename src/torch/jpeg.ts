// JPEG decoding in the addon with libjpeg-turbo, as torchvision.io.decode_jpeg: synchronous, on the calling thread.
import { describe } from './check.js';
import { native } from './native.js';
import { Tensor } from './tensor.js';

export interface DecodeJpegOptions {
  /** 'unchanged' (default) as stored: 1 channel for a gray file, 3 for colour; 'rgb' 3; 'gray' 1 (libjpeg's luma, as torchvision's GRAY). */
  mode?: 'unchanged' | 'rgb' | 'gray';
  /** Decode at 1/scale of the size (1, 2, 4 or 8) in libjpeg's DCT, as PIL's draft; each side is rounded up. */
  scale?: 1 | 2 | 4 | 8;
}

/**
 * A JPEG's pixels as a C×H×W uint8 tensor, as PIL decodes them (accurate DCT, fancy upsampling): a view of H×W×C
 * memory, as torchvision's decode_jpeg gives (contiguous() copies it into C×H×W order). EXIF orientation is not applied. A corrupt or truncated file, a CMYK one or a 12-bit one is an Error saying what libjpeg-turbo found.
 */
export function decodeJpeg(bytes: Uint8Array, options: DecodeJpegOptions = {}): Tensor {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeJpeg(): needs the file's bytes as a Buffer or Uint8Array, got ${describe(bytes)}`);
  const { mode = 'unchanged', scale = 1 } = options;
  const channels = { unchanged: null, rgb: 3, gray: 1 }[mode];
  if (channels === undefined) throw new RangeError(`decodeJpeg(): mode must be 'unchanged', 'rgb' or 'gray', got ${describe(mode)}`);
  if (![1, 2, 4, 8].includes(scale)) throw new RangeError(`decodeJpeg(): scale must be 1, 2, 4 or 8, got ${describe(scale)}`);
  return new Tensor(native.decodeJpeg(bytes, channels, scale));
}
