// PyTorch's .pth/.pt state-dict files without Python: torch.save's zip format (data.pkl + raw storages) and the
// legacy format (_use_new_zipfile_serialization=False), read through a pickle machine that knows only what a
// state dict holds, as torch.load(weights_only=True) promises; and savePth, which writes what torch.load reads.
import { readFileSync } from 'node:fs';

import { writeFileAtomic } from '../util/atomic-write.js';
import { arrayTypes, type DType } from '../torch/dtype.js';
import { fromBytes } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import type { StateDict } from '../torch/serialization.js';
import { Tensor } from '../torch/tensor.js';
import { orderedDictGlobal, PickleOrderedDict, PickleRefusedError, PickleWriter, unpickle, type PickleGlobal } from './pickle.js';
import { readZip, writeZip, ZipFormatError } from './zip.js';

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};
const STORAGE_TYPES = Object.fromEntries(Object.entries(STORAGE_DTYPES).map(([type, dtype]) => [dtype, type])) as Record<DType, string>;
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** Per-module metadata torch keeps beside a state dict (`_metadata`), e.g. {'bn1': {version: 2}}. */
export type StateDictMetadata = Record<string, Record<string, unknown>>;

export interface LoadPthOptions {
  /** Reads the state dict stored under this key of a checkpoint dict, e.g. 'state_dict' or 'model'. */
  key?: string;
  /** Where the tensors go (default cpu). */
  device?: string;
}

/** Reads a PyTorch state-dict file (or its bytes) into named tensors, in file order. */
export function loadPth(source: string | Uint8Array, options: LoadPthOptions = {}): StateDict {
  return loadPthWithMetadata(source, options).stateDict;
}

/** loadPth, plus the `_metadata` that torch stores with a state dict ({} when the file has none). */
export function loadPthWithMetadata(source: string | Uint8Array, options: LoadPthOptions = {}): { stateDict: StateDict; metadata: StateDictMetadata } {
  const file = typeof source === 'string' ? source : '<buffer>';
  const fail = (why: string) => new Error(`loadPth(${file}): ${why}`);
  let bytes: Buffer;
  if (typeof source === 'string') {
    try {
      bytes = readFileSync(source);
    } catch (error) {
      throw fail(`cannot read the file: ${(error as Error).message}`);
    }
  } else if (source instanceof Uint8Array) {
    bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  } else {
    throw new TypeError(`loadPth: expected a file path or a Uint8Array, got ${source === null ? 'null' : typeof source}`);
  }

  let root: unknown;
  try {
    root = isZip(bytes) ? readZipFormat(bytes) : readLegacyFormat(bytes);
  } catch (error) {
    if (error instanceof PickleRefusedError) {
      throw fail(`refuses to unpickle ${error.message}: a state-dict file holds only tensors and dicts, and loading anything else ` +
        'could run code; if you trust the file, load it in Python and re-save its state_dict()');
    }
    if (error instanceof ZipFormatError) throw fail(`the file is not a readable torch.save archive: ${error.message}`);
    throw fail((error as Error).message);
  }

  const dict = pickStateDict(root, options.key, fail);
  let stateDict: StateDict;
  try {
    stateDict = tidy(() => {
      const tensors: StateDict = {};
      for (const [name, value] of dict) tensors[String(name)] = (value as TensorRecord).materialize(String(name), options.device);
      return tensors;
    });
  } catch (error) {
    throw fail((error as Error).message);
  }
  return { stateDict, metadata: metadataOf(dict) };
}

export interface SavePthOptions {
  /** Per-module metadata to store as the state dict's `_metadata` (torch uses it for versioned layers). */
  metadata?: StateDictMetadata;
}

