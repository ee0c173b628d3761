// Forward hooks: what a hook sees, an output it replaces, removal, and that an unhooked module is left untouched.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { nn, torch } from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

test('a forward hook sees the module, its inputs and its output, inside a Sequential', () => {
  torch.manualSeed(0);
  const relu = new nn.ReLU();
  const model = new nn.Sequential(new nn.Linear(3, 4), relu, new nn.Linear(4, 2));
  const seen: { module: nn.Module; input: number[][]; output: number[][] }[] = [];
  const handle = relu.registerForwardHook((module, inputs, output) => {
    seen.push({ module, input: inputs[0].tolist() as number[][], output: output.tolist() as number[][] });
  });
  torch.tidy(() => model.forward(torch.tensor([[1, -2, 3]], { dtype: 'float32' })));
  assert.equal(seen.length, 1);
  assert.equal(seen[0].module, relu);
  assert.deepEqual(seen[0].output, seen[0].input.map((row) => row.map((v) => Math.max(v, 0))));
  handle.remove();
});

test('a tensor a hook returns replaces the output; hooks run in the order registered', () => {
  const identity = new nn.Identity();
  const order: string[] = [];
  const first = identity.registerForwardHook((_m, _i, output) => { order.push('first'); return output.mul(2); });
  const second = identity.registerForwardHook((_m, _i, output) => { order.push('second'); return output.add(1); });
  const out = torch.tidy(() => identity.forward(torch.tensor([1, 2])).tolist());
  assert.deepEqual(out, [3, 5]);
  assert.deepEqual(order, ['first', 'second']);
  first.remove();
  assert.deepEqual(torch.tidy(() => identity.forward(torch.tensor([1, 2])).tolist()), [2, 3]);
  second.remove();
  second.remove(); // a second remove does nothing
  assert.deepEqual(torch.tidy(() => identity.forward(torch.tensor([1, 2])).tolist()), [1, 2]);
});

test('after the last remove the module is as it was: no own forward, the same keys, state and printed form', () => {
  const linear = new nn.Linear(2, 2);
  const keys = Object.keys(linear);
  const printed = linear.toString();
  const handle = linear.registerForwardHook(() => {});
  assert.deepEqual(Object.keys(linear), keys, 'the hook is not among the module\'s properties');
  assert.equal(linear.toString(), printed);
  const names = torch.tidy(() => Object.keys(linear.stateDict()));
  assert.deepEqual(names, ['weight', 'bias']);
  handle.remove();
  assert.equal(Object.getOwnPropertyDescriptor(linear, 'forward'), undefined);
  assert.equal(linear.forward, nn.Linear.prototype.forward);
});

test('a hook that removes itself does not keep the next hook from running, and a bad hook is refused', () => {
  const identity = new nn.Identity();
  const ran: string[] = [];
  const once = identity.registerForwardHook(() => { ran.push('once'); once.remove(); });
  const always = identity.registerForwardHook(() => { ran.push('always'); });
  const x: Tensor = torch.tensor([1]);
  identity.forward(x);
  identity.forward(x);
  assert.deepEqual(ran, ['once', 'always', 'always']);
  always.remove();
  x.dispose();
  assert.throws(() => identity.registerForwardHook(42 as never), /Identity\.registerForwardHook: hook must be a function, got number/);
});
