// Histogram kernels: torchvision's autocontrast and equalize, and CLAHE (contrast-limited adaptive equalization).
// All work per image and channel of a batch at once, on the image's device.
import { describe } from '../../torch/check.js';
import { arange, fullLike, onesLike, tensor, zeros } from '../../torch/creation.js';
import { cat, where as select } from '../../torch/functions.js';
import { noGrad } from '../../torch/autograd.js';
import { tidy } from '../../torch/scope.js';
import type { Tensor } from '../../torch/tensor.js';
import { pad as padTensor } from '../../nn/functional.js';
import { checkImage, maxValue } from '../image.js';
import { checkChannels, convertImageDtype, isFloating } from './color.js';

/** Stretches each channel to the full range (its minimum to 0, its maximum to the top), as torchvision's autocontrast. */
export function autocontrast(img: Tensor): Tensor {
  checkChannels(img, 'autocontrast()');
  return noGrad(() => tidy(() => {
    const bound = maxValue(img);
    const dtype = isFloating(img) ? img.dtype : 'float32';
    const flat = img.flatten(-2);
    const low = flat.min(-1, true).values.unsqueeze(-1).to(dtype);
    const high = flat.max(-1, true).values.unsqueeze(-1).to(dtype);
    // As Python's bound / t: reciprocal times bound; flat channels (infinite scale) stay as they are.
    const scale = high.sub(low).reciprocal().mul(bound);
    const flatChannel = scale.isfinite().logicalNot();
    const offset = select(flatChannel, 0, low);
    const gain = select(flatChannel, 1, scale);
    return img.to(dtype).sub(offset).mul(gain).clamp(0, bound).to(img.dtype);
  }));
}

/** Runs fn on uint8 pixels; float images go in as torchvision's convert_image_dtype makes them and come back as float. */
function onUint8(img: Tensor, where: string, fn: (u: Tensor) => Tensor): Tensor {
  if (img.dtype === 'uint8') return fn(img);
  if (!isFloating(img)) throw new TypeError(`${where}: expects a uint8 or float image, got ${img.dtype}`);
  return tidy(() => convertImageDtype(fn(convertImageDtype(img, 'uint8')), img.dtype as 'float32'));
}

/** 256-bin histograms of the rows of `values` (M×P int64 in 0..255): M×256 int64 counts. */
function histograms(values: Tensor): Tensor {
  return zeros([values.shape[0], 256], { dtype: 'int64', device: values.device }).scatterAdd(1, values, onesLike(values));
}

/**
 * Equalizes each channel's histogram, as torchvision's equalize (PIL's ImageOps.equalize): uint8 in, uint8 out.
 * Float images are converted to uint8 as torchvision's convert_image_dtype does, equalized, and converted back.
 */
export function equalize(img: Tensor): Tensor {
  checkChannels(img, 'equalize()');
  return noGrad(() => onUint8(img, 'equalize()', (u) => tidy(() => {
    const pixels = u.shape[u.ndim - 1] * u.shape[u.ndim - 2];
    const values = u.reshape(-1, pixels).to('int64');
    const hist = histograms(values);
    // torchvision's step: the pixels outside the last (highest) non-empty bin, over 255.
    const lastBin = hist.gather(1, values.max(1, true).values);
    const step = lastBin.rsub(pixels).div(255, 'floor');
    const lut = hist.cumsum(1).add(step.div(2, 'floor')).div(step.clamp(1), 'floor');
    const shifted = cat([zeros([lut.shape[0], 1], { dtype: 'int64', device: lut.device }), lut.narrow(1, 0, 255)], 1).clamp(0, 255);
    return select(step.eq(0), values, shifted.gather(1, values)).to('uint8').reshape(u.shape);
  })));
}

export interface ClaheOptions {
  /** Contrast limit relative to a flat histogram (OpenCV's clipLimit): a tile's bins are cut at clipLimit·area/256; ≤ 0: no limit. */
  clipLimit?: number;
  /** Tiles as [rows, columns]. */
  tileGridSize?: [number, number];
}

/**
 * Contrast-limited adaptive histogram equalization, as OpenCV's CLAHE on 8-bit images: each channel is cut into
 * tiles (the image padded by reflection to a whole number of them), each tile's histogram is clipped at the limit
 * with the excess spread over all bins, its cumulative histogram scaled to 0..255 makes the tile's mapping, and each
 * pixel blends the mappings of its four nearest tile centres bilinearly. Float images go through uint8 as equalize().
 */
