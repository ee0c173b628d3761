import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { torch } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-st-'));

test('save and load round-trip every dtype, shape and the metadata', () => {
  const tensors = {
    'features.0.weight': torch.randn([4, 3, 3, 3]),
    'features.1.running_mean': torch.randn([4], { dtype: 'float64' }),
    half: torch.tensor([0.5, -2], { dtype: 'float16' }),
    brain: torch.tensor([0.5, -2], { dtype: 'bfloat16' }),
    steps: torch.tensor([1, -2, 3]),
    int32: torch.tensor([7], { dtype: 'int32' }),
    bytes: torch.tensor([0, 255], { dtype: 'uint8' }),
    mask: torch.tensor([true, false]),
    scalar: torch.tensor(3.25),
    empty: torch.zeros([0, 5]),
  };
  const path = join(dir, 'all.safetensors');
  torch.save(tensors, path, { epoch: '3' });
  const { tensors: loaded, metadata } = torch.loadWithMetadata(path);
  assert.deepEqual(metadata, { epoch: '3' });
  assert.deepEqual(Object.keys(loaded).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    assert.equal(loaded[name].dtype, t.dtype, name);
    assert.deepEqual(loaded[name].shape, t.shape, name);
    assert.ok(loaded[name].equal(t), name);
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temporary file is left');
});

test('the file follows the safetensors layout, as an independent reader sees it', () => {
  const path = join(dir, 'layout.safetensors');
  torch.save({ b: torch.tensor([1, 2], { dtype: 'int32' }), a: torch.tensor([[1.5, 2.5]]) }, path);
  const file = readFileSync(path);
  const headerLength = Number(file.readBigUInt64LE(0));
  assert.equal((8 + headerLength) % 8, 0, 'data starts 8-byte aligned');
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString());
  assert.deepEqual(header.a, { dtype: 'F32', shape: [1, 2], data_offsets: [8, 16] });
  assert.deepEqual(header.b, { dtype: 'I32', shape: [2], data_offsets: [0, 8] });
  const data = file.subarray(8 + headerLength);
  assert.equal(data.readFloatLE(8), 1.5);
  assert.equal(data.readInt32LE(4), 2);
});

test('the fixture written by Python loads (cross-reader check)', () => {
  const reference = torch.load(new URL('../../../test/fixtures/reference.safetensors', import.meta.url).pathname);
  assert.ok(Object.keys(reference).length > 100);
});

test('corrupt or missing files give one clear error naming the file', () => {
  const good = join(dir, 'good.safetensors');
  torch.save({ w: torch.ones([64]) }, good);
  const bytes = readFileSync(good);
  const write = (name: string, content: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  assert.throws(() => torch.load(join(dir, 'missing.safetensors')), /load\(\): cannot read .*missing.safetensors/);
  assert.throws(() => torch.load(write('short', Buffer.from([1, 2]))), /short is not a valid safetensors file: it has 2 bytes/);
  assert.throws(() => torch.load(write('truncated', bytes.subarray(0, bytes.length - 10))), /truncated is not a valid safetensors file: tensor 'w' has data_offsets \[0, 256\] outside the 246 data bytes/);
  const badJson = Buffer.from(bytes);
  badJson[9] = 0x7b; // '{{' is not JSON
  assert.throws(() => torch.load(write('badjson', badJson)), /badjson is not a valid safetensors file: the header is not JSON/);
  const huge = Buffer.from(bytes);
  huge.writeBigUInt64LE(1n << 40n);
  assert.throws(() => torch.load(write('huge', huge)), /the header claims 1099511627776 bytes/);
  const header = JSON.stringify({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } });
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  assert.throws(() => torch.load(write('complex', Buffer.concat([length, Buffer.from(header), Buffer.alloc(8)]))), /tensor 'w' has dtype "C64", which cnnkit does not read/);
  assert.throws(() => torch.save({ w: 3 as never }, join(dir, 'x')), /'w' is not a tensor/);
  assert.ok(!existsSync(join(dir, 'x')));
});

const hasPyTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch']).status === 0;

test('PyTorch reads what cnnkit saves', { skip: hasPyTorch ? false : "no PyTorch for /usr/bin/python3 (Debian's python3-torch)" }, () => {
  const path = join(dir, 'for-python.safetensors');
  torch.save({ w: torch.arange(6).float().reshape(2, 3), i: torch.tensor([5, 6]) }, path);
  const script = `
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
types = {'F32': torch.float32, 'I64': torch.int64}
out = {}
for name, e in header.items():
    b, end = e['data_offsets']
    t = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + end]), dtype=types[e['dtype']]).reshape(e['shape'])
    out[name] = t.tolist()
print(json.dumps(out))`;
  const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, path]).toString());
  assert.deepEqual(out, { w: [[0, 1, 2], [3, 4, 5]], i: [5, 6] });
});
