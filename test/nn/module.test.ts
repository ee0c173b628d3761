import assert from 'node:assert/strict';
import { test } from 'node:test';

import { nn, torch } from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { assertValues } from '../helpers.js';
import { noReference, reference } from './pytorch-reference.js';

function smallCnn(): InstanceType<typeof nn.Sequential> {
  return new nn.Sequential(
    new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(4, 4, 3, { padding: 'same', bias: false }), new nn.BatchNorm2d(4, { momentum: null }), new nn.LeakyReLU(0.2),
    new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(4 * 3 * 3, 3));
}

test('default initialization draws the same numbers as PyTorch after the same seed', { skip: noReference }, () => {
  torch.manualSeed(0);
  const conv = new nn.Conv2d(3, 8, 3);
  const linear = new nn.Linear(10, 4);
  const grouped = new nn.Conv2d(4, 6, [3, 5], { groups: 2, bias: false });
  const expected = reference!.init;
  assertValues(conv.weight, expected['conv.weight'], 1e-7);
  assertValues(conv.bias!, expected['conv.bias'], 1e-7);
  assertValues(linear.weight, expected['linear.weight'], 1e-7);
  assertValues(linear.bias!, expected['linear.bias'], 1e-7);
  assertValues(grouped.weight, expected['grouped.weight'], 1e-7);
});

test('nn.init functions match PyTorch', { skip: noReference }, () => {
  torch.manualSeed(1);
  const trunc = nn.init.truncNormal_(torch.empty([6, 4, 3, 3]), 0, 0.5);
  const kaiming = nn.init.kaimingNormal_(torch.empty([5, 7]), { mode: 'fan_out', nonlinearity: 'relu' });
  const xavier = nn.init.xavierUniform_(torch.empty([5, 7]), 2);
  assertValues(trunc, reference!.init_fns.trunc, 1e-6);
  assertValues(kaiming, reference!.init_fns.kaiming, 1e-6);
  assertValues(xavier, reference!.init_fns.xavier, 1e-6);
  assert.ok((trunc.abs().max().item() as number) <= 2);
});

test("a CNN has PyTorch's state-dict keys and printed form, and its outputs, gradients and running statistics", { skip: noReference }, () => {
  const ref = reference!.cnn;
  const model = smallCnn();
  assert.deepEqual(Object.keys(model.stateDict()), ref.keys);
  assert.equal(model.toString(), ref.repr);
  assert.equal(model.numParameters(), ref.num_parameters);
  const state: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(ref.state as Record<string, unknown>)) state[k] = torch.tensor(v as number[], { dtype: k.endsWith('num_batches_tracked') ? 'int64' : 'float32' });
  model.loadStateDict(state);
  const input = torch.tensor(ref.input);
  model.eval();
  assertValues(model.forward(input), ref.eval_out, 1e-5);
  model.train();
  model.set(8, new nn.Dropout(0)); // deterministic, as the reference's p = 0
  const out = model.forward(input);
  assertValues(out, ref.train_out, 1e-5);
  const loss = nn.functional.crossEntropy(out, torch.tensor(ref.target));
  assert.ok(Math.abs((loss.item() as number) - ref.loss) < 1e-5);
  loss.backward();
  for (const [name, p] of model.namedParameters()) assertValues(p.grad!, ref.grads[name], 1e-5);
  model.forward(input);
  const after = model.stateDict();
  for (const [k, v] of Object.entries(ref.after as Record<string, unknown>)) assertValues(after[k], v, 1e-5);
});

test('loadStateDict names missing, unexpected and mis-shaped keys', () => {
  const model = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
  const sd = model.stateDict();
  const wrong = { ...sd, '0.weight': torch.zeros([4, 3]), extra: torch.zeros([1]) } as Record<string, Tensor>;
  delete wrong['1.running_var'];
  assert.throws(() => model.loadStateDict(wrong), (e: Error) => {
    assert.match(e.message, /^Error\(s\) in loading state_dict for Sequential:/);
    assert.match(e.message, /Unexpected key\(s\) in state_dict: "extra"\./);
    assert.match(e.message, /Missing key\(s\) in state_dict: "1.running_var"\./);
    assert.match(e.message, /size mismatch for 0.weight: copying a param with shape \[4, 3\] from checkpoint, the shape in current model is \[2, 3\]\./);
    return true;
  });
  const partial = { '0.bias': torch.tensor([5, 6], { dtype: 'float32' }), extra: torch.zeros([1]) };
  assert.deepEqual(model.loadStateDict(partial, { strict: false }), {
    missingKeys: ['0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked'], unexpectedKeys: ['extra'],
  });
  assert.deepEqual((model.at(0) as InstanceType<typeof nn.Linear>).bias!.tolist(), [5, 6]);
});