/** Writes named tensors as a .pth file that torch.load (weights_only=True too) reads; atomic. */
export function savePth(path: string, stateDict: StateDict | Map<string, Tensor>, options: SavePthOptions = {}): void {
  const entries = stateDict instanceof Map ? [...stateDict] : Object.entries(stateDict);
  const pickle = new PickleWriter();
  const storages: { name: string; data: Uint8Array }[] = [];
  pickle.global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  entries.forEach(([name, tensor], index) => {
    if (!(tensor instanceof Tensor)) throw new TypeError(`savePth: '${name}' is not a tensor`);
    const dtype = tensor.dtype;
    const shape = tensor.shape;
    const data = tensor.toBytes();
    storages.push({ name: `archive/data/${index}`, data });
    pickle.string(name).global('torch._utils', '_rebuild_tensor_v2').mark()
      .mark().string('storage').global('torch', STORAGE_TYPES[dtype]).string(String(index)).string('cpu').int(data.length / itemSize(dtype)).tuple().persistentId()
      .int(0).intTuple(shape).intTuple(contiguousStrides(shape)).bool(false)
      .global('collections', 'OrderedDict').emptyTuple().reduce()
      .tuple().reduce();
  });
  pickle.setItems();
  if (options.metadata) {
    pickle.emptyDict().mark().string('_metadata').global('collections', 'OrderedDict').emptyTuple().reduce().mark();
    for (const [module, fields] of Object.entries(options.metadata)) {
      pickle.string(module).emptyDict().mark();
      for (const [field, value] of Object.entries(fields)) {
        if (!Number.isSafeInteger(value)) throw new TypeError(`savePth: metadata '${module}'.${field} must be an integer, got ${String(value)}`);
        pickle.string(field).int(value as number);
      }
      pickle.setItems();
    }
    pickle.setItems().setItems().build();
  }
  writeFileAtomic(path, writeZip([
    { name: 'archive/data.pkl', data: pickle.finish() },
    { name: 'archive/byteorder', data: Buffer.from('little') },
    ...storages,
    { name: 'archive/version', data: Buffer.from('3\n') },
  ]));
}

/** A storage from the file: its dtype and raw little-endian bytes (filled in later for the legacy format). */
interface Storage {
  key: string;
  dtype: DType;
  numel: number;
  bytes?: Buffer;
}

/** What _rebuild_tensor_v2 describes; the tensor is made only for the entries that are returned. */
class TensorRecord {
  constructor(
    readonly storage: Storage,
    readonly storageOffset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}

  materialize(name: string, device?: string): Tensor {
    const { storage, storageOffset, size, stride } = this;
    const elementSize = itemSize(storage.dtype);
    const numel = size.reduce((a, b) => a * b, 1);
    const bytes = storage.bytes!;
    if (numel === 0) return fromBytes(new Uint8Array(0), size, storage.dtype, device);
    const last = storageOffset + size.reduce((sum, n, d) => sum + (n - 1) * stride[d], 0);
    if (storageOffset < 0 || stride.some((s) => s < 0) || last >= storage.numel) {
      throw new Error(`tensor '${name}' (size [${size}], stride [${stride}], offset ${storageOffset}) reaches past its storage of ${storage.numel} elements`);
    }
    // Only the span the view covers is copied in; libtorch's as_strided picks the elements out of it.
    const span = bytes.subarray(storageOffset * elementSize, (last + 1) * elementSize);
    if (isContiguous(size, stride)) return fromBytes(span, size, storage.dtype, device);
    return tidy(() => fromBytes(span, [last + 1 - storageOffset], storage.dtype, device).asStrided(size, stride).contiguous());
  }
}

function readZipFormat(bytes: Buffer): unknown {
  const entries = readZip(bytes);
  const pickleName = [...entries.keys()].find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (!pickleName) throw new ZipFormatError(`the archive has no <name>/data.pkl (its entries: ${[...entries.keys()].slice(0, 8).join(', ') || 'none'})`);
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  if (entries.has(`${prefix}constants.pkl`)) {
    throw new Error('it is a TorchScript archive (torch.jit.save), which holds code; save the model\'s state_dict() with torch.save instead');
  }
  const byteorder = entries.get(`${prefix}byteorder`)?.toString('latin1');
  if (byteorder !== undefined && byteorder !== 'little') throw new Error(`its storages are ${byteorder}-endian; only little-endian files are read`);
  const storages = new Map<string, Storage>();
  const { value } = unpickle(entries.get(pickleName)!, {
    findGlobal,
    persistentLoad(pid) {
      const { key, dtype, numel } = storageId(pid, 5);
      let storage = storages.get(key);
      if (!storage) {
        const data = entries.get(`${prefix}data/${key}`);
        if (!data) throw new Error(`storage '${key}' is missing from the archive (${prefix}data/${key})`);
        if (data.length < numel * itemSize(dtype)) throw new Error(`storage '${key}' holds ${data.length} bytes, fewer than ${numel} ${dtype} elements`);
        storage = { key, dtype, numel, bytes: data };
        storages.set(key, storage);
      }
      return storage;
    },
  });
  return value;
}

