import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { DataLoader, Subset, TensorDataset, type Batch, type Sample } from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';
import { Compose, RandomErasing, RandomHorizontalFlip } from '../../src/transforms/index.js';
import { tempDir } from './idx-files.js';
import { ExitMarkingDataset, FailingDataset, MisnamedDataset, PrefetchFailingDataset, RandomDrawDataset, ThreadCountDataset, TimedDataset } from './worker-datasets.js';

torch.manualSeed(0);
const dataset = new TensorDataset(torch.randn([50, 1, 4, 4]), torch.arange(50));

/** Every batch of one pass, as plain numbers, each batch disposed. */
async function collect<B>(loader: AsyncIterable<B>, read: (batch: B) => unknown = (b) => readBatch(b as Batch)): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const batch of loader) {
    out.push(read(batch));
    torch.dispose(batch);
  }
  return out;
}
const readBatch = (b: Batch) => ({ inputs: b.inputs.tolist(), targets: b.targets.tolist() });
const targetsOf = (batches: unknown[]) => batches.map((b) => (b as { targets: number[] }).targets);

test('batches are stacked samples: shapes, int64 targets, a short last batch unless dropLast', async () => {
  const loader = new DataLoader(dataset, { batchSize: 16 });
  assert.equal(loader.length, 4);
  const shapes: number[][] = [];
  for await (const { inputs, targets } of loader) {
    shapes.push(inputs.shape);
    assert.equal(targets.dtype, 'int64');
    assert.deepEqual(targets.shape, [inputs.shape[0]]);
    torch.dispose([inputs, targets]);
  }
  assert.deepEqual(shapes, [[16, 1, 4, 4], [16, 1, 4, 4], [16, 1, 4, 4], [2, 1, 4, 4]]);
  const dropping = new DataLoader(dataset, { batchSize: 16, dropLast: true });
  assert.equal(dropping.length, 3);
  assert.deepEqual(targetsOf(await collect(dropping)).flat(), Array.from({ length: 48 }, (_, i) => i));
  // Without workers a plain for...of works too.
  const sync = [...new DataLoader(dataset, { batchSize: 20 })];
  assert.deepEqual(sync.map((b) => b.inputs.shape[0]), [20, 20, 10]);
  torch.dispose(sync);
});

