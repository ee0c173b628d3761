// PyTorch parity: cnnkit's ops, gradients, seeded random draws and printing against PyTorch 1.13's own numbers,
// read from test/fixtures/reference.safetensors (made by test/fixtures/make_reference.py; `npm run fixtures`).
//
// Each op case loads its inputs from the fixture, marks the inputs PyTorch differentiated with requiresGrad_(true),
// runs the op, backpropagates the fixture's upstream tensor with out.backward(upstream), and compares the output,
// every gradient and any updated state (batch norm's running stats) with PyTorch's.
//
// Tolerance rule (float tensors): max_i |a_i − ref_i| ≤ 1e-5 · max(max_i |ref_i|, 1e-6), i.e. a relative error of
// 1e-5 in the infinity norm (float32 results may differ at ~1e-6 relative when libtorch picks another conv
// algorithm or summation order); NaNs must match NaNs. Shapes and dtypes must match exactly, integer and bool
// tensors must be equal, and random draws after manualSeed(0) and toString() texts must be identical.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { F, torch } from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/reference.safetensors', import.meta.url));
const { tensors: fx, metadata } = torch.loadWithMetadata(FIXTURE);

interface CaseMeta { op: string; options: Record<string, unknown>; inputs: string[]; grad: string[]; state: string[] }
const caseMeta = JSON.parse(metadata.cases) as Record<string, CaseMeta>;
const rngMeta = JSON.parse(metadata.rng) as Record<string, [string, unknown[]][]>;
const stringMeta = JSON.parse(metadata.strings) as Record<string, { text: string; requires_grad: boolean; op: string | null }>;

const RTOL = 1e-5;

function fixture(name: string): Tensor {
  const t = fx[name];
  assert.ok(t, `the fixture has no tensor '${name}'; rerun npm run fixtures`);
  return t;
}

/** Asserts `actual` equals the PyTorch reference under the rule in the header comment. */
function assertClose(actual: Tensor | null, expected: Tensor, label: string): void {
  assert.ok(actual, `${label}: cnnkit gave no tensor (null gradient?)`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape [${actual.shape}] vs PyTorch [${expected.shape}]`);
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype ${actual.dtype} vs PyTorch ${expected.dtype}`);
  const a = actual.toTypedArray();
  const r = expected.toTypedArray();
  if (!(r instanceof Float32Array || r instanceof Float64Array)) {
    assert.deepEqual(Array.from(a as ArrayLike<number | bigint>), Array.from(r as ArrayLike<number | bigint>), `${label}: values differ`);
    return;
  }
  let scale = 0;
  for (const v of r) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < r.length; i++) {
    const x: number = Number(a[i]);
    const y: number = r[i];
    if (Number.isNaN(y) || Number.isNaN(x)) {
      assert.ok(Number.isNaN(x) && Number.isNaN(y), `${label}: element ${i} is ${x}, PyTorch has ${y}`);
      continue;
    }
    if (!Number.isFinite(y)) {
      assert.equal(x, y, `${label}: element ${i} is ${x}, PyTorch has ${y}`);
      continue;
    }
    const diff = Math.abs(x - y);
    if (!(diff <= worst)) [worst, at] = [diff, i];
  }
  const tolerance = RTOL * Math.max(scale, 1e-6);
  assert.ok(worst <= tolerance,
    `${label}: max |cnnkit − PyTorch| = ${worst.toExponential(3)} at flat index ${at} (cnnkit ${Number(a[at])}, PyTorch ${r[at]}), ` +
    `above the tolerance ${tolerance.toExponential(3)} (1e-5 · max|ref| = 1e-5 · ${scale.toExponential(3)})`);
}

