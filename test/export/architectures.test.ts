// Every architecture cnnkit trains, exported to ONNX with random weights: onnxruntime-node's outputs equal cnnkit's
// eval-mode forward at batch sizes 1 and 3 (max |Δ| ≤ 1e-4 · max |cnnkit output|), and Debian's onnx checker
// (full_check) accepts every file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { toOnnx } from '../../src/export/index.js';
import { getModel, type ModelOptions } from '../../src/models/index.js';
import { manualSeed } from '../../src/torch/index.js';
import { compareOutputs, createSession, decodeModel, randomizeWeights, startOnnxChecker } from './onnx-runtime.js';

const TOLERANCE = 1e-4;
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-onnx-'));

interface Case {
  label: string;
  model: string;
  options?: ModelOptions;
  /** Small inputs where the architecture allows them, to keep the test quick. */
  inputShape: [number, number, number];
  opset?: number;
}

const lecture = (label: string, options: ModelOptions, channels = 3): Case => ({
  label: `lecture_cnn ${label}`, model: 'lecture_cnn', options: { inputSize: 32, inChannels: channels, ...options }, inputShape: [channels, 32, 32],
});
const small = (model: string, size = 32, options: ModelOptions = {}): Case => ({ label: model, model, options, inputShape: [3, size, size] });

const CASES: Case[] = [
  lecture('plain', {}),
  lecture('batch norm', { batchNorm: true }),
  lecture('dropout', { dropout: 0.5 }),
  lecture('spatial dropout', { spatialDropout: 0.25 }),
  lecture('residual', { residual: true }),
  lecture('all switches, gray', { batchNorm: true, dropout: 0.5, spatialDropout: 0.25, residual: true }, 1),
  small('resnet20'),
  small('resnet18'), small('resnet34'), small('resnet50'), small('resnet101'), small('resnet152'),
  small('mobilenet_v2'), small('mobilenet_v3_small'), small('mobilenet_v3_large'),
  // AlexNet needs 63×63; on it and on VGG's 32×32 the adaptive poolings turn 1×1 into 6×6 and 7×7.
  small('alexnet', 63),
  small('vgg11'), small('vgg11_bn'), small('vgg16'), small('vgg16_bn'),
  small('convnext_tiny'),
  // ViT-B/16 at 32×32: its image size is an option; 2×2 patches and the class token.
  small('vit_b_16', 32, { imageSize: 32 }),
  // Opset 14, HardSwish's first (the converter test covers LayerNorm written out, as below 17, and attention there).
  { ...small('mobilenet_v3_small'), label: 'mobilenet_v3_small opset 14', opset: 14 },
];

const files: string[] = [];
// Checks each file while the next architecture is exported.
const checker = startOnnxChecker();
test.after(async () => {
  await checker.done(); // also when a filter skipped the test that waits for it
  rmSync(dir, { recursive: true, force: true });
});
const largest = { relative: 0, label: '' };

for (const c of CASES) {
  test(`${c.label}: onnxruntime gives cnnkit's outputs at batch 1 and 3`, async (t) => {
    manualSeed(0);
    const model = getModel(c.model, { numClasses: 7, ...c.options });
    randomizeWeights(model, c.inputShape);
    let bytes: Uint8Array | null = toOnnx(model, { inputShape: c.inputShape, opset: c.opset });
    const path = join(dir, `${c.label.replace(/[^\w]+/g, '-')}.onnx`);
    writeFileSync(path, bytes);
    files.push(path);
    checker.check(path);
    const decoded = decodeModel(bytes);
    assert.equal(Number(decoded.opsetImport![0].version), c.opset ?? 17); // a Long where the package long is installed
    assert.equal(decoded.graph!.input![0].type!.tensorType!.shape!.dim![0].dimParam, 'batch');
    assert.deepEqual(decoded.graph!.input![0].type!.tensorType!.shape!.dim!.slice(1).map((d) => Number(d.dimValue)), c.inputShape);
    const ops = new Set(decoded.graph!.node!.map((n) => n.opType));
    assert.ok(!ops.has('Dropout'), 'eval mode: no dropout');
    assert.equal(ops.has('BatchNormalization'), model.modules().some((m) => m.typeName.startsWith('BatchNorm')));
    const session = await createSession(bytes);
    bytes = null;
    try {
      for (const batch of [1, 3]) {
        const { relative, scale, spread } = await compareOutputs(session, model, c.inputShape, batch);
        t.diagnostic(`batch ${batch}: max |Δ| / max |y| = ${relative.toExponential(2)} (max |y| ${scale.toPrecision(3)})`);
        assert.ok(relative <= TOLERANCE, `batch ${batch}: relative difference ${relative}`);
        if (batch === 3) assert.ok(spread > 1e-3, `the three images give different outputs (spread ${spread})`);
        if (relative > largest.relative) Object.assign(largest, { relative, label: `${c.label}, batch ${batch}` });
      }
    } finally {
      await session.release();
      model.dispose();
      globalThis.gc?.();
    }
  });
}

test('Debian\'s onnx.checker.check_model(full_check=True) accepts every exported file', async (t) => {
  assert.equal(files.length, CASES.length);
  const verdicts = await checker.done();
  assert.deepEqual(Object.entries(verdicts).filter(([, v]) => v !== 'ok'), []);
  assert.equal(Object.keys(verdicts).length, files.length);
  t.diagnostic(`largest relative difference: ${largest.relative.toExponential(2)} (${largest.label})`);
});
