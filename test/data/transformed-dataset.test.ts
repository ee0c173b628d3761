import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DataLoader } from '../../src/data/dataloader.js';
import type { Batch } from '../../src/data/dataset.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { TransformedDataset } from '../../src/data/transformed-dataset.js';
import { torch } from '../../src/index.js';
import { Cutout, RandomErasing } from '../../src/transforms/erasing.js';

const images = torch.keep(torch.ones([12, 1, 8, 8]));
const labels = torch.keep(torch.arange(12));
const base = new TensorDataset(images, labels);

async function collect(loader: DataLoader): Promise<number[][]> {
  const out: number[][] = [];
  for await (const batch of loader as AsyncIterable<Batch>) {
    out.push(...(batch.inputs.sum([1, 2, 3]).tolist() as number[]).map((s, i) => [s, Number(batch.targets.select(0, i).item())]));
    torch.dispose(batch);
  }
  return out;
}

test('inputs go through the transform; targets stay; the same in worker threads, per (seed, epoch, sample)', async () => {
  const erased = new TransformedDataset(base, new RandomErasing({ p: 1, value: 0 }));
  assert.equal(erased.length, 12);
  const here = await collect(new DataLoader(erased, { batchSize: 5, shuffle: true, seed: 4 }));
  const inWorkers = await collect(new DataLoader(erased, { batchSize: 5, shuffle: true, seed: 4, numWorkers: 2 }));
  assert.deepEqual(inWorkers, here);
  assert.deepEqual(here.map(([, t]) => t).sort((a, b) => a - b), [...Array(12).keys()]);
  assert.ok(here.every(([sum]) => sum < 64), 'every image lost an erased patch');
  assert.ok(new Set(here.map(([sum]) => sum)).size > 3, 'patches of different sizes');
  assert.equal(String(erased), 'TransformedDataset(TensorDataset, RandomErasing(p=1.0, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False))');
});

test('transformed datasets nest, and get() leaves no tensor behind', () => {
  const nested = new TransformedDataset(new TransformedDataset(base, new Cutout({ length: 4, fill: 0 })), new RandomErasing({ p: 0 }));
  const before = torch.memory().numTensors;
  for (let i = 0; i < 12; i++) {
    const sample = nested.get(i);
    const sum = torch.tidy(() => Number(sample.input.sum().item()));
    assert.ok(sum >= 64 - 16 && sum < 64, `one hole of at most 4×4 (clipped at the border), nothing erased: ${sum}`);
    torch.dispose(sample);
  }
  assert.equal(torch.memory().numTensors, before);
});

test('bad arguments are refused by name; a transform that cannot reach workers leaves no workerSpec', () => {
  assert.throws(() => new TransformedDataset({} as never, new Cutout()), /^TypeError: TransformedDataset: dataset must have a length and get\(i\)$/);
  assert.throws(() => new TransformedDataset(base, ((x: unknown) => x) as never), /^TypeError: TransformedDataset: transform must have forward\(input\)/);
  const local = new TransformedDataset(base, { forward: (x) => x.mul(2) });
  assert.equal(local.workerSpec, undefined);
  assert.throws(() => new DataLoader(local, { numWorkers: 1 }), /TransformedDataset cannot be rebuilt in a worker thread/);
  assert.throws(() => local.get(12), /^RangeError: TransformedDataset\.get\(\): index 12 is out of range for 12 samples$/);
});
