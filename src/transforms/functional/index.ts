// transforms.functional: deterministic kernels with torchvision's names; each takes an image C×H×W or a batch N×C×H×W
// (uint8 0..255 or float 0..1); per-image parameters may be arrays of N values (factors also tensors) for a batch.
// hflip(img) vflip(img) crop(img, top, left, height, width) centerCrop(img, size) resize(img, size, {interpolation, maxSize, antialias})
// resizedCrop(img, top, left, height, width, size, {interpolation, antialias}) pad(img, padding, {fill, paddingMode})
// rotate(img, angle, {interpolation, expand, center, fill}) affine(img, {angle, translate, scale, shear, interpolation, fill, center})
// adjustBrightness|adjustContrast|adjustSaturation|adjustHue|adjustSharpness(img, factor) posterize(img, bits) solarize(img, threshold)
// invert(img) rgbToGrayscale(img, numOutputChannels) gaussianBlur(img, kernelSize, sigma?) normalize(img, mean, std, inplace?)
// convertImageDtype(img, dtype) autocontrast(img) equalize(img) clahe(img, {clipLimit, tileGridSize}) erase(img, i, j, h, w, v, inplace?)
export {
  affine, centerCrop, crop, hflip, inverseAffineMatrix, pad, resize, resizedCrop, resizedSize, rotate, vflip,
  type AffineOptions, type Fill, type GridInterpolation, type Interpolation, type PadOptions, type PaddingMode, type ResizeOptions, type RotateOptions,
} from './geometry.js';
export {
  adjustBrightness, adjustContrast, adjustHue, adjustSaturation, adjustSharpness, convertImageDtype, gaussianBlur, invert, normalize, posterize,
  rgbToGrayscale, solarize,
} from './color.js';
export { autocontrast, clahe, equalize, type ClaheOptions } from './histogram.js';
export { erase, type EraseValue } from './erasing.js';
export type { Factor, PerImage } from './per-image.js';