test('structure: names, modes, requiresGrad_, apply, to() and containers', () => {
  class Net extends nn.Module {
    features = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU());
    head = new nn.ModuleDict({ fc: new nn.Linear(2, 2) });
    forward(x: Tensor): Tensor { return (this.head.get('fc') as InstanceType<typeof nn.Linear>).forward(this.features.forward(x).mean([2, 3])); }
  }
  const net = new Net();
  assert.deepEqual(net.namedParameters().map(([n]) => n), ['features.0.weight', 'features.0.bias', 'head.fc.weight', 'head.fc.bias']);
  assert.deepEqual(net.namedModules().map(([n]) => n), ['', 'features', 'features.0', 'features.1', 'head', 'head.fc']);
  assert.equal(net.numParameters(), 2 * 9 + 2 + 4 + 2);
  net.eval();
  assert.ok(net.modules().every((m) => !m.training));
  net.features.requiresGrad_(false);
  assert.equal(net.numParameters(true), 6);
  const visited: string[] = [];
  net.apply((m) => visited.push(m.typeName));
  assert.deepEqual(visited, ['Conv2d', 'ReLU', 'Sequential', 'Linear', 'ModuleDict', 'Net']);
  const bn = new nn.BatchNorm2d(3).to('float64');
  assert.equal(bn.weight!.dtype, 'float64');
  assert.equal(bn.num_batches_tracked!.dtype, 'int64');
  assert.deepEqual(net.forward(torch.ones([2, 1, 5, 5])).shape, [2, 2]);
  const seq = new nn.Sequential(new nn.ReLU(), new nn.Tanh());
  seq.set(-1, new nn.Sigmoid());
  assert.equal(seq.at(1).typeName, 'Sigmoid');
  assert.equal([...seq].length, 2);
  assert.throws(() => seq.at(2), /Sequential: index 2 is out of range for 2 modules/);
  assert.throws(() => seq.set(0, {} as never), /expected an nn.Module/);
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /must both be divisible by groups \(2\)/);
  assert.throws(() => new nn.BatchNorm2d(3).forward(torch.ones([2, 3])), /BatchNorm2d: expected 4-D input/);
});

test('dropout layers: identity in eval; Dropout2d drops whole channels; DropBlock2d and DropPath drop at rate p', () => {
  torch.manualSeed(0);
  const x = torch.ones([256, 8, 12, 12]);
  for (const layer of [new nn.Dropout(0.3), new nn.Dropout2d(0.3), new nn.DropBlock2d(0.3, 3), new nn.DropPath(0.3)]) {
    layer.eval();
    assert.ok(layer.forward(x).equal(x), `${layer.typeName} in eval`);
    layer.train();
    const y = layer.forward(x);
    const dropped = y.eq(0).float().mean().item() as number;
    assert.ok(Math.abs(dropped - 0.3) < 0.06, `${layer.typeName} dropped ${dropped}`);
    assert.ok(Math.abs((y.mean().item() as number) - 1) < 0.1, `${layer.typeName} keeps the mean`);
  }
  const channels = new nn.Dropout2d(0.5).forward(x).sum([2, 3]);
  assert.ok(channels.eq(0).logicalOr(channels.eq(144 * 2)).all().item() as boolean, 'each channel is all dropped or all kept (and scaled ×2)');
  const rows = new nn.DropPath(0.5).forward(x).sum([1, 2, 3]);
  assert.ok(rows.eq(0).logicalOr(rows.eq(8 * 144 * 2)).all().item() as boolean, 'each sample is all dropped or all kept');
  assert.throws(() => new nn.Dropout(1.5), /Dropout: p must be between 0 and 1, got 1.5/);
});

