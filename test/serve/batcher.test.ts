// Dynamic batching on its own: items that arrive together share a batch up to maxBatchSize, items that arrive while
// a batch runs gather for the next, a failed batch fails its items alone, and a full queue refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { serve } from '../../src/index.js';

/** A batch function that records its batches and answers each item doubled once `release()` is called. */
function gated() {
  const batches: number[][] = [];
  const waiting: (() => void)[] = [];
  const run = (items: number[]) => {
    batches.push(items);
    return new Promise<number[]>((resolve) => waiting.push(() => resolve(items.map((x) => 2 * x))));
  };
  const release = () => waiting.splice(0).forEach((go) => go());
  return { batches, run, release };
}

/** Resolves once `done()` holds (checked every 5 ms, for 5 s at most). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(done(), 'still not done after 5 s');
}

test('items submitted together share one batch; those that come while it runs gather for the next, in order', async () => {
  const { batches, run, release } = gated();
  const batcher = new serve.Batcher(run, { maxBatchSize: 4, maxWaitMs: 50, maxQueue: 100 });
  // Four at once fill a batch, which starts without waiting for maxWaitMs.
  const first = [1, 2, 3, 4].map((x) => batcher.submit(x));
  assert.deepEqual(batches, [[1, 2, 3, 4]]);
  // While it runs, six more queue: the next batch takes four of them as soon as the first is done; the last two
  // wait for company until the oldest has waited maxWaitMs.
  const later = [5, 6, 7, 8, 9, 10].map((x) => batcher.submit(x));
  assert.deepEqual(batcher.stats(), { batches: 1, items: 4, largestBatch: 4, queued: 6, running: 4 });
  release();
  assert.deepEqual(await Promise.all(first), [2, 4, 6, 8]);
  await until(() => batches.length === 2);
  assert.deepEqual(batches[1], [5, 6, 7, 8]);
  release();
  await until(() => batches.length === 3);
  assert.deepEqual(batches[2], [9, 10]);
  release();
  assert.deepEqual(await Promise.all(later), [10, 12, 14, 16, 18, 20]);
  await batcher.drained();
  assert.deepEqual(batcher.stats(), { batches: 3, items: 10, largestBatch: 4, queued: 0, running: 0 });
});

test('a lone item goes after maxWaitMs; with maxWaitMs 0 at once', async () => {
  const { batches, run, release } = gated();
  const waiting = new serve.Batcher(run, { maxBatchSize: 8, maxWaitMs: 20, maxQueue: 100 });
  const one = waiting.submit(1);
  assert.deepEqual(batches, []); // it waits for company
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(batches, [[1]]);
  release();
  assert.equal(await one, 2);
  const eager = new serve.Batcher(run, { maxBatchSize: 8, maxWaitMs: 0, maxQueue: 100 });
  const two = eager.submit(2);
  assert.deepEqual(batches, [[1], [2]]);
  release();
  assert.equal(await two, 4);
});

test('a failed batch fails its own items only; a full queue refuses with QueueFullError', async () => {
  let calls = 0;
  const batcher = new serve.Batcher(async (items: number[]) => {
    if (calls++ === 0) throw new Error('the model thread died');
    return items.map((x) => -x);
  }, { maxBatchSize: 2, maxWaitMs: 0, maxQueue: 2 });
  const failing = batcher.submit(1);
  const next = [batcher.submit(2), batcher.submit(3)];
  await assert.rejects(batcher.submit(4), (error: Error) => error instanceof serve.QueueFullError && /2 requests are waiting already/.test(error.message));
  await assert.rejects(failing, /the model thread died/);
  assert.deepEqual(await Promise.all(next), [-2, -3]);
});
