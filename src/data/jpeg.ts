// JPEG files through libjpeg-turbo in the addon (torch.decodeJpeg), on the calling thread: the pixels PIL gives, with
// the EXIF orientation applied, in the channels asked for, and with a size decoded at the DCT scale that still covers
// it (PIL's draft, libvips' shrink-on-load), then resized as torchvision's Resize and CenterCrop do.
import { decodeJpeg } from '../torch/jpeg.js';
import { full } from '../torch/creation.js';
import { cat } from '../torch/functions.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { centerCrop, resize } from '../transforms/functional/geometry.js';
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

/** ITU-R 601 luma in PIL's fixed point (Image.convert('L')), so that gray images match PIL's to the last bit. */
function luma(rgb: Tensor): Tensor {
  const [r, g, b] = [0, 1, 2].map((c) => rgb.narrow(0, c, 1).to('int32'));
  return r.mul(19595).add_(g.mul(38470)).add_(b.mul(7471)).add_(0x8000).div(65536, 'floor').to('uint8');
}

/**
 * The largest DCT scale (8, 4, 2 or 1) whose image still covers height×width, by PIL's draft rule: the scale goes
 * into both sides' ratios. The sizes are the file's own, before any EXIF turn.
 */
export function draftScale(fileHeight: number, fileWidth: number, height: number, width: number): 1 | 2 | 4 | 8 {
  const ratio = Math.min(Math.floor(fileWidth / width), Math.floor(fileHeight / height));
  return ratio >= 8 ? 8 : ratio >= 4 ? 4 : ratio >= 2 ? 2 : 1;
}

/** Resized to height×width: 'fill' stretches; 'cover' scales the shorter side to fit (bilinear, antialiased) and crops the centre. */
function fitTo(image: Tensor, height: number, width: number, fit: 'cover' | 'fill'): Tensor {
  if (fit === 'fill') return resize(image, [height, width]);
  const [h, w] = [image.shape[1], image.shape[2]];
  const [rh, rw] = height / h >= width / w ? [height, Math.max(width, Math.trunc((w * height) / h))] : [Math.max(height, Math.trunc((h * width) / w)), width];
  const resized = rh === h && rw === w ? image : resize(image, [rh, rw]);
  return rh === height && rw === width ? resized : centerCrop(resized, [height, width]);
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
  const size = typeof options.size === 'number' ? [options.size, options.size] : options.size;
  // The target in the file's own orientation, for the DCT scale.
  const scale = size ? draftScale(header.height, header.width, ...(turned ? [size[1], size[0]] as const : [size[0], size[1]] as const)) : 1;
  const color = header.components === 3;
  return tidy(() => {
    const decoded = decodeJpeg(bytes, { mode: !color && mode !== 'rgb' && mode !== 'rgba' ? 'gray' : 'rgb', scale });
    let image = orient(decoded, header.orientation);
    if (mode === 'gray' && color) image = luma(image);
    else if (mode === 'rgba') image = cat([image, full([1, image.shape[1], image.shape[2]], 255, { dtype: 'uint8' })]);
    if (size) image = fitTo(image, size[0], size[1], options.fit ?? 'cover');
    return image;
  });
}