// The legacy layout: pickles of a magic number, a protocol version, system info and the object (whose storages
// are persistent ids), then a pickle of the storage keys, then each storage as an int64 count and its raw bytes.
function readLegacyFormat(bytes: Buffer): unknown {
  const noGlobals = { findGlobal: () => undefined };
  let header: { value: unknown; end: number };
  try {
    header = unpickle(bytes, noGlobals);
  } catch {
    throw new Error('the file is neither a torch.save zip archive nor a legacy torch.save pickle (wrong file, or truncated)');
  }
  if (header.value !== LEGACY_MAGIC) throw new Error('the file is neither a torch.save zip archive nor a legacy torch.save pickle');
  const version = unpickle(bytes, noGlobals, header.end);
  if (version.value !== 1001) throw new Error(`legacy torch.save protocol ${String(version.value)} is not read (only 1001)`);
  const systemInfo = unpickle(bytes, noGlobals, version.end);
  const info = systemInfo.value instanceof Map ? systemInfo.value : new Map();
  if (info.get('little_endian') === false) throw new Error('its storages are big-endian; only little-endian files are read');
  const storages = new Map<string, Storage>();
  const views: { view: Storage; root: Storage; offset: number }[] = [];
  const object = unpickle(bytes, {
    findGlobal,
    persistentLoad(pid) {
      const { key, dtype, numel } = storageId(pid, 6);
      let root = storages.get(key);
      if (!root) storages.set(key, (root = { key, dtype, numel }));
      const view = (pid as unknown[])[5];
      if (view === null) return root;
      if (!Array.isArray(view) || view.length !== 3) throw new Error(`storage '${key}' has a malformed view description`);
      const [viewKey, offset, viewSize] = view as [string, number, number];
      const storage: Storage = { key: String(viewKey), dtype, numel: viewSize };
      views.push({ view: storage, root, offset });
      return storage;
    },
  }, systemInfo.end);
  const keys = unpickle(bytes, noGlobals, object.end);
  if (!Array.isArray(keys.value)) throw new Error('the list of storage keys after the object is missing');
  let at = keys.end;
  for (const key of keys.value as string[]) {
    const storage = storages.get(String(key));
    if (!storage) throw new Error(`storage '${key}' is listed but never used`);
    if (at + 8 > bytes.length) throw new Error(`the file ends before storage '${key}' (truncated?)`);
    const numel = Number(bytes.readBigInt64LE(at));
    const size = numel * itemSize(storage.dtype);
    if (at + 8 + size > bytes.length) throw new Error(`the file ends inside storage '${key}' (truncated?)`);
    storage.bytes = bytes.subarray(at + 8, at + 8 + size);
    storage.numel = numel;
    at += 8 + size;
  }
  for (const [key, storage] of storages) if (!storage.bytes) throw new Error(`storage '${key}' has no data in the file (truncated?)`);
  for (const { view, root, offset } of views) {
    const elementSize = itemSize(root.dtype);
    view.bytes = root.bytes!.subarray(offset * elementSize, (offset + view.numel) * elementSize);
  }
  return object.value;
}

/** torch's persistent id ('storage', <Dtype>Storage, key, location, numel[, view]). */
function storageId(pid: unknown, length: number): { key: string; dtype: DType; numel: number } {
  if (!Array.isArray(pid) || pid.length !== length || pid[0] !== 'storage') throw new Error(`unknown persistent id ${describeShort(pid)}; only torch storages are read`);
  const type = pid[1] as StorageGlobal;
  if (!(type instanceof StorageGlobal)) throw new Error(`persistent id ${describeShort(pid)} names no storage type`);
  const numel = Number(pid[4]);
  if (!Number.isSafeInteger(numel) || numel < 0) throw new Error(`storage '${pid[2]}' has an invalid element count ${String(pid[4])}`);
  return { key: String(pid[2]), dtype: type.dtype, numel };
}

class StorageGlobal implements PickleGlobal {
  readonly qualifiedName: string;
  constructor(name: string, readonly dtype: DType) {
    this.qualifiedName = `torch.${name}`;
  }
  call(): never {
    throw new Error(`${this.qualifiedName}(...) is called; a state dict only refers to storages`);
  }
}

