// The layer converters beyond the zoo's uses (same padding, dilation, ceil mode, poolings that divide and that do
// not, GELU's two forms, sequence-first attention, flatten ranges), at opsets 14 and 17; and what cannot be exported:
// a module of one's own (one error naming its path and type, until a converter is registered), batch norm without
// running statistics, bad options.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { export as exporter } from '../../src/index.js';
import { Permute } from '../../src/models/ops.js';
import { lectureCnn, vitB16 } from '../../src/models/index.js';
import { GELU, Hardsigmoid, LeakyReLU, ReLU, Sigmoid, SiLU, Softmax, Tanh } from '../../src/nn/layers/activation.js';
import { MultiheadAttention } from '../../src/nn/layers/attention.js';
import { BatchNorm2d } from '../../src/nn/layers/batchnorm.js';
import { Sequential } from '../../src/nn/layers/containers.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Hardtanh } from '../../src/nn/layers/hardtanh.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { LayerNorm } from '../../src/nn/layers/normalization.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../src/nn/layers/pooling.js';
import { Flatten, Identity } from '../../src/nn/layers/reshape.js';
import { Residual } from '../../src/nn/layers/residual.js';
import { Module } from '../../src/nn/module.js';
import { noGrad } from '../../src/torch/autograd.js';
import { manualSeed, memory } from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { compareOutputs, createSession, decodeModel, opTypes, randomizeWeights } from './onnx-runtime.js';

const { toOnnx } = exporter;

/** N×3×10×10 in, every converter of nn along the way, logits out. */
function everyLayer(): Module {
  return new Sequential(
    new Conv2d(3, 8, 3, { padding: 'same', dilation: 2 }), new BatchNorm2d(8, { affine: false }), new LeakyReLU(0.1),
    new Conv2d(8, 8, 2, { padding: 'same' }), new Hardtanh(-0.5, 0.8), new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), // 10 → 6
    new Residual(new Sequential(new Conv2d(8, 8, 3, { padding: 1 }), new Tanh(), new Conv2d(8, 8, 1), new Sigmoid())), new Hardsigmoid(),
    new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }), new SiLU(),
    new AdaptiveAvgPool2d([4, 3]), // 6×6 → 4×3: windows that do not divide
    new Conv2d(8, 16, 1), new GELU('tanh'), new Dropout(0.3), new Identity(),
    new Flatten(2), new Permute([2, 0, 1]), // N×16×12 → 12×N×16, sequence first
    new MultiheadAttention(16, 4), new Permute([1, 0, 2]), new LayerNorm(16, { elementwiseAffine: false }), new Linear(16, 12), new GELU(),
    new Flatten(1, 2), new Linear(144, 5), new Softmax(-1),
  );
}

for (const opset of [14, 17]) {
  test(`every nn layer converter at opset ${opset}: onnxruntime gives cnnkit's outputs at batch 1 and 3`, async () => {
    manualSeed(1);
    const model = everyLayer();
    randomizeWeights(model, [3, 10, 10]);
    // Larger projections, so that the attention is far from uniform and the outputs depend on the images.
    for (const m of model.modules()) if (m instanceof MultiheadAttention) noGrad(() => m.in_proj_weight.normal_(0, 1));
    const bytes = toOnnx(model, { inputShape: [3, 10, 10], opset });
    const ops = new Set(opTypes(bytes));
    for (const op of ['Conv', 'BatchNormalization', 'MaxPool', 'AveragePool', 'MatMul', 'Softmax', 'HardSigmoid', 'Clip', 'Erf', 'Reshape']) assert.ok(ops.has(op), op);
    assert.equal(ops.has('LayerNormalization'), opset >= 17);
    const session = await createSession(bytes);
    for (const batch of [1, 3]) {
      const { relative, spread } = await compareOutputs(session, model, [3, 10, 10], batch);
      assert.ok(relative <= 1e-5, `batch ${batch}: ${relative}`);
      if (batch === 3) assert.ok(spread > 1e-3, `spread ${spread}`);
    }
    await session.release();
    model.dispose();
  });
}

