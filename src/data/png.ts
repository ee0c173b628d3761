// PNG files through libpng in the addon (torch.decodePng), on the calling thread: the pixels PIL gives, in the channels
// asked for, and with a size resized as torchvision's Resize and CenterCrop do (as JPEGs are).
import { decodePng } from '../torch/png.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { fitTo, inMode, sizeOf } from './decoded-pixels.js';
import type { DecodeOptions } from './image.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const chunkType = (bytes: Uint8Array, at: number) => String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);

/**
 * Whether libpng is the decoder for these bytes: a PNG of 8 bits or fewer a channel without an EXIF orientation
 * (an eXIf chunk before the pixels). 16-bit files and EXIF-turned ones go to sharp, which keeps 16 bits and turns them.
 */
function decodesHere(bytes: Uint8Array): boolean {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b) || chunkType(bytes, 8) !== 'IHDR' || bytes[24] > 8) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 8 <= bytes.length; at += 12 + view.getUint32(at)) {
    const type = chunkType(bytes, at);
    if (type === 'eXIf') return false;
    if (type === 'IDAT') return true;
  }
  return true; // no pixels: libpng says what is wrong
}

/**
 * The file's pixels as readImage gives them (at full size a C×H×W view of libpng's H×W×C rows), or null when libpng
 * is not the decoder for it (not a PNG, 16-bit, EXIF-turned). A corrupt or truncated PNG throws libpng's message.
 */
export function decodePngFile(bytes: Uint8Array, options: DecodeOptions): Tensor | null {
  if (!decodesHere(bytes)) return null;
  const size = sizeOf(options);
  return tidy(() => {
    const image = inMode(decodePng(bytes), options.mode ?? 'rgb');
    return size ? fitTo(image, size[0], size[1], options.fit ?? 'cover') : image;
  });
}