type Inputs = Record<string, Tensor>;
/** Each case as cnnkit code; the options mirror make_reference.py (and the fixture's metadata). */
const CASES: Record<string, (t: Inputs) => Tensor> = {
  conv2d_stride2: (t) => F.conv2d(t.input, t.weight, t.bias, { stride: 2, padding: 1 }),
  conv2d_groups_dilation: (t) => F.conv2d(t.input, t.weight, t.bias, { padding: 2, dilation: 2, groups: 2 }),
  conv2d_same: (t) => F.conv2d(t.input, t.weight, t.bias, { padding: 'same', dilation: [1, 2] }),
  conv2d_nobias_rect: (t) => F.conv2d(t.input, t.weight, null, { stride: [2, 1], padding: [0, 1] }),
  conv_transpose2d: (t) => F.convTranspose2d(t.input, t.weight, t.bias, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
  batch_norm_train: (t) => F.batchNorm(t.input, t.running_mean, t.running_var, { weight: t.weight, bias: t.bias, training: true, momentum: 0.1, eps: 1e-5 }),
  batch_norm_eval: (t) => F.batchNorm(t.input, t.running_mean, t.running_var, { weight: t.weight, bias: t.bias, training: false, eps: 1e-3 }),
  max_pool2d: (t) => F.maxPool2d(t.input, 3, { stride: 2, padding: 1 }),
  max_pool2d_ceil: (t) => F.maxPool2d(t.input, 3, { stride: 2, ceilMode: true }),
  avg_pool2d: (t) => F.avgPool2d(t.input, 3, { stride: 2, padding: 1 }),
  avg_pool2d_ceil_exclude_pad: (t) => F.avgPool2d(t.input, [3, 2], { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  adaptive_avg_pool2d: (t) => F.adaptiveAvgPool2d(t.input, [4, 3]),
  linear: (t) => F.linear(t.input, t.weight, t.bias),
  cross_entropy_label_smoothing: (t) => F.crossEntropy(t.input, t.target, { labelSmoothing: 0.1 }),
  cross_entropy_probs: (t) => F.crossEntropy(t.input, t.target),
  cross_entropy_probs_smoothing_sum: (t) => F.crossEntropy(t.input, t.target, { labelSmoothing: 0.2, reduction: 'sum' }),
  cross_entropy_weight_ignore: (t) => F.crossEntropy(t.input, t.target, { weight: t.weight, ignoreIndex: 2 }),
  cross_entropy_weight_smoothing_none: (t) =>
    F.crossEntropy(t.input, t.target, { weight: t.weight, ignoreIndex: 1, labelSmoothing: 0.15, reduction: 'none' }),
  nll_loss: (t) => F.nllLoss(t.input, t.target, { weight: t.weight }),
  nll_loss_sum: (t) => F.nllLoss(t.input, t.target, { reduction: 'sum', ignoreIndex: 0 }),
  softmax: (t) => F.softmax(t.input, 1),
  log_softmax: (t) => F.logSoftmax(t.input, -1),
  interpolate_nearest_x2: (t) => F.interpolate(t.input, { scaleFactor: 2, mode: 'nearest' }),
  interpolate_nearest_size: (t) => F.interpolate(t.input, { size: [7, 3], mode: 'nearest' }),
  interpolate_bilinear_align_true: (t) => F.interpolate(t.input, { size: [5, 7], mode: 'bilinear', alignCorners: true }),
  interpolate_bilinear_align_false: (t) => F.interpolate(t.input, { size: [7, 5], mode: 'bilinear', alignCorners: false }),
  interpolate_bilinear_scale: (t) => F.interpolate(t.input, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: false }),
  grid_sample_bilinear_zeros: (t) => F.gridSample(t.input, t.grid, { mode: 'bilinear', paddingMode: 'zeros', alignCorners: false }),
  grid_sample_nearest_border: (t) => F.gridSample(t.input, t.grid, { mode: 'nearest', paddingMode: 'border', alignCorners: true }),
  affine_grid: (t) => F.affineGrid(t.theta, [2, 3, 4, 5], { alignCorners: false }),
  affine_grid_align: (t) => F.affineGrid(t.theta, [1, 1, 3, 6], { alignCorners: true }),
  layer_norm: (t) => F.layerNorm(t.input, [4, 5], { weight: t.weight, bias: t.bias }),
  group_norm: (t) => F.groupNorm(t.input, 3, { weight: t.weight, bias: t.bias }),
  gelu: (t) => F.gelu(t.input),
  gelu_tanh: (t) => F.gelu(t.input, 'tanh'),
  leaky_relu: (t) => F.leakyRelu(t.input, 0.2),
  hardswish: (t) => F.hardswish(t.input),
  mse_loss: (t) => F.mseLoss(t.input, t.target),
  bce_with_logits: (t) => F.binaryCrossEntropyWithLogits(t.input, t.target, { weight: t.weight, posWeight: t.pos_weight }),
  bce_with_logits_sum: (t) => F.binaryCrossEntropyWithLogits(t.input, t.target, { reduction: 'sum' }),
  pad_reflect: (t) => F.pad(t.input, [1, 2, 2, 1], { mode: 'reflect' }),
  logsumexp: (t) => t.input.logsumexp([1, 2]),
  var_dims: (t) => t.input.var([0, 2], true, true),
  std_dim: (t) => t.input.std(1, false),
  matmul_broadcast: (t) => t.input.matmul(t.other),
  bmm: (t) => t.input.bmm(t.mat2),
};

test('the fixture and this file list the same cases', () => {
  assert.deepEqual(Object.keys(caseMeta).sort(), Object.keys(CASES).sort());
});

for (const [name, run] of Object.entries(CASES)) {
  test(`parity: ${name}`, () => {
    const meta = caseMeta[name];
    assert.ok(meta, `the fixture has no case '${name}'; rerun npm run fixtures`);
    torch.tidy(() => {
      const inputs: Inputs = {};
      for (const key of meta.inputs) {
        inputs[key] = fixture(`${name}.${key}`).clone();
        if (meta.grad.includes(key)) inputs[key].requiresGrad_(true);
      }
      const out = run(inputs);
      assertClose(out, fixture(`${name}.out`), `${name} output`);
      out.backward(fixture(`${name}.upstream`));
      for (const key of meta.grad) assertClose(inputs[key].grad, fixture(`${name}.grad.${key}`), `${name} grad of ${key}`);
      for (const key of meta.state) assertClose(inputs[key.replace(/_out$/, '')], fixture(`${name}.${key}`), `${name} ${key}`);
    });
  });
}

for (const [seq, draws] of Object.entries(rngMeta)) {
  test(`parity: manualSeed(0) then ${draws.map(([what, args]) => `${what}(${JSON.stringify(args).slice(1, -1)})`).join(', ')}`, () => {
    torch.tidy(() => {
      torch.manualSeed(0);
      draws.forEach(([what, args], i) => {
        let t: Tensor;
        if (what === 'randn') t = torch.randn(args as number[]);
        else if (what === 'rand') t = torch.rand(args as number[]);
        else if (what === 'randint') t = torch.randint(args[0] as number, args[1] as number, args[2] as number[]);
        else if (what === 'randperm') t = torch.randperm(args[0] as number);
        else throw new Error(`unknown draw ${what}`);
        const ref = fixture(`rng.${seq}.${i}.${what}`);
        assert.deepEqual(t.shape, ref.shape, `${seq} draw ${i} (${what}): shape`);
        assert.equal(t.dtype, ref.dtype, `${seq} draw ${i} (${what}): dtype`);
        assert.deepEqual(Array.from(t.toTypedArray() as ArrayLike<unknown>), Array.from(ref.toTypedArray() as ArrayLike<unknown>),
          `${seq} draw ${i} (${what}): the numbers differ from PyTorch's after manual_seed(0)`);
      });
    });
  });
}

for (const [name, { text, requires_grad: requiresGrad, op }] of Object.entries(stringMeta)) {
  test(`parity: toString ${name}`, () => {
    torch.tidy(() => {
      let t = fixture(`str.${name}`).clone();
      if (requiresGrad) t.requiresGrad_(true);
      if (op === 'mul2') t = t.mul(2);
      assert.equal(t.toString(), text);
    });
  });
}
