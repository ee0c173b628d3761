// The page's preprocessing: an image's full-resolution RGBA pixels to the model's input, as cnnkit's prediction makes
// it. Plain JavaScript with no imports, so that the browser loads it as it is and Node's tests import the same file.
//
// 1. Decoding at the run's size, as cnnkit's readImage does it (src/data/image.ts, fit 'cover'): one scale for both
//    axes so that the shorter side fits, then the centre cropped. A JPEG or a PNG is decoded as cnnkit's libjpeg-turbo
//    and libpng paths do (src/data/jpeg.ts, png.ts): a JPEG at PIL's draft DCT scale (here a box average, as the
//    browser's decoder cannot scale), then torchvision's bilinear antialiased resize and centre crop. Other files
//    (sharp's formats) follow libvips' vips_resize step by step: per axis (vertical first) a box shrink by the whole
//    part of the factor over 2, and libvips' Lanczos-3 reduce with its 64-phase, 12-bit fixed-point masks, rounded to
//    8 bits after each pass. Enlarging is a Catmull-Rom interpolation (libvips' bicubic), centre aligned.
//    Hand-written because no browser library reproduces libvips' kernels and roundings (pica and the canvas' own
//    smoothing differ in support, phases and rounding), and every 8-bit step changes the model's input.
// 2. Gray runs take ITU-R 601 luma in PIL's fixed point, as the decoder does.
// 3. The run's steps on floats in [0, 1], in order, as cnnkit's transforms compute them: fitted featurewise
//    statistics, gray-to-RGB, torchvision's resize (bilinear/bicubic with or without antialias, nearest), centre crop
//    (zero padded when smaller), normalize.

/** A planar image: `channels` planes of width×height values. */
function image(channels, width, height, data = new Float64Array(channels * width * height)) {
  return { channels, width, height, data };
}

/**
 * Applies `line(input, output)` to every line of every channel along `axis` ('h' rows, 'v' columns), giving an image
 * whose size along that axis is `outLength`.
 */
function alongAxis(img, axis, outLength, line) {
  const { channels, width, height } = img;
  const [inLength, lines] = axis === 'h' ? [width, height] : [height, width];
  const out = axis === 'h' ? image(channels, outLength, height) : image(channels, width, outLength);
  const input = new Float64Array(inLength);
  const output = new Float64Array(outLength);
  for (let c = 0; c < channels; c++) {
    const src = img.data.subarray(c * width * height, (c + 1) * width * height);
    const dst = out.data.subarray(c * out.width * out.height, (c + 1) * out.width * out.height);
    for (let l = 0; l < lines; l++) {
      for (let i = 0; i < inLength; i++) input[i] = axis === 'h' ? src[l * width + i] : src[i * width + l];
      line(input, output);
      for (let i = 0; i < outLength; i++) {
        if (axis === 'h') dst[l * outLength + i] = output[i];
        else dst[i * width + l] = output[i];
      }
    }
  }
  return out;
}

