// Image files ⇄ tensors: JPEG through libjpeg-turbo (jpeg.ts) and PNG through libpng (png.ts) on the calling thread,
// as PIL decodes; the other formats (WebP, GIF, TIFF, AVIF), CMYK JPEGs, 16-bit PNGs and all encoding through sharp (libvips). Synchronous, so that
// Dataset.get(i) can decode: for sharp, each thread that decodes starts one codec thread (image-thread.ts) and waits
// for its answer, so DataLoader workers decode in parallel.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

import { describe } from '../torch/check.js';
import { frombuffer } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { makeGrid, type GridOptions } from './image-grid.js';
import { decodeJpegFile } from './jpeg.js';
import { decodePngFile } from './png.js';

/** How decoded pixels come out; every option is plain data, so it travels to worker threads. */
export interface DecodeOptions {
  /**
   * Channels of the result (default 'rgb', as torchvision's ImageReadMode.RGB): 'rgb' 3 (gray repeated, alpha
   * dropped), 'gray' 1 (PIL's ITU-R 601 luma), 'rgba' 4 (opaque alpha added), 'unchanged' as stored (1 gray,
   * 2 gray + alpha, 3 RGB, 4 RGBA; CMYK becomes RGB).
   */
  mode?: 'rgb' | 'gray' | 'rgba' | 'unchanged';
  /**
   * Resize while decoding to size×size or [height, width]: bilinear with antialiasing, as torchvision's Resize (a
   * JPEG first decoded at the largest DCT scale 1/2, 1/4 or 1/8 that still covers the size, as PIL's draft; the
   * formats sharp decodes resized by sharp, Lanczos-3).
   */
  size?: number | [number, number];
  /** With size: 'cover' (default) scales the shorter side to fit and crops the centre; 'fill' stretches. */
  fit?: 'cover' | 'fill';
  /** 16-bit images as int32 0..65535 instead of uint8 round(v / 257) (libtorch 1.13 has no uint16). */
  keep16Bit?: boolean;
}

export interface EncodeRequest {
  op: 'encode';
  data: Uint8Array;
  shape: number[];
  format: 'png' | 'jpeg' | 'webp';
  quality: number;
}

/** What image.ts asks its codec thread. */
export type ImageRequest =
  | { op: 'decode'; input: string | Uint8Array; options: DecodeOptions }
  | { op: 'decodeMany'; paths: string[]; options: DecodeOptions }
  | EncodeRequest
  | { op: 'check'; paths: string[] };

// A codec thread that never answers (it died) must not hang the caller forever.
const ANSWER_TIMEOUT_MS = 120_000;
let codec: { port: MessagePort; signal: Int32Array } | null = null;

function codecThread(): { port: MessagePort; signal: Int32Array } {
  if (codec) return codec;
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./image-thread.js', import.meta.url), { workerData: { port: port2, signal }, transferList: [port2] });
  worker.unref(); // an idle codec thread must not keep the process (or a DataLoader worker) alive
  port1.unref();
  return (codec = { port: port1, signal });
}

/** Runs one request on this thread's codec thread and waits for the answer. */
function ask<T>(request: ImageRequest, where: string): T {
  const { port, signal } = codecThread();
  Atomics.store(signal, 0, 0);
  port.postMessage(request);
  if (Atomics.wait(signal, 0, 0, ANSWER_TIMEOUT_MS) === 'timed-out') {
    codec = null;
    throw new Error(`${where}: the image codec thread gave no answer within ${ANSWER_TIMEOUT_MS / 1000} s`);
  }
  const reply = receiveMessageOnPort(port)?.message as { value: T } | { error: string } | undefined;
  if (!reply) throw new Error(`${where}: the image codec thread woke without an answer`);
  if ('error' in reply) throw new Error(reply.error);
  return reply.value;
}

