// Data-parallel proofs over Gloo on loopback: as PyTorch's _test_DDP_niter, 2 ranks with half of each batch end with
// the same parameters as one process with the whole batch; a killed rank is named by the survivor; collectives' values.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { distributed as dist } from '../../src/index.js';
import { reference } from './ddp-worker.js';
import { freePort } from './free-port.js';

const worker = fileURLToPath(new URL('./ddp-worker.js', import.meta.url));
const children = new Set<ChildProcess>();
after(() => { for (const c of children) c.kill('SIGKILL'); });

interface Exit { code: number | null; signal: string | null; out: string; err: string }
function rank(args: string[]): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    // A bound on the test itself: a hang fails it instead of stalling the suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code, signal) => { clearTimeout(timer); children.delete(child); resolve({ code, signal, out, err }); });
  });
}

async function ranks(scenario: string, extra: (r: number) => string[] = () => [], sizes = [2, 2]): Promise<Exit[]> {
  const port = String(await freePort());
  return Promise.all(sizes.map((size, r) => rank([scenario, String(r), String(size), port, ...extra(r)])));
}

function maxDifference(a: Record<string, number[]>, b: Record<string, number[]>): number {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  let max = 0;
  for (const key of Object.keys(a)) a[key].forEach((v, i) => { max = Math.max(max, Math.abs(v - b[key][i])); });
  return max;
}

for (const [scenario, micros, what] of [
  ['parity', 1, 'whole batches'], ['nosync', 2, 'accumulation through noSync()'], ['small-buckets', 1, 'many small buckets'],
] as const) {
  test(`DDP + SyncBatchNorm on 2 ranks equals one process after 6 SGD steps (${what})`, async () => {
    const expected = reference(micros);
    const exits = await ranks(scenario);
    for (const e of exits) {
      assert.equal(e.code, 0, e.err);
      const difference = maxDifference(JSON.parse(e.out), expected);
      process.stdout.write(`# ${scenario}: max |difference| ${difference}\n`);
      assert.ok(difference <= 1e-5, `max difference ${difference}`);
    }
  });
}

test('without gradient averaging the ranks drift from the one-process run (the parity is not vacuous)', async () => {
  const exits = await ranks('unsynced');
  for (const e of exits) {
    assert.equal(e.code, 0, e.err);
    assert.ok(maxDifference(JSON.parse(e.out), reference(1)) > 1e-3);
  }
});

test('collectives give every rank the reduced, broadcast and gathered values', async () => {
  const exits = await ranks('collectives');
  for (const [r, e] of exits.entries()) {
    assert.equal(e.code, 0, e.err);
    assert.deepEqual(JSON.parse(e.out), {
      rank: r, worldSize: 2, sum: [3, -6], avg: [1.5, -3], min: [1, -4], max: [2, -2], product: [2, 8],
      broadcast: [11, 12], allGather: [[0, 0.5], [1, 1.5]],
    });
  }
});

for (const victim of [1, 0]) {
  test(`a rank killed mid-run (rank ${victim}) makes the other fail with an error naming it, within the timeout`, async () => {
    const exits = await ranks('die', () => ['8000', String(victim)]);
    assert.equal(exits[victim].signal, 'SIGKILL');
    const survivor = exits[1 - victim];
    assert.equal(survivor.code, 1);
    assert.match(survivor.err, new RegExp(`failed on rank ${1 - victim} of 2: rank ${victim}\\b.* is lost`));
  });
}

test('a world size mismatch fails on both ranks with one line', async () => {
  const exits = await ranks('collectives', () => ['5000'], [2, 3]);
  for (const e of exits) {
    assert.equal(e.code, 1);
    assert.match(e.err, /world size mismatch: rank [01] says [23], this rank \([01]\) says [23]/);
  }
});

test('a port in use, an unreachable master and missing env vars are one clear line each', async () => {
  const server = createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, () => resolve((server.address() as { port: number }).port)));
  try {
    assert.throws(() => dist.initProcessGroup({ initMethod: `tcp://127.0.0.1:${port}`, rank: 0, worldSize: 2, timeout: 2000 }),
      new RegExp(`port ${port} on 127.0.0.1 is in use`));
  } finally {
    server.close();
  }
  const nobody = await freePort();
  assert.throws(() => dist.initProcessGroup({ initMethod: `tcp://127.0.0.1:${nobody}`, rank: 1, worldSize: 2, timeout: 1500 }),
    new RegExp(`cannot reach the master at 127.0.0.1:${nobody} within 1.5 s`));
  const saved = process.env.MASTER_ADDR;
  delete process.env.MASTER_ADDR;
  try {
    assert.throws(() => dist.initProcessGroup({ rank: 0, worldSize: 1 }), /env:\/\/ needs the MASTER_ADDR environment variable/);
  } finally {
    if (saved !== undefined) process.env.MASTER_ADDR = saved;
  }
  assert.throws(() => dist.initProcessGroup({ backend: 'nccl' }), /nccl/);
  assert.equal(dist.isInitialized(), false);
});