test('an adaptive average pooling whose sizes divide is an AveragePool; to 1×1 a GlobalAveragePool', async () => {
  const model = new Sequential(new Conv2d(2, 4, 3), new AdaptiveAvgPool2d(3), new AdaptiveAvgPool2d(1), new Flatten());
  const bytes = toOnnx(model, { inputShape: [2, 8, 8] }); // 6×6 → 3×3 → 1×1
  assert.deepEqual(opTypes(bytes), ['Conv', 'AveragePool', 'GlobalAveragePool', 'Flatten']);
  const session = await createSession(bytes);
  assert.ok((await compareOutputs(session, model, [2, 8, 8], 3)).relative <= 1e-6);
  await session.release();
  model.dispose();
});

class Doubler extends Module {
  forward(x: Tensor): Tensor { return x.mul(2); }
}
/** A ReLU whose forward is not ReLU's: a subclass is not taken for its parent. */
class ShiftedReLU extends ReLU {
  forward(x: Tensor): Tensor { return x.relu().add(1); }
}

test('a module without a converter is one error naming its path and type; a registered converter exports it', async () => {
  const model = lectureCnn({ inputSize: 16, numClasses: 3 });
  model.features.set(2, new Sequential(model.features.at(2), new Doubler()));
  assert.throws(() => toOnnx(model, { inputShape: [3, 16, 16] }),
    { message: 'toOnnx: cannot export features.2.1 (Doubler): no ONNX converter for Doubler; onnx.registerConverter() adds one' });
  const subclass = new Sequential(new Conv2d(3, 2, 1), new ShiftedReLU());
  assert.throws(() => toOnnx(subclass, { inputShape: [3, 4, 4] }), /cannot export 1 \(ShiftedReLU\)/);
  class Net extends Module {
    conv = new Conv2d(3, 2, 1);
    forward(x: Tensor): Tensor { return this.conv.forward(x); }
  }
  assert.throws(() => toOnnx(new Net(), { inputShape: [3, 4, 4] }), /cannot export the model itself \(Net\)/);

  exporter.registerConverter(Doubler, (_m, x, scope) => scope.op('Mul', [x, scope.constant('float', [2], [])]));
  const bytes = toOnnx(model, { inputShape: [3, 16, 16] });
  const session = await createSession(bytes);
  assert.ok((await compareOutputs(session, model, [3, 16, 16], 3)).relative <= 1e-5);
  await session.release();
  model.dispose();
});

test('batch norm without running statistics, and bad options, are refused by name', () => {
  const model = new Sequential(new Conv2d(3, 4, 3), new BatchNorm2d(4, { trackRunningStats: false }));
  assert.throws(() => toOnnx(model, { inputShape: [3, 8, 8] }), /cannot export 1 \(BatchNorm2d\): without running statistics/);
  const net = new Sequential(new Conv2d(3, 4, 3));
  assert.throws(() => toOnnx(net, { inputShape: [3, 8] as unknown as [number, number, number] }), /inputShape must be \[channels, height, width\] of positive integers/);
  assert.throws(() => toOnnx(net, { inputShape: [3, 8, 8], opset: 13 }), /opset must be an integer from 14 to 17, got 13/);
  assert.throws(() => toOnnx(net, { inputShape: [3, 8, 8], opset: 18 }), /opset must be an integer from 14 to 17, got 18/);
  assert.throws(() => toOnnx({} as Module, { inputShape: [3, 8, 8] }), /expected an nn.Module/);
  // The model's own check of its input, from the forward that records the shapes.
  const vit = vitB16({ imageSize: 32, numClasses: 2 });
  assert.throws(() => toOnnx(vit, { inputShape: [3, 48, 48] }), /VisionTransformer: expected N×3×32×32 input/);
  vit.dispose();
  model.dispose();
  net.dispose();
});

test('the modes are left as they were and the memory stays flat; the metadata is written', () => {
  const model = lectureCnn({ inputSize: 16, numClasses: 3, batchNorm: true, dropout: 0.5 });
  model.train();
  model.classifier.eval();
  toOnnx(model, { inputShape: [3, 16, 16] });
  const before = memory();
  const bytes = toOnnx(model, { inputShape: [3, 16, 16], metadata: { classes: '["a","b","c"]' }, name: 'tiny' });
  assert.deepEqual(memory(), before);
  assert.equal(model.training, true);
  assert.equal(model.features.training, true);
  assert.equal(model.classifier.training, false);
  const decoded = decodeModel(bytes);
  assert.deepEqual(decoded.metadataProps!.map((p) => [p.key, p.value]), [['classes', '["a","b","c"]']]);
  assert.equal(decoded.graph!.name, 'tiny');
  assert.equal(decoded.producerName, 'cnnkit');
  model.dispose();
});