/** The decode options alone, checked; `where` names the caller in messages. */
export function checkDecodeOptions(options: DecodeOptions, where: string): DecodeOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  const { mode, size, fit, keep16Bit } = options;
  if (mode !== undefined && !['rgb', 'gray', 'rgba', 'unchanged'].includes(mode)) {
    throw new RangeError(`${where}: mode must be 'rgb', 'gray', 'rgba' or 'unchanged', got ${describe(mode)}`);
  }
  const sizes = typeof size === 'number' ? [size] : size;
  if (size !== undefined && (!Array.isArray(sizes) || (typeof size !== 'number' && sizes.length !== 2) || !sizes.every((s) => Number.isInteger(s) && s > 0))) {
    throw new RangeError(`${where}: size must be a positive integer or [height, width] of positive integers, got ${describe(size)}`);
  }
  if (fit !== undefined && fit !== 'cover' && fit !== 'fill') throw new RangeError(`${where}: fit must be 'cover' or 'fill', got ${describe(fit)}`);
  if (fit !== undefined && size === undefined) throw new TypeError(`${where}: fit goes with size; give size too`);
  if (keep16Bit !== undefined && typeof keep16Bit !== 'boolean') throw new TypeError(`${where}: keep16Bit must be a boolean, got ${describe(keep16Bit)}`);
  return { mode, size, fit, keep16Bit };
}

/** A JPEG or PNG decoded on this thread, or null for sharp's formats. */
const decodeHere = (bytes: Uint8Array, options: DecodeOptions): Tensor | null => decodeJpegFile(bytes, options) ?? decodePngFile(bytes, options);

function decode(input: string | Uint8Array, options: DecodeOptions, where: string): Tensor {
  const checked = checkDecodeOptions(options, where);
  const bytes = typeof input === 'string' ? readFileSync(input) : input;
  const here = decodeHere(bytes, checked);
  if (here) return here;
  const { data, shape } = ask<{ data: Uint8Array | Int32Array; shape: number[] }>({ op: 'decode', input: bytes, options: checked }, where);
  return frombuffer(data, { shape });
}

/**
 * Reads an image file into a C×H×W tensor: uint8 (int32 for 16-bit with keep16Bit), EXIF orientation applied (as
 * PIL's ImageOps.exif_transpose; torchvision.io.read_image leaves EXIF alone), CMYK and embedded colour profiles of
 * sharp's formats converted to sRGB. JPEG and PNG pixels equal PIL's Image.open(f).convert(mode); at full size they
 * come as torchvision's decode_jpeg and decode_png give them, a C×H×W view of H×W×C memory (contiguous() makes the
 * copy where one is needed).
 */
