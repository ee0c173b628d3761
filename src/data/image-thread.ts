// The thread behind image.ts: sharp (libvips) only has asynchronous calls, while Dataset.get(i) is synchronous, so
// image.ts posts each request here and blocks on a shared flag until the reply is in its port. Pixel layout work
// (channels, C×H×W order, 16-bit scaling) happens here too, off the calling thread.
import { workerData, type MessagePort } from 'node:worker_threads';

import type { Sharp, SharpOptions } from 'sharp';

import type { DecodeOptions, EncodeRequest, ImageRequest } from './image.js';

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };
// Loaded here rather than imported, so that a broken install is an answer to the caller, not a silent dead thread.
const loading = import('sharp').then(({ default: sharp }) => {
  sharp.cache(false); // every file is read once per epoch: caching only holds memory
  return sharp;
});
loading.catch(() => {}); // reported with the first request
let sharp: (input?: string | Uint8Array, options?: SharpOptions) => Sharp;

/** ITU-R 601 luma in PIL's fixed point (Image.convert('L')), so gray images match PIL's to the last bit. */
const luma = (r: number, g: number, b: number): number => Math.floor((r * 19595 + g * 38470 + b * 7471 + 0x8000) / 65536);

/** The decoded pixels as C×H×W in the channels `mode` asks for. */
async function decode(input: string | Uint8Array, options: DecodeOptions): Promise<{ data: Uint8Array | Int32Array; shape: number[] }> {
  const image = sharp(input, { failOn: 'warning' });
  const meta = await image.metadata();
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
  const stored = color ? channels : alpha ? 2 : 1;
  const outChannels = mode === 'rgb' ? 3 : mode === 'gray' ? 1 : mode === 'rgba' ? 4 : stored;
  const keep = wide && options.keep16Bit === true;
  const out = keep ? new Int32Array(outChannels * pixels) : new Uint8Array(outChannels * pixels);
  const opaque = wide ? 65535 : 255;
  // round(v / 257) maps 0..65535 onto 0..255 exactly at both ends.
  const scale = wide && !keep ? (v: number) => Math.round(v / 257) : (v: number) => v;
  for (let p = 0; p < pixels; p++) {
    const at = p * channels;
    const r = source[at];
    const g = color ? source[at + 1] : r;
    const b = color ? source[at + 2] : r;
    const a = alpha ? source[at + channels - 1] : opaque;
    if (mode === 'gray') {
      out[p] = scale(color ? luma(r, g, b) : r);
      continue;
    }
    const values = mode === 'unchanged' ? (color ? [r, g, b, a] : [r, a]) : [r, g, b, a];
    for (let c = 0; c < outChannels; c++) out[c * pixels + p] = scale(values[c]);
  }
  return { data: out, shape: [outChannels, height, width] };
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

/** For each file, null when its header reads as an image sharp can decode, or else why not. */
async function check(paths: string[]): Promise<(string | null)[]> {
  const results: (string | null)[] = new Array(paths.length).fill(null);
  let next = 0;
  const reader = async () => {
    for (let i = next++; i < paths.length; i = next++) {
      try {
        await sharp(paths[i], { failOn: 'warning' }).metadata();
      } catch (error) {
        results[i] = (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader)); // headers are small reads: keep a few in flight
  return results;
}

async function handle(request: ImageRequest): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  sharp ??= await loading.catch((error: Error) => {
    throw new Error(`cannot load sharp, which decodes images (${error.message}); run npm install in the project`);
  });
  if (request.op === 'decode') {
    const value = await decode(request.input, request.options);
    return { value, transfer: [value.data.buffer as ArrayBuffer] };
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
