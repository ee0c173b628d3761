// The IDX format of MNIST and Fashion-MNIST: magic 0x0000, a type byte, a dimension count, big-endian int32 sizes, then the values.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

import type { DType, TypedArray } from '../torch/dtype.js';

/** What an IDX file holds: values in row-major order, in the machine's byte order. */
export interface IdxArray {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

// Type byte → dtype, element size, and how to read one big-endian value.
const TYPES: Record<number, { dtype: DType; size: number; read?: (view: DataView, offset: number) => number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2, read: (v, o) => v.getInt16(o) },
  0x0c: { dtype: 'int32', size: 4, read: (v, o) => v.getInt32(o) },
  0x0d: { dtype: 'float32', size: 4, read: (v, o) => v.getFloat32(o) },
  0x0e: { dtype: 'float64', size: 8, read: (v, o) => v.getFloat64(o) },
};
const ARRAYS = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array } as Record<string, new (n: number) => TypedArray>;

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** The IDX magic number of a type and dimension count: 0x00000803 for uint8 images, 0x00000801 for uint8 labels. */
export const idxMagic = (typeByte: number, ndim: number): number => (typeByte << 8) | ndim;

/**
 * Parses the IDX array that starts at `offset` of `bytes`; `end` is where it stops. `name` (the file) is in every error.
 * uint8 and int8 data are views of `bytes`, without a copy.
 */
export function parseIdxAt(bytes: Uint8Array, offset: number, name: string): IdxArray & { magic: number; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length - offset < 4) throw new Error(`${name} is truncated: ${bytes.length - offset} bytes, too short for an IDX magic number`);
  const magic = view.getUint32(offset);
  const type = TYPES[bytes[offset + 2]];
  const ndim = bytes[offset + 3];
  if (bytes[offset] !== 0 || bytes[offset + 1] !== 0 || type === undefined || ndim === 0) {
    throw new Error(`${name}: magic number ${hex(magic)} is not an IDX magic number ` +
      '(two zero bytes, a type byte 08, 09, 0B, 0C, 0D or 0E, and a dimension count ≥ 1; MNIST images start 0x00000803, labels 0x00000801)');
  }
  const header = 4 + 4 * ndim;
  if (bytes.length - offset < header) throw new Error(`${name} is truncated: ${bytes.length - offset} bytes, shorter than its ${header}-byte header`);
  const shape = Array.from({ length: ndim }, (_, d) => view.getUint32(offset + 4 + 4 * d));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = offset + header;
  const end = start + count * type.size;
  if (end > bytes.length) {
    throw new Error(`${name} is truncated: its header describes ${shape.join('×')} ${type.dtype} values (${count * type.size} bytes after the ${header}-byte header) ` +
      `but only ${bytes.length - start} bytes follow`);
  }
  let data: TypedArray;
  if (type.dtype === 'uint8') data = bytes.subarray(start, end);
  else if (type.dtype === 'int8') data = new Int8Array(bytes.buffer, bytes.byteOffset + start, count);
  else {
    data = new ARRAYS[type.dtype](count);
    for (let i = 0; i < count; i++) data[i] = type.read!(view, start + i * type.size);
  }
  return { dtype: type.dtype, shape, data, magic, end };
}

/** Parses a whole IDX file's bytes; bytes beyond what the header describes are an error. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray & { magic: number } {
  const { end, ...array } = parseIdxAt(bytes, 0, name);
  if (end !== bytes.length) throw new Error(`${name}: ${bytes.length - end} bytes follow the ${array.shape.join('×')} values its header describes; is it the right file?`);
  return array;
}

/** Reads an IDX file, gunzipping it when it is gzip data (a .gz name or not). */
export function readIdx(path: string): IdxArray & { magic: number } {
  let bytes: Uint8Array = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new Error(`${path}: gzip data that does not decompress (${(error as Error).message}); the file is damaged or truncated`, { cause: error });
    }
  }
  return parseIdx(bytes, path);
}

/** The header of a uint8 IDX array of the given shape; the values follow it. */
export function idxHeader(shape: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  view.setUint32(0, idxMagic(0x08, shape.length));
  shape.forEach((size, d) => view.setUint32(4 + 4 * d, size));
  return header;
}
