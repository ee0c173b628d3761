import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { torch } from '../../src/index.js';

function runWorker(seed: number, size: number): Promise<{ total: number; memory: { numTensors: number; numBytes: number }; gradEnabled: boolean; kept: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker-task.js', import.meta.url), { workerData: { seed, size } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

test('the addon loads in worker threads, each with its own tensors and state', async () => {
  const before = torch.memory();
  const [a, b] = await Promise.all([runWorker(1, 100), runWorker(2, 1000)]);
  assert.equal(a.total, 200 * 99 * 100);
  assert.equal(b.total, 200 * 999 * 1000);
  // Each worker sees only its own live tensor (the kept ones, sized 100 and 1000 floats).
  assert.deepEqual(a.memory, { numTensors: 1, numBytes: 400 });
  assert.deepEqual(b.memory, { numTensors: 1, numBytes: 4000 });
  assert.equal(a.gradEnabled, false);
  assert.equal(torch.isGradEnabled(), true); // grad mode is per thread
  assert.deepEqual(torch.memory(), before);
});

test('terminating a worker in the middle of libtorch calls leaves the process running', async () => {
  for (let i = 0; i < 10; i++) {
    const worker = new Worker(new URL('./busy-worker.js', import.meta.url));
    await new Promise((resolve) => worker.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 5 + i));
    assert.equal(await worker.terminate(), 1);
  }
  assert.equal(torch.ones([2]).sum().item(), 2);
});

test('setThreadNumThreads sets the calling thread\'s count alone; setNumThreads in a worker also changes the process-wide one', () => {
  // A fresh process, so that its main thread has not yet taken up libtorch's process-wide count.
  const index = new URL('../../src/index.js', import.meta.url).href;
  const script = (call: string) => `
    import { Worker } from 'node:worker_threads';
    import { torch } from '${index}';
    torch.setNumThreads(2);
    const w = new Worker("import('${index}').then(({ torch }) => { const ok = torch.${call}; console.log('worker', torch.getNumThreads(), ok); })", { eval: true });
    w.on('exit', () => console.log('main', torch.getNumThreads()));`;
  const run = (call: string) => spawnSync(process.execPath, ['--input-type=module', '-e', script(call)], { encoding: 'utf8' }).stdout.trim();
  assert.equal(run('setThreadNumThreads(1)'), 'worker 1 true\nmain 2');
  assert.equal(run('setNumThreads(1)'), 'worker 1 undefined\nmain 1');
  assert.throws(() => torch.setThreadNumThreads(0), /setThreadNumThreads\(\): n must be at least 1, got 0/);
});
