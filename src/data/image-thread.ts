// The thread behind image.ts: sharp (libvips) only has asynchronous calls, while Dataset.get(i) is synchronous, so
// image.ts posts each request here and blocks on a shared flag until the reply is in its port. Pixel layout work
// (channels, C×H×W order, 16-bit scaling) happens here too, off the calling thread.
import { readFile } from 'node:fs/promises';
import { workerData, type MessagePort } from 'node:worker_threads';

import type { Sharp, SharpOptions } from 'sharp';

import type { DecodeOptions, EncodeRequest, ImageHeader, ImageRequest } from './image.js';
import { readJpegHeader } from './jpeg-header.js';

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };
// Loaded here rather than imported, so that a broken install is an answer to the caller, not a silent dead thread.
const loading = import('sharp').then(({ default: sharp }) => {
  sharp.cache(false); // every file is read once per epoch: caching only holds memory
  return sharp;
});
loading.catch(() => {}); // reported with the first request
/** Files read or decoded at once by one request (checks, decodeMany). */
const IN_FLIGHT = 8;
let sharp: (input?: string | Uint8Array, options?: SharpOptions) => Sharp;

/** Output channels that copy no band: an opaque alpha, or the luma of the three colour bands. */
const OPAQUE = -1;
const LUMA = -2;

/** ITU-R 601 luma in PIL's fixed point (Image.convert('L')), so gray images match PIL's to the last bit. */
const luma = (r: number, g: number, b: number): number => Math.floor((r * 19595 + g * 38470 + b * 7471 + 0x8000) / 65536);

type Decoded = { data: Uint8Array | Int32Array; shape: number[] };

/** The decoded pixels as C×H×W in the channels `mode` asks for. */
async function decode(input: string | Uint8Array, options: DecodeOptions): Promise<Decoded> {
  const bytes = typeof input === 'string' ? await readFile(input) : input;
  const image = sharp(bytes, { failOn: 'warning' });
  // A JPEG's header says all that is needed; other files are asked (a second pass through libvips).
  const jpeg = readJpegHeader(bytes);
  const meta = jpeg?.precision === 8 ? { channels: jpeg.components, depth: 'uchar' } : await image.metadata();
  const gray = (meta.channels ?? 3) <= 2; // a file's bands: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA or CMYK
  const wide = meta.depth === 'ushort';
  let pipeline = image.autoOrient();
  if (options.size !== undefined) {
    const [height, width] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
    pipeline = pipeline.resize({ width, height, fit: options.fit ?? 'cover' });
  }
  // Gray files come out as sRGB too (three equal channels): sharp's 'b-w' output would drop their alpha.
  pipeline = pipeline.toColourspace(wide ? 'rgb16' : 'srgb').raw({ depth: wide ? 'ushort' : 'uchar' });
  const { data: raw, info } = await pipeline.toBuffer({ resolveWithObject: true });
  const source = wide ? new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2) : raw;
  const { channels, height, width } = info;
  const pixels = height * width;
  const color = channels >= 3 && !gray;
  const alpha = channels === 2 || channels === 4;
  const mode = options.mode ?? 'rgb';
  const keep = wide && options.keep16Bit === true;
  // The band of the decoded pixels that each output channel copies: gray files came out as three equal bands.
  const rgb = color ? [0, 1, 2] : [0, 0, 0];
  const alphaBand = alpha ? channels - 1 : OPAQUE;
  const bands = mode === 'gray' ? [color ? LUMA : 0] : mode === 'rgb' ? rgb : mode === 'rgba' ? [...rgb, alphaBand]
    : color ? (alpha ? [...rgb, alphaBand] : rgb) : alpha ? [0, alphaBand] : [0];
  const out = keep ? new Int32Array(bands.length * pixels) : new Uint8Array(bands.length * pixels);
  bands.forEach((band, c) => {
    const channel = out.subarray(c * pixels, (c + 1) * pixels);
    if (band === OPAQUE) return channel.fill(keep ? 65535 : 255);
    for (let p = 0, at = 0; p < pixels; p++, at += channels) {
      const v = band === LUMA ? luma(source[at], source[at + 1], source[at + 2]) : source[at + band];
      // round(v / 257) maps 0..65535 onto 0..255 exactly at both ends.
      channel[p] = wide && !keep ? Math.round(v / 257) : v;
    }
  });
  return { data: out, shape: [bands.length, height, width] };
}

/** An encoded PNG, JPEG or WebP of C×H×W uint8 pixels. */
async function encode({ data, shape, format, quality }: EncodeRequest): Promise<Uint8Array> {
  const [channels, height, width] = shape;
  const pixels = height * width;
  const interleaved = new Uint8Array(data.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < pixels; p++) interleaved[p * channels + c] = data[c * pixels + p];
  let image = sharp(interleaved, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } });
  if (channels <= 2) image = image.toColourspace('b-w');
  if (format === 'png') image = image.png();
  else if (format === 'jpeg') image = image.jpeg({ quality });
  else image = image.webp({ quality, lossless: quality === 100 });
  return image.toBuffer();
}

/**
 * `work` on every path with IN_FLIGHT at once, so that libvips' threads overlap them; a failure becomes `failed`'s
 * value for that path alone. Results come back in the order of `paths`.
 */
async function eachInFlight<T>(paths: string[], work: (path: string) => Promise<T>, failed: (message: string) => T): Promise<T[]> {
  const results: T[] = new Array(paths.length);
  let next = 0;
  const reader = async () => {
    for (let i = next++; i < paths.length; i = next++) {
      try {
        results[i] = await work(paths[i]);
      } catch (error) {
        results[i] = failed((error as Error).message ?? String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, reader));
  return results;
}

/** Several files decoded at once; failures come back one by one. */
const decodeMany = (paths: string[], options: DecodeOptions) =>
  eachInFlight<Decoded | { error: string }>(paths, (path) => decode(path, options), (error) => ({ error }));

/** For each file, the bands its header declares when it reads as an image sharp can decode, or else why not. */
const check = (paths: string[]) =>
  eachInFlight<ImageHeader | string>(paths, async (path) => {
    const { channels = 3, hasAlpha = false } = await sharp(path, { failOn: 'warning' }).metadata();
    return { channels, hasAlpha };
  }, (error) => error);

async function handle(request: ImageRequest): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  sharp ??= await loading.catch((error: Error) => {
    throw new Error(`cannot load sharp, which decodes images (${error.message}); run npm install in the project`);
  });
  if (request.op === 'decode') {
    const value = await decode(request.input, request.options);
    return { value, transfer: [value.data.buffer as ArrayBuffer] };
  }
  if (request.op === 'decodeMany') {
    const value = await decodeMany(request.paths, request.options);
    return { value, transfer: value.flatMap((v) => ('data' in v ? [v.data.buffer as ArrayBuffer] : [])) };
  }
  if (request.op === 'encode') return { value: await encode(request), transfer: [] };
  return { value: await check(request.paths), transfer: [] };
}

port.on('message', async (request: ImageRequest) => {
  try {
    const { value, transfer } = await handle(request);
    port.postMessage({ value }, transfer);
  } catch (error) {
    port.postMessage({ error: (error as Error).message ?? String(error) });
  }
  // The reply is queued on the caller's port before the caller wakes up to read it.
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
