// JPEG files through libjpeg-turbo in the addon (torch.decodeJpeg), on the calling thread: the pixels PIL gives, with
// the EXIF orientation applied, in the channels asked for, and with a size decoded at the DCT scale that still covers
// it (PIL's draft, libvips' shrink-on-load), then resized as torchvision's Resize and CenterCrop do.
import { decodeJpeg } from '../torch/jpeg.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { fitTo, inMode, sizeOf } from './decoded-pixels.js';
import type { DecodeOptions } from './image.js';
import { readJpegHeader } from './jpeg-header.js';

/** C×H×W turned as EXIF orientation 2..8 says, as PIL's ImageOps.exif_transpose. */
function orient(image: Tensor, orientation: number): Tensor {
  switch (orientation) {
    case 2: return image.flip(2);
    case 3: return image.flip(1, 2);
    case 4: return image.flip(1);
    case 5: return image.transpose(1, 2);
    case 6: return image.transpose(1, 2).flip(2);
    case 7: return image.transpose(1, 2).flip(1, 2);
    case 8: return image.transpose(1, 2).flip(1);
    default: return image;
  }
}

/**
 * The largest DCT scale (8, 4, 2 or 1) whose image still covers height×width, by PIL's draft rule: the scale goes
 * into both sides' ratios. The sizes are the file's own, before any EXIF turn.
 */
export function draftScale(fileHeight: number, fileWidth: number, height: number, width: number): 1 | 2 | 4 | 8 {
  const ratio = Math.min(Math.floor(fileWidth / width), Math.floor(fileHeight / height));
  return ratio >= 8 ? 8 : ratio >= 4 ? 4 : ratio >= 2 ? 2 : 1;
}

/**
 * The file's pixels as readImage gives them (at full size a C×H×W view of libjpeg's H×W×C pixels), or null when libjpeg-turbo is not the decoder for it (not a JPEG,
 * CMYK, more than 8 bits): those go to sharp. A corrupt or truncated JPEG throws libjpeg-turbo's message.
 */
export function decodeJpegFile(bytes: Uint8Array, options: DecodeOptions): Tensor | null {
  const header = readJpegHeader(bytes);
  if (!header || header.precision !== 8 || (header.components !== 1 && header.components !== 3)) return null;
  const mode = options.mode ?? 'rgb';
  const turned = header.orientation >= 5;
  const size = sizeOf(options);
  // The target in the file's own orientation, for the DCT scale.
  const scale = size ? draftScale(header.height, header.width, ...(turned ? [size[1], size[0]] as const : [size[0], size[1]] as const)) : 1;
  const color = header.components === 3;
  return tidy(() => {
    const decoded = decodeJpeg(bytes, { mode: !color && mode !== 'rgb' && mode !== 'rgba' ? 'gray' : 'rgb', scale });
    const image = inMode(orient(decoded, header.orientation), mode);
    return size ? fitTo(image, size[0], size[1], options.fit ?? 'cover') : image;
  });
}