test('shuffle: a permutation each epoch, a new one each epoch, the same ones for the same seed', async () => {
  const epochs = async (seed: number, n: number) => {
    const loader = new DataLoader(dataset, { batchSize: 8, shuffle: true, seed });
    const orders: number[][] = [];
    for (let e = 0; e < n; e++) orders.push(targetsOf(await collect(loader)).flat() as number[]);
    return orders;
  };
  const [first, second] = await epochs(3, 2);
  assert.deepEqual([...first].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(first, Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(first, second);
  torch.manualSeed(99); // the seed, not the global generator, decides
  assert.deepEqual(await epochs(3, 2), [first, second]);
  assert.notDeepEqual((await epochs(4, 1))[0], first);
  // Setting the epoch replays it, e.g. when training resumes.
  const loader = new DataLoader(dataset, { batchSize: 8, shuffle: true, seed: 3 });
  loader.epoch = 1;
  assert.deepEqual(targetsOf(await collect(loader)).flat(), second);
  // Without a seed, torch.manualSeed decides.
  const unseeded = async () => {
    torch.manualSeed(5);
    return targetsOf(await collect(new DataLoader(dataset, { batchSize: 50, shuffle: true })));
  };
  assert.deepEqual(await unseeded(), await unseeded());
});

test('numWorkers 2 gives the same batches as numWorkers 0, epoch after epoch, through a Subset too', async () => {
  const subset = new Subset(dataset, Array.from({ length: 37 }, (_, i) => 49 - i));
  for (const d of [dataset, subset]) {
    const inThread = new DataLoader(d, { batchSize: 6, shuffle: true, seed: 11 });
    const inWorkers = new DataLoader(d, { batchSize: 6, shuffle: true, seed: 11, numWorkers: 2, prefetch: 3 });
    for (let epoch = 0; epoch < 2; epoch++) assert.deepEqual(await collect(inWorkers), await collect(inThread));
  }
});

test('random transforms draw per (seed, epoch, sample): the same with and without workers, new each epoch, seed-dependent', async () => {
  const run = async (numWorkers: number, seed: number) => {
    const loader = new DataLoader(new RandomDrawDataset(12), { batchSize: 4, shuffle: true, seed, numWorkers });
    return [await collect(loader), await collect(loader)];
  };
  const [first, second] = await run(0, 7);
  assert.deepEqual(await run(2, 7), [first, second]);
  assert.notDeepEqual(first, second);
  assert.notDeepEqual((await run(0, 8))[0], first);
  // Each sample knows the epoch it is loaded for.
  const epochOf = (batches: unknown[]) => (batches as { inputs: number[][] }[]).flatMap((b) => b.inputs.map((x) => x[1]));
  assert.deepEqual([...new Set(epochOf(first))], [0]);
  assert.deepEqual([...new Set(epochOf(second))], [1]);
  // Outside a loader the draws follow torch's generator.
  const draw = () => new RandomDrawDataset(1).get(0).input.tolist();
  torch.manualSeed(3);
  const a = draw();
  torch.manualSeed(3);
  assert.deepEqual(draw(), a);
});

test('collatedTransform augments each collated batch where it is made: the same with and without workers, per image, new each epoch', async () => {
  const images = new TensorDataset(torch.rand([40, 1, 3, 5]), torch.arange(40));
  const flip = () => new Compose([new RandomHorizontalFlip(), new RandomErasing({ p: 0.5, value: 7 })]);
  const run = async (numWorkers: number, seed = 5) => {
    const loader = new DataLoader(images, { batchSize: 8, shuffle: true, seed, numWorkers, collatedTransform: flip() });
    return [await collect(loader), await collect(loader)];
  };
  const [first, second] = await run(0);
  assert.deepEqual(await run(2), [first, second]);
  assert.notDeepEqual(first, second);
  assert.notDeepEqual((await run(0, 6))[0], first);
  // Each image is its own sample, flipped or not, erased (with 7s) or not, by its own draws.
  const plain = await collect(new DataLoader(images, { batchSize: 8, shuffle: true, seed: 5 }));
  const flipped = (rows: number[][]) => rows.map((row) => [...row].reverse());
  let [flips, erased] = [0, 0];
  (first as { inputs: number[][][][] }[]).forEach((batch, b) => batch.inputs.forEach((image, i) => {
    const source = (plain[b] as { inputs: number[][][][] }).inputs[i][0];
    const hasSeven = image[0].some((row) => row.includes(7));
    erased += hasSeven ? 1 : 0;
    const kept = image[0].map((row, y) => row.map((v, x) => (v === 7 ? NaN : v)));
    const same = (rows: number[][]) => kept.every((row, y) => row.every((v, x) => Number.isNaN(v) || Math.abs(v - rows[y][x]) < 1e-7));
    if (!same(source)) {
      assert.ok(same(flipped(source)), `image ${i} of batch ${b} is neither its sample nor its flip`);
      flips++;
    }
  }));
  assert.ok(flips > 5 && flips < 35, `${flips} of 40 images flipped`);
  assert.ok(erased > 5 && erased < 35, `${erased} of 40 images erased`);
  torch.dispose([images.inputs, images.targets]);
});

test('collatedTransform is checked: an object with forward(), rebuildable for workers, on {inputs, targets} batches', async () => {
  assert.throws(() => new DataLoader(dataset, { collatedTransform: ((x: torch.Tensor) => x) as never }), /DataLoader: collatedTransform must be an object with forward\(inputs\), such as a transforms\.Compose/);
  assert.throws(() => new DataLoader(dataset, { numWorkers: 1, collatedTransform: { forward: (x: torch.Tensor) => x } }),
    /DataLoader: with numWorkers 1, collatedTransform must reach the worker threads: give an object with workerSpec\(\) \(a transforms\.Transform\)/);
  const inputsOnly = new DataLoader<Sample, torch.Tensor[]>(dataset, { batchSize: 10, collate: (samples) => samples.map((x) => x.input), collatedTransform: new RandomHorizontalFlip() });
  await assert.rejects(collect(inputsOnly, () => 0), /DataLoader: collatedTransform on batch 0 of TensorDataset failed: collatedTransform needs batches with an inputs tensor, as defaultCollate makes/);
  const failing = { forward: () => { throw new Error('no such size'); } };
  await assert.rejects(collect(new DataLoader(dataset, { batchSize: 10, collatedTransform: failing })), /^Error: DataLoader: collatedTransform on batch 0 of TensorDataset failed: no such size$/);
  // A batch that cannot travel back from a worker is its collate's doing, collated transform or not.
  const unpackable = { module: new URL('./worker-datasets.js', import.meta.url).href, name: 'unpackableCollate' };
  await assert.rejects(collect(new DataLoader<Sample, unknown>(dataset, { batchSize: 10, collate: unpackable, numWorkers: 1 }), () => 0),
    /^Error: DataLoader: collating batch 0 of TensorDataset failed \(in worker thread 0\): .*could not be cloned/);
});

test('a dataset that fails reading a batch ahead is named the same way with and without workers', async () => {
  for (const numWorkers of [0, 1]) {
    const where = numWorkers ? ' \\(in worker thread 0\\)' : '';
    await assert.rejects(collect(new DataLoader(new PrefetchFailingDataset(8), { batchSize: 4, numWorkers })),
      new RegExp(`^Error: DataLoader: reading ahead for batch 0 of PrefetchFailingDataset failed${where}: disk offline$`));
  }
});

test('persistentWorkers keeps the worker threads between epochs, until close() or an epoch broken off', async () => {
  const marker = join(tempDir('persistent'), 'exits.log');
  const exits = () => (existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').length : 0);
  const loader = new DataLoader(new ExitMarkingDataset(24, -1, marker), { batchSize: 4, shuffle: true, seed: 2, numWorkers: 2, persistentWorkers: true });
  const fresh = new DataLoader(new ExitMarkingDataset(24, -1, marker), { batchSize: 4, shuffle: true, seed: 2, numWorkers: 2 });
  for (let epoch = 0; epoch < 3; epoch++) assert.deepEqual(await collect(loader), await collect(fresh));
  assert.equal(exits(), 6, 'only the plain loader\'s workers stopped, after each epoch');
  await loader.close();
  assert.equal(exits(), 8);
  for await (const batch of loader) {
    torch.dispose(batch);
    break;
  }
  assert.equal(exits(), 10, 'an epoch broken off stops the workers');
  assert.equal((await collect(loader)).length, 6, 'and the next epoch starts new ones');
  await loader.close();
  await loader.close();
  assert.equal(exits(), 12);
  // close() during an epoch: that epoch's workers stop when it ends instead of being kept.
  for await (const batch of loader) {
    torch.dispose(batch);
    await loader.close();
  }
  assert.equal(exits(), 14);
  assert.throws(() => new DataLoader(dataset, { persistentWorkers: 1 as unknown as boolean }), /DataLoader: persistentWorkers must be a boolean, got 1/);
  rmSync(dirname(marker), { recursive: true });
});

test('a collate exported by a module runs in the workers; a collate function cannot cross to them', async () => {
  const collate = { module: new URL('./worker-datasets.js', import.meta.url).href, name: 'sumCollate' };
  type Summed = { inputs: torch.Tensor; total: number };
  const read = (b: Summed) => [b.inputs.shape, b.total];
  const expected = [[[25, 1, 4, 4], 300], [[25, 1, 4, 4], 925]];
  assert.deepEqual(await collect(new DataLoader<Sample, Summed>(dataset, { batchSize: 25, collate, numWorkers: 2 }), read), expected);
  assert.deepEqual(await collect(new DataLoader<Sample, Summed>(dataset, { batchSize: 25, collate }), read), expected);
  assert.throws(() => new DataLoader(dataset, { collate: (s) => s, numWorkers: 1 }),
    /DataLoader: with numWorkers 1, collate must reach the worker threads, which a function cannot; export it from a module and pass collate: \{module: import\.meta\.url, name: 'myCollate'\}/);
});

test('workers load ahead while the batches before are being used', async () => {
  const consumed: [number, number][] = [];
  const loaded: [number, number][] = [];
  for await (const { inputs, targets } of new DataLoader(new TimedDataset(16, 15), { batchSize: 2, numWorkers: 2 })) {
    const start = performance.timeOrigin + performance.now();
    while (performance.timeOrigin + performance.now() - start < 30); // a training step
    consumed.push([start, performance.timeOrigin + performance.now()]);
    for (const row of inputs.tolist() as [number, number][]) loaded.push(row);
    torch.dispose([inputs, targets]);
  }
  const overlapping = loaded.filter(([a, b]) => consumed.some(([c, d]) => a < d && c < b));
  assert.ok(overlapping.length >= 4, `only ${overlapping.length} of 16 samples loaded while a batch was in use`);
});

test('an error loading a sample names the sample, in workers and without', async () => {
  for (const numWorkers of [0, 2]) {
    await assert.rejects(collect(new DataLoader(new FailingDataset(40, 13), { batchSize: 4, numWorkers })), (e: Error) => {
      const where = numWorkers ? ' \\(in worker thread \\d\\)' : '';
      assert.match(e.message, new RegExp(`^DataLoader: sample 13 of FailingDataset failed${where}: cannot decode image 13\\.png$`));
      assert.equal((e.cause as Error).message, 'cannot decode image 13.png');
      return true;
    });
  }
  await assert.rejects(collect(new DataLoader(new MisnamedDataset(8, 0), { batchSize: 4, numWorkers: 1 })),
    /DataLoader: worker thread 0 could not rebuild MisnamedDataset \(class NoSuchDataset of file:.*worker-datasets\.js\): .*exports no class NoSuchDataset/);
  const plain = { length: 3, get: (i: number) => ({ input: torch.zeros([1]), target: i }) };
  assert.throws(() => new DataLoader(plain, { numWorkers: 2 }), /DataLoader: Object cannot be rebuilt in a worker thread: it has no workerSpec\(\)/);
});

test('iteration ends with its workers gone: finished, broken off, or failed', async () => {
  const marker = join(tempDir('exits'), 'exits.log');
  const exits = () => (existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').length : 0);
  const loader = new DataLoader(new ExitMarkingDataset(40, -1, marker), { batchSize: 4, numWorkers: 2 });
  assert.equal((await collect(loader)).length, 10);
  assert.equal(exits(), 2);
  for await (const batch of loader) {
    torch.dispose(batch);
    break;
  }
  assert.equal(exits(), 4);
  await assert.rejects(collect(new DataLoader(new ExitMarkingDataset(40, 21, marker), { batchSize: 4, numWorkers: 2 })), /sample 21/);
  assert.equal(exits(), 6);
  rmSync(dirname(marker), { recursive: true });
});

const child = (how: string) => spawnSync(process.execPath, [fileURLToPath(new URL('./early-exit.js', import.meta.url)), how], { encoding: 'utf8', timeout: 30_000 });

test('breaking off iteration terminates the workers: the process exits by itself', () => {
  const run = child('break');
  assert.equal(run.signal, null, `the process did not exit: ${run.stderr}`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'broke off after 2 batches');
});

test('a loader left unfinished does not keep the process alive', () => {
  const run = child('abandon');
  assert.equal(run.signal, null, `the process did not exit: ${run.stderr}`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'left after a batch of 4');
});

test('persistent workers that are not closed do not keep the process alive, even one that never got a batch', () => {
  const run = child('persistent');
  assert.equal(run.signal, null, `the process did not exit: ${run.stderr}`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'kept the workers after 4 samples');
});

test('an error in a worker terminates the workers too', () => {
  const run = child('error');
  assert.equal(run.signal, null, `the process did not exit: ${run.stderr}`);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout.trim(), /^DataLoader: sample 9 of FailingDataset failed \(in worker thread \d\): cannot decode image 9\.png$/);
});

test('memory stays flat over many epochs, with and without workers', async () => {
  const small = new TensorDataset(torch.randn([64, 1, 8, 8]), torch.arange(64));
  const epochs = async (n: number, numWorkers: number) => {
    const loader = new DataLoader(small, { batchSize: 16, shuffle: true, seed: 1, numWorkers });
    for (let e = 0; e < n; e++) {
      for await (const batch of loader) torch.dispose(batch);
    }
  };
  await epochs(5, 0);
  const before = torch.memory();
  await epochs(300, 0);
  assert.deepEqual(torch.memory(), before);

  await epochs(2, 2);
  globalThis.gc?.();
  const rss = process.memoryUsage().rss;
  await epochs(15, 2);
  globalThis.gc?.();
  assert.deepEqual(torch.memory(), before);
  const grown = (process.memoryUsage().rss - rss) / 2 ** 20;
  assert.ok(grown < 32, `RSS grew ${grown.toFixed(1)} MiB over 15 epochs with workers`);
  torch.dispose([small.inputs, small.targets]);
});

test('memory stays flat over many epochs with persistent workers augmenting whole batches', async () => {
  const images = new TensorDataset(torch.rand([128, 3, 16, 16]), torch.arange(128));
  const loader = new DataLoader(images, {
    batchSize: 32, shuffle: true, seed: 1, numWorkers: 2, persistentWorkers: true,
    collatedTransform: new Compose([new RandomHorizontalFlip(), new RandomErasing({ p: 0.5 })]),
  });
  const epochs = async (n: number) => {
    for (let e = 0; e < n; e++) for await (const batch of loader) torch.dispose(batch);
  };
  await epochs(3);
  globalThis.gc?.();
  const [before, rss] = [torch.memory(), process.memoryUsage().rss];
  await epochs(40);
  globalThis.gc?.();
  assert.deepEqual(torch.memory(), before);
  const grown = (process.memoryUsage().rss - rss) / 2 ** 20;
  assert.ok(grown < 32, `RSS grew ${grown.toFixed(1)} MiB over 40 epochs`);
  await loader.close();
  torch.dispose([images.inputs, images.targets]);
});

test('worker threads run libtorch on one thread each, as PyTorch\'s workers, and leave the main thread\'s count', async () => {
  const before = torch.getNumThreads();
  torch.setNumThreads(2);
  try {
    const loader = new DataLoader(new ThreadCountDataset(8), { batchSize: 2, numWorkers: 2 });
    assert.deepEqual((await collect(loader)).map((b) => (b as { inputs: number[][] }).inputs.flat()), [[1, 1], [1, 1], [1, 1], [1, 1]]);
    const inProcess = new DataLoader(new ThreadCountDataset(2), { batchSize: 2 });
    assert.deepEqual((await collect(inProcess)).map((b) => (b as { inputs: number[][] }).inputs.flat()), [[2, 2]]);
    assert.equal(torch.getNumThreads(), 2);
  } finally {
    torch.setNumThreads(before);
  }
});
