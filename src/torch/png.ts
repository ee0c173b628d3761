// PNG decoding in the addon with libpng, as torchvision.io.decode_png: synchronous, on the calling thread.
import { describe } from './check.js';
import { native } from './native.js';
import { Tensor } from './tensor.js';

/**
 * A PNG's pixels (8 bits or fewer a channel) as a C×H×W uint8 tensor, a view of H×W×C memory, in the channels stored:
 * 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA; a palette becomes RGB, a tRNS transparency an alpha channel. No gamma or
 * colour profile is applied, as PIL's decoder applies none. A corrupt, truncated or 16-bit file is an Error.
 */
export function decodePng(bytes: Uint8Array): Tensor {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodePng(): needs the file's bytes as a Buffer or Uint8Array, got ${describe(bytes)}`);
  return new Tensor(native.decodePng(bytes));
}