const clampIndex = (i, n) => (i < 0 ? 0 : i >= n ? n - 1 : i);
const clip8 = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);
/** C's rint: halves to even. */
const rint = (x) => {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const sinc = (x) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
const lanczos3 = (x) => (x >= -3 && x <= 3 ? sinc(x) * sinc(x / 3) : 0);

/** libvips' box shrink by an integer k with a rounded-up size (the edge copied): 8-bit averages, rounded. */
function boxShrink(img, axis, k) {
  const n = axis === 'h' ? img.width : img.height;
  const outLength = Math.ceil(n / k);
  const amend = Math.floor(k / 2);
  return alongAxis(img, axis, outLength, (input, output) => {
    for (let i = 0; i < outLength; i++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += input[clampIndex(i * k + j, n)];
      output[i] = Math.floor((sum + amend) / k);
    }
  });
}

/** libvips' vips_reduceh / vips_reducev with the Lanczos-3 kernel and the default gap of 2, on 8-bit values. */
function vipsReduce(img, axis, shrink) {
  const n = axis === 'h' ? img.width : img.height;
  const outLength = Math.max(1, Math.floor(n / shrink + 0.5));
  let extra = outLength * shrink - n;
  let residual = shrink;
  const k = Math.max(1, Math.floor(n / outLength / 2));
  if (k > 1) {
    img = boxShrink(img, axis, k);
    extra /= k;
    residual /= k;
  }
  if (residual === 1) return img;
  const points = 2 * rint(3 * residual) + 1;
  const voffset = (1 + extra) / 2 - 1;
  const before = Math.ceil(points / 2) - 1; // the edge pixels libvips adds before the first one
  // 65 phases of 12-bit masks, as libvips tabulates them.
  const masks = Array.from({ length: 65 }, (_, phase) => {
    const half = phase / 64 + points / 2 - 1;
    const c = Array.from({ length: points }, (_, i) => lanczos3((i - half) / residual));
    const sum = c.reduce((a, b) => a + b, 0);
    return c.map((v) => Math.trunc((v / sum) * 4096));
  });
  const inLength = axis === 'h' ? img.width : img.height;
  return alongAxis(img, axis, outLength, (input, output) => {
    for (let y = 0; y < outLength; y++) {
      const Y = (y + 0.5) * residual - 0.5 - voffset;
      const py = Math.trunc(Y);
      const phase = ((Math.trunc(Y * 128) & 127) + 1) >> 1;
      const mask = masks[phase];
      let sum = 0;
      for (let i = 0; i < points; i++) sum += mask[i] * input[clampIndex(py + i - before, inLength)];
      output[y] = clip8((sum + 2048) >> 12);
    }
  });
}

/** The cubic convolution kernel with parameter a (−0.5 Catmull-Rom: libvips', PIL's, antialiased torch's; −0.75 plain torch's). */
function cubicKernel(x, a) {
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Cubic weights at t in [0, 1) for the taps −1, 0, 1, 2. */
const catmullRom = (t, a) => [cubicKernel(t + 1, a), cubicKernel(t, a), cubicKernel(1 - t, a), cubicKernel(2 - t, a)];

/** Enlarging as libvips' bicubic interpolator does (centre aligned, edges copied); rounded to 8 bits at the end. */
function enlarge(img, axis, scale, round) {
  const n = axis === 'h' ? img.width : img.height;
  const outLength = Math.round(n * scale);
  return alongAxis(img, axis, outLength, (input, output) => {
    for (let x = 0; x < outLength; x++) {
      // Where libvips' affine samples (measured against sharp: half a pixel before the centre-aligned position).
      const src = x / scale - 0.5;
      const i = Math.floor(src);
      const w = catmullRom(src - i, -0.5);
      let v = 0;
      for (let t = 0; t < 4; t++) v += w[t] * input[clampIndex(i - 1 + t, n)];
      output[x] = round ? clip8(Math.round(v)) : v;
    }
  });
}

/** The DCT scale (8, 4, 2 or 1) PIL's draft picks for a JPEG, as cnnkit's decoder does (src/data/jpeg.ts). */
function draftScale(height, width, targetHeight, targetWidth) {
  const ratio = Math.min(Math.floor(width / targetWidth), Math.floor(height / targetHeight));
  return ratio >= 8 ? 8 : ratio >= 4 ? 4 : ratio >= 2 ? 2 : 1;
}

/** A planar 8-bit RGB image as gray by PIL's ITU-R 601 luma in fixed point, as the decoder's 'gray' mode. */
function luma(img) {
  const out = image(1, img.width, img.height);
  const plane = img.width * img.height;
  for (let p = 0; p < plane; p++) {
    out.data[p] = Math.floor((img.data[p] * 19595 + img.data[plane + p] * 38470 + img.data[2 * plane + p] * 7471 + 0x8000) / 65536);
  }
  return out;
}

/**
 * A JPEG or PNG as cnnkit decodes it at a size (libjpeg-turbo, libpng): a JPEG at PIL's draft DCT scale, which a
 * browser cannot ask of its decoder, so the page averages boxes of that scale instead; gray by luma; then the shorter
 * side resized to fit, bilinear and antialiased as torchvision's Resize, rounded to 8 bits, and torchvision's centre crop.
 */
function decodeHereAtSize(img, [targetHeight, targetWidth], mode, format) {
  const scale = format === 'jpeg' ? draftScale(img.height, img.width, targetHeight, targetWidth) : 1;
  if (scale > 1) img = boxShrink(boxShrink(img, 'h', scale), 'v', scale);
  if (mode === 'gray') img = luma(img);
  const { height: h, width: w } = img;
  const [rh, rw] = targetHeight / h >= targetWidth / w
    ? [targetHeight, Math.max(targetWidth, Math.trunc((w * targetHeight) / h))]
    : [Math.max(targetHeight, Math.trunc((h * targetWidth) / w)), targetWidth];
  if (rh !== h || rw !== w) {
    img = interpolateAxis(interpolateAxis(img, 'h', rw, 'bilinear', true), 'v', rh, 'bilinear', true);
    for (let i = 0; i < img.data.length; i++) img.data[i] = clip8(Math.round(img.data[i]));
  }
  return rh === targetHeight && rw === targetWidth ? img : centerCrop(img, [targetHeight, targetWidth]);
}

/**
 * Decodes as cnnkit's readImage(path, {size: [height, width], mode}) does, from RGBA pixels (width×height×4, as
 * canvas getImageData gives them): a planar image of `channels` 1 (gray: luma) or 3 (RGB) of 8-bit values.
 */
export function decodeAtSize(rgba, width, height, { size, channels }, format) {
  const mode = channels === 1 ? 'gray' : 'rgb';
  const [targetHeight, targetWidth] = size;
  let img = image(3, width, height);
  for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) img.data[c * width * height + p] = rgba[p * 4 + c];
  if (format === 'jpeg' || format === 'png') return decodeHereAtSize(img, size, mode, format);
  const shrink = Math.min(Math.min(img.width / targetWidth, img.height / targetHeight), img.width, img.height);
  if (shrink > 1) img = vipsReduce(vipsReduce(img, 'v', shrink), 'h', shrink);
  else if (shrink < 1) img = enlarge(enlarge(img, 'h', 1 / shrink, false), 'v', 1 / shrink, true);
  // sharp's centre crop: the extra pixel of an odd difference goes to the left and top.
  const left = Math.floor((img.width - targetWidth + 1) / 2);
  const top = Math.floor((img.height - targetHeight + 1) / 2);
  const out = image(3, targetWidth, targetHeight);
  const plane = img.width * img.height;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < targetHeight; y++) {
      for (let x = 0; x < targetWidth; x++) out.data[(c * targetHeight + y) * targetWidth + x] = img.data[c * plane + (y + top) * img.width + x + left];
    }
  }
  return mode === 'gray' ? luma(out) : out;
}

