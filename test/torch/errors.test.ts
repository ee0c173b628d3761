import assert from 'node:assert/strict';
import { test } from 'node:test';

import { F, torch } from '../../src/index.js';

test('libtorch errors become JS Errors with its message and no C++ backtrace', () => {
  const a = torch.ones([2, 3]);
  assert.throws(() => a.matmul(a), (error: Error) => {
    assert.ok(error instanceof Error);
    assert.match(error.message, /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
    assert.doesNotMatch(error.message, /Exception raised from|frame #/);
    return true;
  });
  assert.throws(() => a.view(4), /shape '\[4\]' is invalid for input of size 6/);
  assert.throws(() => a.index(0, 7), /index 7 is out of bounds/);
  assert.throws(() => F.conv2d(torch.ones([1, 2, 5, 5]), torch.ones([4, 3, 3, 3])), /expected input\[1, 2, 5, 5\] to have 3 channels, but got 2 channels/);
  assert.throws(() => F.crossEntropy(torch.ones([2, 3]), torch.ones([2])), /expected scalar type Long but found Float/);
  // The process is alive and the engine still works.
  assert.equal(torch.ones([2]).sum().item(), 2);
});

test('wrong argument types are TypeErrors naming the op and argument', () => {
  const a = torch.ones([2]);
  assert.throws(() => a.add('x' as never), (e: Error) => e instanceof TypeError && /add: argument 2 must be a tensor/.test(e.message));
  assert.throws(() => a.matmul({} as never), /must be a tensor/);
  assert.throws(() => a.transpose(0.5, 1), /transpose: argument 2 must be an integer, got 0.5/);
  assert.throws(() => a.to("float99" as never), /to\(\): .float99. is neither a dtype .* nor a device/);
  assert.throws(() => F.crossEntropy(torch.ones([2, 3]), torch.tensor([0, 1]), { reduction: 'avg' as never }), /reduction must be 'mean', 'sum' or 'none', got 'avg'/);
  assert.throws(() => F.conv2d(a, a, null, { padding: 'full' as never }), /padding must be a number, a pair, 'same' or 'valid'/);
  assert.throws(() => F.dropout(a, { p: 1.5 }), /dropout probability p must be between 0 and 1, got 1.5/);
  assert.throws(() => F.interpolate(torch.ones([1, 1, 2, 2]), { size: 4, scaleFactor: 2 }), /exactly one of size and scaleFactor/);
  assert.throws(() => F.gridSample(torch.ones([1, 1, 2, 2]), torch.zeros([1, 2, 2, 2]), { mode: 'cubic' as never }), /gridSample mode must be one of bilinear, nearest, bicubic/);
  assert.throws(() => torch.setNumThreads(0), /n must be at least 1/);
});

test('a disposed tensor is refused clearly, and disposing twice is harmless', () => {
  const a = torch.ones([2]);
  assert.deepEqual(a.shape, [2]);
  a.dispose();
  assert.throws(() => a.shape, /disposed tensor/, 'a shape read before is not handed out after');
  a.dispose();
  assert.ok(a.isDisposed);
  assert.throws(() => a.add(1), /disposed tensor/);
  assert.equal(a.toString(), 'tensor(<disposed>)');
});