export function clahe(img: Tensor, options: ClaheOptions = {}): Tensor {
  const where = 'clahe()';
  checkImage(img, where);
  const clipLimit = options.clipLimit ?? 2;
  const [tilesY, tilesX] = options.tileGridSize ?? [8, 8];
  if (typeof clipLimit !== 'number' || Number.isNaN(clipLimit)) throw new TypeError(`${where}: clipLimit must be a number, got ${describe(clipLimit)}`);
  if (![tilesY, tilesX].every((t) => Number.isInteger(t) && t > 0)) throw new RangeError(`${where}: tileGridSize must be a pair [rows, columns] of positive integers, got ${describe(options.tileGridSize)}`);
  const [h, w] = img.shape.slice(-2);
  if (tilesY > h || tilesX > w) throw new RangeError(`${where}: tileGridSize [${tilesY}, ${tilesX}] has more tiles than the image ${h}×${w} has pixels`);
  return noGrad(() => onUint8(img, where, (u) => tidy(() => {
    const m = u.numel() / (h * w);
    let source = u.reshape(m, 1, h, w);
    // OpenCV pads bottom and right (reflect-101) by a whole extra tile row/column count whenever either side is uneven.
    if (h % tilesY !== 0 || w % tilesX !== 0) {
      source = padTensor(source.to('float32'), [0, tilesX - (w % tilesX), 0, tilesY - (h % tilesY)], { mode: 'reflect' }).to('uint8');
    }
    const [th, tw] = [source.shape[2] / tilesY, source.shape[3] / tilesX];
    const area = th * tw;
    const tiles = source.reshape(m, tilesY, th, tilesX, tw).permute(0, 1, 3, 2, 4).reshape(m * tilesY * tilesX, area).to('int64');
    let hist = histograms(tiles);
    if (clipLimit > 0) hist = clipHistograms(hist, Math.max(Math.floor((clipLimit * area) / 256), 1));
    const lut = hist.cumsum(1).to('float32').mul(Math.fround(255 / area)).round().clamp(0, 255).reshape(m, tilesY * tilesX * 256);
    // Each pixel's four nearest tile centres and its bilinear weights, as OpenCV (in float32).
    const axis = (n: number, tileSize: number, tiles: number) => {
      const inv = Math.fround(1 / tileSize);
      const lower: number[] = [], upper: number[] = [], weight: number[] = [];
      for (let i = 0; i < n; i++) {
        const f = Math.fround(Math.fround(i * inv) - 0.5);
        const first = Math.floor(f);
        weight.push(Math.fround(f - first));
        lower.push(Math.max(first, 0));
        upper.push(Math.min(first + 1, tiles - 1));
      }
      return { lower, upper, weight };
    };
    const ys = axis(h, th, tilesY);
    const xs = axis(w, tw, tilesX);
    const device = u.device;
    const rowIndex = (rows: number[]) => tensor(rows, { dtype: 'int64', device }).view(h, 1).mul(tilesX);
    const colIndex = (cols: number[]) => tensor(cols, { dtype: 'int64', device }).view(1, w);
    const values = u.reshape(m, h * w).to('int64');
    const mapped = (rows: number[], cols: number[]) => lut.gather(1, rowIndex(rows).add(colIndex(cols)).mul(256).view(1, h * w).add(values)).view(m, h, w);
    const xa = tensor(xs.weight, { dtype: 'float32', device }).view(1, w);
    const ya = tensor(ys.weight, { dtype: 'float32', device }).view(h, 1);
    const top = mapped(ys.lower, xs.lower).mul(xa.rsub(1)).add(mapped(ys.lower, xs.upper).mul(xa));
    const bottom = mapped(ys.upper, xs.lower).mul(xa.rsub(1)).add(mapped(ys.upper, xs.upper).mul(xa));
    return top.mul(ya.rsub(1)).add(bottom.mul(ya)).round().clamp(0, 255).to('uint8').reshape(u.shape);
  })));
}

/** OpenCV's clipping: bins cut at `limit`, the excess spread evenly, and what is left one count each over spaced bins. */
function clipHistograms(hist: Tensor, limit: number): Tensor {
  const excess = hist.sub(limit).clamp(0).sum(1, true);
  const perBin = excess.div(256, 'floor');
  const residual = excess.sub(perBin.mul(256));
  const step = fullLike(residual, 256).div(residual.clamp(1), 'floor').clamp(1);
  const bins = arange(256, undefined, 1, { dtype: 'int64', device: hist.device }).view(1, 256);
  const extra = bins.remainder(step).eq(0).logicalAnd(bins.div(step, 'floor').lt(residual));
  return hist.clamp(null, limit).add(perBin).add(extra);
}
