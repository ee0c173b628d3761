// The addon's TypeScript face (src/torch/native-api.ts) is generated from the signatures the built addon reports;
// these tests hold the two together and check that the signatures say what the conversions do.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { native } from '../../src/torch/native.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

test('the checked-in native-api.ts is what the built addon reports', () => {
  const run = spawnSync(process.execPath, ['scripts/native-types.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});

test('every addon function has a signature, and only those', () => {
  const signatures = native.signatures();
  const functions = Object.keys(native).filter((name) => typeof (native as unknown as Record<string, unknown>)[name] === 'function');
  assert.deepEqual(Object.keys(signatures).sort(), functions.sort());
  assert.ok(functions.length > 200, `${functions.length} functions`);
});

test('signatures follow the C++ types: tensors, operands, optionals, vectors, tuples, results', () => {
  const s = native.signatures();
  assert.equal(s.exp, '(a0: Handle) => Handle');
  // An Operand takes a JS number or boolean as PyTorch's wrapped scalar.
  assert.equal(s.mul, '(a0: Handle, a1: Handle | number | boolean) => Handle');
  // A trailing c10::optional may be left out; one before a required parameter may be undefined.
  assert.equal(s.arange, '(a0: number | boolean, a1: number | boolean, a2: number | boolean, a3?: DType | null, a4?: string | null) => Handle');
  assert.equal(s.backward, '(a0: Handle, a1: Handle | null | undefined, a2: boolean | null | undefined, a3: boolean) => void');
  assert.equal(s.autogradGrad.endsWith('=> (Handle | null)[]'), true, s.autogradGrad);
  assert.equal(s.sort, '(a0: Handle, a1: number, a2: boolean) => [Handle, Handle]');
  assert.equal(s.grad, '(a0: Handle) => Handle | null');
  assert.equal(s.shape, '(a0: Handle) => number[]');
  assert.equal(s.dtype, '(a0: Handle) => DType');
  assert.equal(s.item, '(a0: Handle) => number | boolean');
  assert.equal(s.toArrayBuffer, '(a0: Handle) => ArrayBuffer');
  // A Napi::Env parameter takes no JS argument.
  assert.equal(s.memory, '() => [number, number]');
});

test('the results the signatures promise are what the functions return', () => {
  const x = native.arange(0, 3, 1, 'float32');
  const unused = native.arange(0, 3, 1, 'float32');
  native.requiresGrad_(x, true);
  native.requiresGrad_(unused, true);
  const [values, indices] = native.sort(x, 0, true);
  assert.deepEqual([native.item(native.select(values, 0, 0)), native.item(native.select(indices, 0, 0))], [2, 2]);
  assert.equal(native.dtype(x), 'float32');
  assert.equal(native.grad(x), null);
  assert.equal(native.toArrayBuffer(x).byteLength, 12);
  const y = native.sum(native.mul(x, 2), null, false);
  const [dx, dUnused] = native.autogradGrad([y], [x, unused], null, null, false, true);
  assert.deepEqual(native.shape(dx!), [3]);
  assert.equal(native.item(native.sum(dx!, null, false)), 6);
  assert.equal(dUnused, null);
  for (const h of [x, unused, values, indices, y, dx!]) native.dispose(h);
});