/** torchvision's output size of resize(size, maxSize): one number sets the shorter side. */
function resizedSize(height, width, size, maxSize) {
  if (Array.isArray(size)) return size;
  const [short, long] = width <= height ? [width, height] : [height, width];
  let newShort = size;
  let newLong = Math.trunc((size * long) / short);
  if (maxSize != null && newLong > maxSize) [newShort, newLong] = [Math.trunc((maxSize * newShort) / newLong), maxSize];
  return width <= height ? [newLong, newShort] : [newShort, newLong];
}

/** One axis of torch's interpolate on floats: nearest, bilinear/bicubic (align_corners false), or antialiased as PIL. */
function interpolateAxis(img, axis, outLength, mode, antialias) {
  const n = axis === 'h' ? img.width : img.height;
  const scale = n / outLength;
  if (mode === 'nearest') {
    return alongAxis(img, axis, outLength, (input, output) => {
      for (let x = 0; x < outLength; x++) output[x] = input[Math.min(Math.floor(x * scale), n - 1)];
    });
  }
  if (antialias) {
    // PIL's separable filter (torch's _upsample_*_aa): support widened by the scale, weights renormalized at edges.
    const filter = mode === 'bilinear' ? (x) => Math.max(0, 1 - Math.abs(x)) : (x) => cubicKernel(x, -0.5);
    const base = mode === 'bilinear' ? 1 : 2;
    const support = base * Math.max(scale, 1);
    const inverse = 1 / Math.max(scale, 1);
    return alongAxis(img, axis, outLength, (input, output) => {
      for (let x = 0; x < outLength; x++) {
        const center = scale * (x + 0.5);
        const lo = Math.max(Math.trunc(center - support + 0.5), 0);
        const hi = Math.min(Math.trunc(center + support + 0.5), n);
        let total = 0;
        let v = 0;
        for (let j = lo; j < hi; j++) {
          const w = filter((j - center + 0.5) * inverse);
          total += w;
          v += w * input[j];
        }
        output[x] = total === 0 ? 0 : v / total;
      }
    });
  }
  return alongAxis(img, axis, outLength, (input, output) => {
    for (let x = 0; x < outLength; x++) {
      if (mode === 'bilinear') {
        const src = Math.max((x + 0.5) * scale - 0.5, 0);
        const i = Math.floor(src);
        const l = src - i;
        output[x] = (1 - l) * input[Math.min(i, n - 1)] + l * input[Math.min(i + 1, n - 1)];
      } else {
        const src = (x + 0.5) * scale - 0.5;
        const i = Math.floor(src);
        const w = catmullRom(src - i, -0.75);
        let v = 0;
        for (let t = 0; t < 4; t++) v += w[t] * input[clampIndex(i - 1 + t, n)];
        output[x] = v;
      }
    }
  });
}