const rebuildTensor = (name: string, argumentCounts: number[]): PickleGlobal => ({
  qualifiedName: `torch._utils.${name}`,
  call(args) {
    if (!argumentCounts.includes(args.length)) throw new Error(`${this.qualifiedName} gets ${args.length} arguments, expected ${argumentCounts.join(' or ')}`);
    const [storage, offset, size, stride] = args;
    const integers = (v: unknown) => Array.isArray(v) && v.every((n) => Number.isSafeInteger(n));
    if (!(storage && typeof storage === 'object' && 'dtype' in storage) || !Number.isSafeInteger(offset) || !integers(size) || !integers(stride) ||
      (size as number[]).length !== (stride as number[]).length) {
      throw new Error(`${this.qualifiedName} gets malformed arguments (storage, offset, size, stride)`);
    }
    return new TensorRecord(storage as Storage, offset as number, [...(size as number[])], [...(stride as number[])]);
  },
});

const rebuildParameter: PickleGlobal = {
  qualifiedName: 'torch._utils._rebuild_parameter',
  call(args) {
    if (!(args[0] instanceof TensorRecord)) throw new Error('torch._utils._rebuild_parameter gets no tensor');
    return args[0];
  },
};

const ALLOWED_GLOBALS = new Map<string, PickleGlobal>([
  ['collections.OrderedDict', orderedDictGlobal],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor('_rebuild_tensor_v2', [6, 7])],
  ['torch._utils._rebuild_tensor', rebuildTensor('_rebuild_tensor', [4])],
  ['torch._utils._rebuild_parameter', rebuildParameter],
  ...Object.entries(STORAGE_DTYPES).map(([name, dtype]) => [`torch.${name}`, new StorageGlobal(name, dtype)] as [string, PickleGlobal]),
]);

function findGlobal(module: string, name: string): PickleGlobal | undefined {
  return ALLOWED_GLOBALS.get(`${module}.${name}`);
}

function pickStateDict(root: unknown, key: string | undefined, fail: (why: string) => Error): Map<unknown, unknown> {
  if (!(root instanceof Map)) throw fail(`the file holds a ${describeShort(root)}, not a state dict (a dict of tensors)`);
  let dict = root;
  if (key !== undefined) {
    const inner = root.get(key);
    if (!(inner instanceof Map)) throw fail(`it has no dict under key '${key}' (its keys: ${keyList(root)})`);
    dict = inner;
  }
  const notTensors = [...dict].filter(([, value]) => !(value instanceof TensorRecord));
  if (notTensors.length > 0) {
    const nested = [...dict].filter(([, value]) => value instanceof Map && [...value.values()].some((v) => v instanceof TensorRecord)).map(([k]) => String(k));
    const hint = key === undefined && nested.length > 0 ? `; it looks like a checkpoint: pass {key: '${nested[0]}'} to read the state dict inside it` : '';
    throw fail(`'${String(notTensors[0][0])}' holds a ${describeShort(notTensors[0][1])}, not a tensor, so this is not a state dict (its keys: ${keyList(dict)})${hint}`);
  }
  return dict;
}

function metadataOf(dict: Map<unknown, unknown>): StateDictMetadata {
  const metadata: StateDictMetadata = {};
  const stored = dict instanceof PickleOrderedDict ? dict.attributes.get('_metadata') : undefined;
  if (stored instanceof Map) {
    for (const [module, fields] of stored) {
      if (fields instanceof Map) metadata[String(module)] = Object.fromEntries([...fields].map(([k, v]) => [String(k), v]));
    }
  }
  return metadata;
}

const itemSize = (dtype: DType) => arrayTypes[dtype].BYTES_PER_ELEMENT;

function isZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
}

function isContiguous(size: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) return false;
    expected *= size[d];
  }
  return true;
}

function contiguousStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= Math.max(shape[d], 1);
  }
  return strides;
}

function keyList(dict: Map<unknown, unknown>): string {
  const keys = [...dict.keys()].map(String);
  return keys.length === 0 ? 'none' : keys.slice(0, 6).map((k) => `'${k}'`).join(', ') + (keys.length > 6 ? `, … ${keys.length - 6} more` : '');
}

function describeShort(value: unknown): string {
  if (value === null) return 'None';
  if (value instanceof TensorRecord) return 'tensor';
  if (value instanceof Map) return 'dict';
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'tuple' : 'list';
  if (typeof value === 'object') return (value as { qualifiedName?: string }).qualifiedName ?? 'object';
  return typeof value === 'bigint' ? 'int' : typeof value;
}
