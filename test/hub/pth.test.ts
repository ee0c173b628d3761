// loadPth / savePth against PyTorch's own torch.save and torch.load(weights_only=True): every dtype, views,
// shared storages, the legacy format, checkpoints, refused pickles and damaged files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

import { torch, type Tensor } from '../../src/index.js';
import { PickleWriter } from '../../src/hub/pickle.js';
import { loadPth, loadPthWithMetadata, savePth } from '../../src/hub/pth.js';
import { writeZip } from '../../src/hub/zip.js';

const script = fileURLToPath(new URL('../../../test/hub/pth-reference.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-pth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function python(...args: string[]): any {
  const run = spawnSync('/usr/bin/python3', [script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(run.stderr || String(run.error));
  return run.stdout.trim() ? JSON.parse(run.stdout) : null;
}

let reference: any = null;
let noReference: string | false = false;
try {
  reference = python('make', dir);
} catch (error) {
  noReference = `no PyTorch for /usr/bin/python3: ${(error as Error).message.trim().split('\n').pop()}`;
}

interface Expected { dtype: string; shape: number[]; values: (number | boolean)[] }

function assertTensor(t: Tensor, expected: Expected, name: string): void {
  assert.equal(t.dtype, expected.dtype, `${name} dtype`);
  assert.deepEqual(t.shape, expected.shape, `${name} shape`);
  const list = t.to('float64').tolist();
  const values = Array.isArray(list) ? list.flat(Infinity as 1) : [list];
  assert.deepEqual(values, [expected.values].flat().map(Number), `${name} values`);
}

function assertState(sd: Record<string, Tensor>, expected: Record<string, Expected>): void {
  assert.deepEqual(Object.keys(sd), Object.keys(expected), 'keys in file order');
  for (const [name, want] of Object.entries(expected)) assertTensor(sd[name], want, name);
}

describe('loadPth reads torch.save files', { skip: noReference }, () => {
  test('every dtype, views, shared storage, a scalar, an empty tensor and num_batches_tracked match PyTorch exactly', () => {
    const { stateDict, metadata } = loadPthWithMetadata(join(dir, 'state.pth'));
    assertState(stateDict, reference.state);
    assert.equal(stateDict['1.num_batches_tracked'].dtype, 'int64');
    assert.deepEqual(metadata, reference.metadata);
    assert.deepEqual(metadata['1'], { version: 2 });
    torch.dispose(stateDict);
  });

  test('the legacy (non-zip) format reads the same', () => {
    const sd = loadPth(join(dir, 'legacy.pth'));
    assertState(sd, reference.state);
    torch.dispose(sd);
  });

  test('bytes in memory read like the file', () => {
    const sd = loadPth(readFileSync(join(dir, 'state.pth')));
    assertState(sd, reference.state);
    torch.dispose(sd);
  });

  test('a checkpoint dict: a clear message, and {key} reads the state dict inside', () => {
    const file = join(dir, 'checkpoint.pth');
    assert.throws(() => loadPth(file), (e: Error) => e.message.startsWith(`loadPth(${file}): 'epoch' holds a number, not a tensor`) &&
      e.message.includes("pass {key: 'state_dict'}"));
    const sd = loadPth(file, { key: 'state_dict' });
    assertState(sd, reference.state);
    torch.dispose(sd);
    assert.throws(() => loadPth(file, { key: 'model' }), /loadPth\(.*checkpoint\.pth\): it has no dict under key 'model' \(its keys: 'epoch', 'state_dict', 'best'\)/);
  });

  test('loading in a loop leaks no tensors', () => {
    const before = torch.memory().numTensors;
    for (let i = 0; i < 5; i++) torch.dispose(loadPth(join(dir, 'state.pth')));
    assert.equal(torch.memory().numTensors, before);
  });
});

describe('loadPth refuses what a state dict does not hold', { skip: noReference }, () => {
  test('a pickle that would call os.system is refused without running anything', () => {
    const file = join(dir, 'evil.pth');
    const marker = join(dir, 'pwned');
    python('malicious', file, marker);
    assert.throws(() => loadPth(file), (e: Error) =>
      e.message.startsWith(`loadPth(${file}): refuses to unpickle posix.system: a state-dict file holds only tensors and dicts`));
    assert.equal(existsSync(marker), false);
  });

  test('a pickled module (not a state dict) is refused, naming its class; so is a TorchScript archive', () => {
    assert.throws(() => loadPth(join(dir, 'module.pth')), /refuses to unpickle torch\.nn\.modules\.linear\.Linear/);
    assert.throws(() => loadPth(join(dir, 'scripted.pt')), /scripted\.pt\): it is a TorchScript archive \(torch\.jit\.save\), which holds code; save the model's state_dict\(\) with torch\.save instead/);
  });

  test('a truncated archive, a damaged storage and a missing data.pkl name the file and the fault', () => {
    const bytes = readFileSync(join(dir, 'state.pth'));
    const truncated = join(dir, 'truncated.pth');
    writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
    assert.throws(() => loadPth(truncated), new RegExp(`^Error: loadPth\\(${truncated}\\): the file is not a readable torch.save archive: no zip end-of-directory record`));
    const legacy = readFileSync(join(dir, 'legacy.pth'));
    assert.throws(() => loadPth(legacy.subarray(0, legacy.length - 10)), /^Error: loadPth\(<buffer>\): the file ends (before|inside) storage '\d+' \(truncated\?\)/);
    const damaged = Buffer.from(bytes);
    damaged[bytes.indexOf('data/0') + 200] ^= 0xff;
    assert.throws(() => loadPth(damaged), /^Error: loadPth\(<buffer>\): the file is not a readable torch.save archive: '.*' fails its CRC-32 check/);
    assert.throws(() => loadPth(join(dir, 'no-pickle.pth')), /no-pickle\.pth\): the file is not a readable torch.save archive: the archive has no <name>\/data\.pkl \(its entries: archive\/version\)/);
    assert.throws(() => loadPth(join(dir, 'missing.pth')), /^Error: loadPth\(.*missing\.pth\): cannot read the file: ENOENT/);
    assert.throws(() => loadPth(42 as never), /^TypeError: loadPth: expected a file path or a Uint8Array, got number/);
  });
});

describe('savePth writes what torch.load reads', { skip: noReference }, () => {
  test('torch.load(weights_only=True) reads every dtype, a transposed tensor, a scalar, an empty tensor and _metadata', () => {
    const original = loadPth(join(dir, 'state.pth'));
    const file = join(dir, 'saved.pth');
    savePth(file, original, { metadata: reference.metadata });
    const loaded = python('check', file);
    assert.equal(loaded.type, 'OrderedDict');
    assert.deepEqual(loaded.keys, Object.keys(reference.state));
    assert.deepEqual(loaded.state, reference.state);
    assert.deepEqual(loaded.metadata, reference.metadata);
    const again = loadPthWithMetadata(file);
    assertState(again.stateDict, reference.state);
    assert.deepEqual(again.metadata, reference.metadata);
    torch.dispose([original, again.stateDict]);
  });

  test('storages start on 64-byte boundaries, as PyTorch writes them for mmap', () => {
    const file = join(dir, 'aligned.pth');
    torch.tidy(() => savePth(file, { a: torch.ones([3]), b: torch.arange(5), transposed: torch.arange(6).reshape([2, 3]).transpose(0, 1) }));
    const bytes = readFileSync(file);
    for (const name of ['archive/data/0', 'archive/data/1']) {
      const header = bytes.indexOf(name) - 30;
      const start = header + 30 + bytes.readUInt16LE(header + 26) + bytes.readUInt16LE(header + 28);
      assert.equal(start % 64, 0, name);
    }
    assert.deepEqual(python('check', file).state, {
      a: { dtype: 'float32', shape: [3], values: [1, 1, 1] },
      b: { dtype: 'int64', shape: [5], values: [0, 1, 2, 3, 4] },
      transposed: { dtype: 'int64', shape: [3, 2], values: [0, 3, 1, 4, 2, 5] },
    });
  });

  test('a value that is not a tensor is refused', () => {
    assert.throws(() => savePth(join(dir, 'bad.pth'), { a: 1 as never }), /^TypeError: savePth: 'a' is not a tensor/);
    assert.equal(existsSync(join(dir, 'bad.pth')), false);
  });
});

describe('hand-made archives (no Python needed)', () => {
  const archive = (pickle: Buffer, storages: Record<string, Uint8Array> = {}) => Buffer.concat(writeZip([
    { name: 'archive/data.pkl', data: pickle },
    ...Object.entries(storages).map(([key, data]) => ({ name: `archive/data/${key}`, data })),
  ]));
  const tensorPickle = (numel: number, offset: number, size: number[], stride: number[]) => new PickleWriter()
    .emptyDict().mark().string('w').global('torch._utils', '_rebuild_tensor_v2').mark()
    .mark().string('storage').global('torch', 'FloatStorage').string('0').string('cpu').int(numel).tuple().persistentId()
    .int(offset).intTuple(size).intTuple(stride).bool(false).global('collections', 'OrderedDict').emptyTuple().reduce()
    .tuple().reduce().setItems().finish();

  test('builtins.eval is refused before anything is called', () => {
    const evil = new PickleWriter().global('builtins', 'eval').mark().string('1 + 1').tuple().reduce().finish();
    assert.throws(() => loadPth(archive(evil)), /^Error: loadPth\(<buffer>\): refuses to unpickle builtins\.eval: /);
  });

  test('a strided view is read with as_strided semantics; one reaching past its storage is refused', () => {
    const storage = new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]).buffer);
    const sd = loadPth(archive(tensorPickle(8, 1, [2, 3], [1, 2]), { 0: storage }));
    assert.deepEqual(sd.w.tolist(), [[1, 3, 5], [2, 4, 6]]);
    torch.dispose(sd);
    assert.throws(() => loadPth(archive(tensorPickle(8, 2, [2, 3], [1, 3]), { 0: storage })),
      /^Error: loadPth\(<buffer>\): tensor 'w' \(size \[2,3\], stride \[1,3\], offset 2\) reaches past its storage of 8 elements/);
    assert.throws(() => loadPth(archive(tensorPickle(8, 0, [8], [1]))), /^Error: loadPth\(<buffer>\): storage '0' is missing from the archive \(archive\/data\/0\)/);
  });
});