test('Residual adds the input, through a shortcut when shapes differ', () => {
  const block = new nn.Residual(new nn.Identity());
  assertValues(block.forward(torch.tensor([1, 2], { dtype: 'float32' })), [2, 4]);
  const widen = new nn.Residual(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.Conv2d(2, 4, 1));
  assert.deepEqual(widen.forward(torch.ones([1, 2, 5, 5])).shape, [1, 4, 5, 5]);
  assert.deepEqual(widen.namedParameters().map(([n]) => n), ['block.weight', 'block.bias', 'shortcut.weight', 'shortcut.bias']);
  assert.throws(() => new nn.Residual(new nn.Conv2d(2, 4, 3, { padding: 1 })).forward(torch.ones([1, 2, 5, 5])), /give a shortcut/);
});

test('regularizers: Keras L1, L2 and ElasticNet penalties on the chosen parameters', () => {
  const model = new nn.Sequential(new nn.Conv2d(1, 1, 1), new nn.BatchNorm2d(1), new nn.Linear(2, 1));
  torch.noGrad(() => {
    for (const p of model.parameters()) p.fill_(-2);
  });
  // weights only (default): conv weight (1 value) and linear weight (2 values) = three values of -2
  assertValues(nn.regularizers.l1(0.1).penalty(model), 0.1 * 6, 1e-6);
  assertValues(nn.regularizers.l2(0.1).penalty(model), 0.1 * 12, 1e-6);
  assertValues(nn.regularizers.l1L2({ l1: 0.1, l2: 0.01 }).penalty(model), 0.6 + 0.12, 1e-6);
  assert.deepEqual(nn.regularizers.l2(0.1, 'all').targets(model).map(([n]) => n), ['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias']);
  assert.deepEqual(nn.regularizers.l2(0.1, [nn.Linear]).targets(model).map(([n]) => n), ['2.weight']);
  assert.deepEqual(nn.regularizers.l2(0.1, /bias$/).targets(model).map(([n]) => n), ['0.bias', '1.bias', '2.bias']);
  const penalty = nn.regularizers.l2(0.5).penalty(model);
  penalty.backward();
  assertValues((model.at(2) as InstanceType<typeof nn.Linear>).weight.grad!, [[-2, -2]], 1e-6); // d(0.5·w²)/dw = w
  assert.throws(() => nn.regularizers.l2(0.1, [nn.GroupNorm]).penalty(model), /selects no parameter of Sequential/);
  assert.throws(() => nn.regularizers.l1(-1), /l1 must not be negative/);
});

test('summary lists each layer with its output shape and parameters', () => {
  const model = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8 * 4 * 4, 2));
  model.train();
  const { layers, total, trainable, text } = nn.summary(model, [1, 3, 8, 8]);
  assert.deepEqual(layers.map((l) => [l.type, l.outputShape, l.parameters]), [
    ['Sequential', [1, 2], 0], ['Conv2d', [1, 8, 8, 8], 224], ['ReLU', [1, 8, 8, 8], 0],
    ['MaxPool2d', [1, 8, 4, 4], 0], ['Flatten', [1, 128], 0], ['Linear', [1, 2], 258]]);
  assert.equal(total, 482);
  assert.equal(trainable, 482);
  assert.match(text, /Total params: 482/);
  assert.ok(model.training, 'the mode is restored');
  assert.ok(!Object.hasOwn(model.at(0), 'forward'), 'forward is restored');
});

test('Sequential frees each intermediate handle once the next layer has used it', () => {
  const seq = new nn.Sequential(new nn.ReLU(), new nn.Identity(), new nn.Tanh(), new nn.Identity(), new nn.Sigmoid());
  const x = torch.tensor([-1, 0, 2], { dtype: 'float32', requiresGrad: true });
  const before = torch.memory().numTensors;
  const y = seq.forward(x);
  assert.equal(torch.memory().numTensors, before + 1, 'only the output is left');
  assert.ok(!x.isDisposed, 'the input stays');
  assertValues(y, [0, 0, 2].map((v) => 1 / (1 + Math.exp(-Math.tanh(v)))), 1e-6);
  y.sum().backward(); // autograd kept what backward needs
  assert.equal(x.grad!.shape[0], 3);
});
