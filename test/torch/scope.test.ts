import assert from 'node:assert/strict';
import { test } from 'node:test';

import { F, torch } from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

test('tidy frees what it made, except what it returns or keeps', () => {
  const before = torch.memory().numTensors;
  let kept: Tensor | undefined;
  const result = torch.tidy(() => {
    const a = torch.ones([100]);
    a.mul(2).add(1);
    kept = torch.keep(torch.zeros([3]));
    return { sum: a.sum(), parts: [a.mul(3)] };
  });
  assert.equal(torch.memory().numTensors, before + 3);
  assert.equal(result.sum.item(), 100);
  assert.deepEqual(result.parts[0].tolist(), new Array(100).fill(3));
  torch.dispose([result, kept]);
  assert.equal(torch.memory().numTensors, before);
});

test('nested tidy hands returned tensors to the outer scope', () => {
  const before = torch.memory().numTensors;
  torch.tidy(() => {
    const inner = torch.tidy(() => torch.ones([2]).mul(5));
    assert.equal(inner.sum().item(), 10);
    assert.ok(!inner.isDisposed);
  });
  assert.equal(torch.memory().numTensors, before);
});

test('tidy frees everything when fn throws, and refuses a Promise', () => {
  const before = torch.memory().numTensors;
  assert.throws(() => torch.tidy(() => { torch.ones([5]); throw new Error('boom'); }), /boom/);
  assert.equal(torch.memory().numTensors, before);
  assert.throws(() => torch.tidy((() => Promise.resolve(torch.ones([1]))) as never), /returned a Promise/);
  assert.equal(torch.memory().numTensors, before);
});

test('using disposes a tensor at the end of its block', () => {
  const before = torch.memory().numTensors;
  {
    using t = torch.ones([4]);
    assert.equal(t.sum().item(), 4);
  }
  assert.equal(torch.memory().numTensors, before + 1); // the sum's result is left to the GC backstop
});

test('memory() counts storage bytes once however many tensors share it', () => {
  const before = torch.memory();
  torch.tidy(() => {
    const t = torch.zeros([256], { dtype: 'float32' });
    const views = [t.view(16, 16), t.index('0:10'), t.reshape(2, 128)];
    assert.equal(torch.memory().numTensors, before.numTensors + 1 + views.length);
    assert.equal(torch.memory().numBytes, before.numBytes + 1024);
  });
  assert.deepEqual(torch.memory(), before);
});

// Node runs finalizers when the event loop turns, hence the awaits.
test('the finalizer frees tensors that were never disposed', async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return; // needs --expose-gc, which npm test passes
  const before = torch.memory().numTensors;
  for (let i = 0; i < 100; i++) torch.ones([10]);
  assert.ok(torch.memory().numTensors >= before + 100);
  for (let i = 0; i < 5 && torch.memory().numTensors > before; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(torch.memory().numTensors <= before);
});

test('10,000 training steps of a tiny CNN keep memory flat', () => {
  torch.manualSeed(0);
  const params = [
    torch.randn([4, 1, 3, 3]).mul_(0.4), torch.zeros([4]), torch.ones([4]), torch.zeros([4]),
    torch.randn([2, 64]).mul_(0.1), torch.zeros([2]),
  ].map((p) => p.requiresGrad_(true));
  const [convW, convB, bnW, bnB, fcW, fcB] = params;
  const runningMean = torch.zeros([4]);
  const runningVar = torch.ones([4]);
  const momentum = params.map((p) => torch.zerosLike(p));
  const x = torch.randn([8, 1, 8, 8]);
  const y = torch.randint(0, 2, [8]);
  const step = () => torch.tidy(() => {
    const h = F.batchNorm(F.conv2d(x, convW, convB, { padding: 1 }), runningMean, runningVar, { weight: bnW, bias: bnB, training: true });
    const loss = F.crossEntropy(F.linear(F.maxPool2d(h.relu(), 2).flatten(1), fcW, fcB), y);
    loss.backward();
    torch.noGrad(() => params.forEach((p, i) => {
      momentum[i].mul_(0.9).add_(p.grad!);
      p.sub_(momentum[i], 0.01);
      p.grad = null;
    }));
    return loss.item() as number;
  });
  const firstLoss = step();
  for (let i = 0; i < 500; i++) step(); // warm-up: allocator pools and caches settle
  const tensorsAfterWarmUp = torch.memory();
  const rssAfterWarmUp = process.memoryUsage().rss;
  let lastLoss = 0;
  for (let i = 0; i < 10_000; i++) lastLoss = step();
  assert.deepEqual(torch.memory(), tensorsAfterWarmUp);
  const rss = process.memoryUsage().rss;
  assert.ok(Math.abs(rss - rssAfterWarmUp) <= 0.1 * rssAfterWarmUp, `RSS went from ${rssAfterWarmUp} to ${rss}`);
  assert.ok(lastLoss < firstLoss / 10, `the loss fell from ${firstLoss} to ${lastLoss}`);
});