function centerCrop(img, [cropHeight, cropWidth]) {
  const { channels, width, height } = img;
  // torchvision pads a smaller image with zeros (the extra pixel of an odd difference right and bottom) ...
  const padX = Math.max(cropWidth - width, 0);
  const padY = Math.max(cropHeight - height, 0);
  const [w, h] = [width + padX, height + padY];
  // ... and rounds the offset of the crop as Python's round() does: halves to even.
  const top = rint((h - cropHeight) / 2) - (padY >> 1);
  const left = rint((w - cropWidth) / 2) - (padX >> 1);
  const out = image(channels, cropWidth, cropHeight);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < cropHeight; y++) {
      for (let x = 0; x < cropWidth; x++) {
        const [sy, sx] = [y + top, x + left];
        const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
        out.data[(c * cropHeight + y) * cropWidth + x] = inside ? img.data[(c * height + sy) * width + sx] : 0;
      }
    }
  }
  return out;
}

/** One step of the run's preprocessing, as described in metadata.json, on a float image. */
function applyStep(img, step) {
  const { channels, width, height } = img;
  const plane = width * height;
  switch (step.type) {
    case 'normalize':
    case 'featurewise': {
      // normalize: (x − mean[c]) / std[c]; featurewise statistics: (x − mean) / (std + eps), the statistics one per
      // channel or one per value ('pixel'), each part only when the run's step has it.
      const out = image(channels, width, height);
      const perValue = step.type === 'featurewise' && step.mode === 'pixel';
      const eps = step.eps ?? 0;
      for (let i = 0; i < img.data.length; i++) {
        const k = perValue ? i : Math.floor(i / plane);
        let v = img.data[i];
        if (step.center !== false) v -= step.mean[k];
        if (step.scale !== false) v /= step.std[k] + eps;
        out.data[i] = v;
      }
      return out;
    }
    case 'grayscale': {
      // torchvision's rgb_to_grayscale: a gray image is repeated, a colour one weighted 0.2989, 0.587, 0.114.
      const gray = new Float64Array(plane);
      for (let p = 0; p < plane; p++) {
        gray[p] = channels === 1 ? img.data[p] : 0.2989 * img.data[p] + 0.587 * img.data[plane + p] + 0.114 * img.data[2 * plane + p];
      }
      const out = image(step.channels, width, height);
      for (let c = 0; c < step.channels; c++) out.data.set(gray, c * plane);
      return out;
    }
    case 'resize': {
      const [h, w] = resizedSize(height, width, step.size, step.maxSize);
      if (h === height && w === width) return img;
      // As cnnkit's resize: antialiasing only where a side shrinks.
      const antialias = step.antialias !== false && step.interpolation !== 'nearest';
      return interpolateAxis(interpolateAxis(img, 'h', w, step.interpolation, antialias), 'v', h, step.interpolation, antialias);
    }
    case 'center_crop':
      return centerCrop(img, step.size);
    default:
      throw new Error(`the page cannot apply the preprocessing step '${step.type}'`);
  }
}

/**
 * The model's input for one image: RGBA pixels at full resolution → Float32Array C×H×W and its shape.
 * `preprocessing` is metadata.json's {decode: {channels, size}, steps}; `format` is the file's (formatOf).
 */
export function prepare(rgba, width, height, preprocessing, format) {
  let img = decodeAtSize(rgba, width, height, preprocessing.decode, format);
  for (let i = 0; i < img.data.length; i++) img.data[i] /= 255;
  for (const step of preprocessing.steps) img = applyStep(img, step);
  return { data: Float32Array.from(img.data), shape: [img.channels, img.height, img.width] };
}

/** The run's steps alone on a float image C×H×W (for checking them against cnnkit's transforms). */
export function applySteps(data, shape, steps) {
  let img = image(shape[0], shape[2], shape[1], Float64Array.from(data));
  for (const step of steps) img = applyStep(img, step);
  return { data: Float32Array.from(img.data), shape: [img.channels, img.height, img.width] };
}

/** 'jpeg' or 'png' by the encoded bytes' first marker or signature, else 'other' (decoded by sharp in cnnkit). */
export const formatOf = (bytes) =>
  bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8 ? 'jpeg'
    : bytes.length >= 4 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 ? 'png' : 'other';
