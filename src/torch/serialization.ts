// torch.save / torch.load of named tensors as safetensors: an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}, __metadata__?}, then the raw little-endian data.
import { readFileSync } from 'node:fs';

import { writeFileAtomic } from '../util/atomic-write.js';
import type { DType } from './dtype.js';
import { fromBytes } from './creation.js';
import { Tensor } from './tensor.js';

const CODES: Record<DType, string> = {
  float64: 'F64', float32: 'F32', float16: 'F16', bfloat16: 'BF16', int64: 'I64',
  int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
const DTYPES = Object.fromEntries(Object.entries(CODES).map(([dtype, code]) => [code, dtype])) as Record<string, DType>;
const ITEM_SIZE: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export type StateDict = Record<string, Tensor>;

/** Writes named tensors to `path` as safetensors, atomically; metadata is a string-to-string map. */
export function save(tensors: StateDict | Map<string, Tensor>, path: string, metadata?: Record<string, string>): void {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new TypeError(`save(): '${name}' is not a tensor`);
    const bytes = t.toBytes();
    header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // keeps the data 8-byte aligned
  const jsonBytes = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(jsonBytes.length));
  writeFileAtomic(path, [length, jsonBytes, ...chunks]);
}

/** Reads a safetensors file into named tensors (on `device`, default cpu). */
export function load(path: string, options: { device?: string } = {}): StateDict {
  const { tensors } = loadWithMetadata(path, options);
  return tensors;
}

export function loadWithMetadata(path: string, options: { device?: string } = {}): { tensors: StateDict; metadata: Record<string, string> } {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (error) {
    throw new Error(`load(): cannot read ${path}: ${(error as Error).message}`);
  }
  const bad = (why: string) => new Error(`load(): ${path} is not a valid safetensors file: ${why}`);
  if (file.length < 8) throw bad(`it has ${file.length} bytes, fewer than the 8-byte header length`);
  const headerLength = Number(file.readBigUInt64LE(0));
  if (8 + headerLength > file.length) throw bad(`the header claims ${headerLength} bytes but the file has ${file.length - 8} after the length`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
  } catch (error) {
    throw bad(`the header is not JSON (${(error as Error).message})`);
  }
  const data = file.subarray(8 + headerLength);
  const tensors: StateDict = {};
  const { __metadata__: metadata = {}, ...entries } = header as Record<string, never>;
  for (const [name, entry] of Object.entries(entries) as [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][]) {
    const dtype = DTYPES[entry?.dtype];
    if (!dtype) throw bad(`tensor '${name}' has dtype ${JSON.stringify(entry?.dtype)}, which cnnkit does not read (${Object.keys(DTYPES).join(', ')})`);
    const [begin, end] = entry.data_offsets ?? [];
    const count = (entry.shape ?? []).reduce((a, b) => a * b, 1);
    if (!(Number.isInteger(begin) && Number.isInteger(end) && 0 <= begin && begin <= end && end <= data.length)) {
      throw bad(`tensor '${name}' has data_offsets [${begin}, ${end}] outside the ${data.length} data bytes (truncated file?)`);
    }
    if (end - begin !== count * ITEM_SIZE[entry.dtype]) {
      throw bad(`tensor '${name}' of shape [${entry.shape}] and dtype ${entry.dtype} needs ${count * ITEM_SIZE[entry.dtype]} bytes, its offsets give ${end - begin}`);
    }
    tensors[name] = fromBytes(data.subarray(begin, end), entry.shape, dtype, options.device);
  }
  return { tensors, metadata };
}
