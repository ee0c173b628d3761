// DistributedSampler's shares against torch.utils.data.DistributedSampler's (Debian's PyTorch).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import { data } from '../../src/index.js';

const cases = [
  { n: 10, replicas: 3, shuffle: true, seed: 0, epoch: 0, dropLast: false },
  { n: 10, replicas: 3, shuffle: true, seed: 7, epoch: 2, dropLast: true },
  { n: 23, replicas: 4, shuffle: false, seed: 0, epoch: 1, dropLast: false },
  { n: 2, replicas: 5, shuffle: true, seed: 3, epoch: 1, dropLast: false },
];
const script = `
import json, sys, torch
from torch.utils.data import DistributedSampler
out = []
for c in json.loads(sys.argv[1]):
    shares = []
    for r in range(c['replicas']):
        s = DistributedSampler(range(c['n']), num_replicas=c['replicas'], rank=r, shuffle=c['shuffle'], seed=c['seed'], drop_last=c['dropLast'])
        s.set_epoch(c['epoch'])
        shares.append(list(iter(s)))
    out.append(shares)
print(json.dumps(out))`;
const run = spawnSync('/usr/bin/python3', ['-c', script, JSON.stringify(cases)], { encoding: 'utf8' });

test('every rank share equals PyTorch\'s for the same seed and epoch', { skip: run.status !== 0 && `no PyTorch: ${run.stderr}` }, () => {
  const expected: number[][][] = JSON.parse(run.stdout);
  cases.forEach((c, k) => {
    for (let r = 0; r < c.replicas; r++) {
      const sampler = new data.DistributedSampler(c.n, { numReplicas: c.replicas, rank: r, shuffle: c.shuffle, seed: c.seed, dropLast: c.dropLast });
      sampler.setEpoch(c.epoch);
      assert.deepEqual(Array.from(sampler.indices()), expected[k][r], `case ${k} rank ${r}`);
      assert.equal(sampler.length, expected[k][r].length);
    }
  });
});

test('a DataLoader batches the sampler\'s share; bad options are refused', () => {
  const dataset = { length: 10, get: (i: number) => i };
  const sampler = new data.DistributedSampler(10, { numReplicas: 2, rank: 1, shuffle: false });
  const loader = new data.DataLoader(dataset as never, { sampler, batchSize: 2, collate: (xs: unknown) => xs as never });
  assert.deepEqual([...loader], [[1, 3], [5, 7], [9]]);
  assert.throws(() => new data.DistributedSampler(10, { numReplicas: 2, rank: 2 }), /rank 2 is out of range/);
  assert.throws(() => new data.DataLoader(dataset as never, { sampler, shuffle: true }), /exclude each other/);
});