export function readImage(path: string, options: DecodeOptions = {}): Tensor {
  if (typeof path !== 'string' || path === '') throw new TypeError(`readImage: path must be a file path, got ${describe(path)}`);
  try {
    return decode(path, options, 'readImage');
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw error;
    throw new Error(`readImage: cannot decode ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Decodes an encoded image held in memory (a Buffer or Uint8Array), as readImage does a file. */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Tensor {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeImage: needs the encoded bytes as a Buffer or Uint8Array, got ${describe(bytes)}`);
  try {
    return decode(bytes, options, 'decodeImage');
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw error;
    throw new Error(`decodeImage: cannot decode the ${bytes.length}-byte image: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Reads several image files at once, as readImage does one, with a few decoding in parallel: for each file its
 * C×H×W tensor, or the Error that says why it could not be read.
 */
export function readImages(paths: string[], options: DecodeOptions = {}): (Tensor | Error)[] {
  const checked = checkDecodeOptions(options, 'readImages');
  const failed = (path: string, message: string) => new Error(`readImages: cannot decode ${path}: ${message}`, { cause: new Error(message) });
  // JPEGs and PNGs here, one after the other (libjpeg-turbo and libpng are faster alone than sharp with several in
  // flight); the rest together on the codec thread.
  const images: (Tensor | Error | null)[] = paths.map((path) => {
    try {
      return decodeHere(readFileSync(path), checked);
    } catch (error) {
      return failed(path, (error as Error).message);
    }
  });
  const rest = paths.filter((_, i) => images[i] === null);
  if (rest.length === 0) return images as (Tensor | Error)[];
  const replies = ask<({ data: Uint8Array | Int32Array; shape: number[] } | { error: string })[]>({ op: 'decodeMany', paths: rest, options: checked }, 'readImages');
  let next = 0;
  return images.map((image, i) => {
    if (image !== null) return image;
    const reply = replies[next++];
    return 'error' in reply ? failed(paths[i], reply.error) : frombuffer(reply.data, { shape: reply.shape });
  });
}

/** What a file's header says of its pixels: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA or CMYK bands. */
export interface ImageHeader {
  channels: number;
  hasAlpha: boolean;
}

/** For each file, its header's bands when it reads as an image (a cheap check: no pixels are decoded), or else why not. */
export function readImageHeaders(paths: string[]): (ImageHeader | string)[] {
  return paths.length === 0 ? [] : ask<(ImageHeader | string)[]>({ op: 'check', paths }, 'readImageHeaders');
}

/** For each file, null when its header reads as an image (a cheap check: no pixels are decoded), or else why not. */
export function checkImageFiles(paths: string[]): (string | null)[] {
  return readImageHeaders(paths).map((header) => (typeof header === 'string' ? header : null));
}

const formats: Record<string, 'png' | 'jpeg' | 'webp'> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp' };

export interface SaveImageOptions extends GridOptions {
  /** JPEG and WebP quality 1..100 (default 90; WebP 100 is lossless). */
  quality?: number;
}

/**
 * Encodes a C×H×W image (1 gray, 2 gray + alpha, 3 RGB or 4 RGBA channels), or an N×C×H×W batch laid out by makeGrid,
 * as PNG, JPEG or WebP. uint8 is taken as is; floating point is taken as [0, 1] and rounded as torchvision's
 * save_image does (x·255 + 0.5, clamped, truncated).
 */
export function encodeImage(image: Tensor, format: 'png' | 'jpeg' | 'webp', options: SaveImageOptions = {}, where = 'encodeImage'): Uint8Array {
  if (!(image instanceof Tensor) || (image.shape.length !== 3 && image.shape.length !== 4)) {
    throw new TypeError(`${where}: expects an image C×H×W or a batch N×C×H×W tensor, got ${describe(image)}`);
  }
  if (!Object.values(formats).includes(format)) throw new RangeError(`${where}: format must be 'png', 'jpeg' or 'webp', got ${describe(format)}`);
  const quality = options.quality ?? 90;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new RangeError(`${where}: quality must be an integer 1..100, got ${describe(options.quality)}`);
  const pixels = tidy(() => {
    const grid = image.shape.length === 4 ? makeGrid(image, options) : image;
    const channels = grid.shape[0];
    if (channels < 1 || channels > 4) throw new RangeError(`${where}: an image has 1, 2, 3 or 4 channels, got ${channels} (shape [${image.shape.join(', ')}])`);
    if (grid.dtype === 'uint8') return grid.cpu().contiguous();
    if (!grid.dtype.startsWith('float') && grid.dtype !== 'bfloat16') throw new TypeError(`${where}: expects uint8 (0..255) or floating-point (0..1) pixels, got ${grid.dtype}`);
    return grid.to({ device: 'cpu', dtype: 'float32' }).mul(255).add_(0.5).clamp_(0, 255).to('uint8');
  });
  const data = pixels.toTypedArray() as Uint8Array;
  const shape = pixels.shape;
  pixels.dispose();
  return ask<Uint8Array>({ op: 'encode', data, shape, format, quality }, where);
}

/** Writes an image or a batch as encodeImage encodes it, in the format the file's extension names, atomically. */
export function saveImage(path: string, image: Tensor, options: SaveImageOptions = {}): void {
  const format = formats[extname(String(path)).toLowerCase()];
  if (!format) throw new RangeError(`saveImage: cannot tell the format of ${describe(path)}; end the file name in .png, .jpg, .jpeg or .webp`);
  writeFileAtomic(path, [encodeImage(image, format, options, 'saveImage')]);
}
