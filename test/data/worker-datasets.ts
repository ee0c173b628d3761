// Datasets and a collate for the DataLoader tests, defined in a module so that worker threads can rebuild them.
import { appendFileSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';

import { currentEpoch, currentRandom, type Dataset, type Sample, type WorkerSpec } from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';

const now = (): number => performance.timeOrigin + performance.now();

/** Sample i takes `ms` of busy work; its input records when loading it started and ended. */
export class TimedDataset implements Dataset<Sample> {
  constructor(readonly length: number, readonly ms: number) {}
  get(index: number): Sample {
    const start = now();
    while (now() - start < this.ms);
    return { input: torch.tensor([start, now()], { dtype: 'float64' }), target: index };
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'TimedDataset', args: [this.length, this.ms] };
  }
}

/** Sample `bad` cannot be loaded. */
export class FailingDataset implements Dataset<Sample> {
  constructor(readonly length: number, readonly bad: number) {}
  get(index: number): Sample {
    if (index === this.bad) throw new Error(`cannot decode image ${index}.png`);
    return { input: torch.full([2], index), target: index };
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'FailingDataset', args: [this.length, this.bad] };
  }
}

/** A spec that names a class its module does not export. */
export class MisnamedDataset extends FailingDataset {
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'NoSuchDataset', args: [] };
  }
}

/** A dataset whose prefetch() always fails, as reading files ahead can. */
export class PrefetchFailingDataset extends FailingDataset {
  constructor(length: number) {
    super(length, -1);
  }
  prefetch(): void {
    throw new Error('disk offline');
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'PrefetchFailingDataset', args: [this.length] };
  }
}

/** A collate whose batch holds a function, which cannot travel between threads. */
export function unpackableCollate(samples: Sample[]): { inputs: torch.Tensor; note: () => number } {
  return { inputs: torch.stack(samples.map((s) => s.input)), note: () => 1 };
}

/** A collate that workers import: the inputs stacked, and the targets' sum as a plain number. */
export function sumCollate(samples: Sample[]): { inputs: torch.Tensor; total: number } {
  return { inputs: torch.stack(samples.map((s) => s.input)), total: samples.reduce((sum, s) => sum + Number(s.target instanceof torch.Tensor ? s.target.item() : s.target), 0) };
}

/** Each worker thread that builds it appends a line to `marker` as the thread exits. */
export class ExitMarkingDataset extends FailingDataset {
  constructor(length: number, bad: number, readonly marker: string) {
    super(length, bad);
    if (!isMainThread) process.on('exit', () => appendFileSync(marker, `worker ${threadId} exited\n`));
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'ExitMarkingDataset', args: [this.length, this.bad, this.marker] };
  }
}

/** Sample i is a random draw, as a random transform makes: a JS number and a seeded tensor draw. */
export class RandomDrawDataset implements Dataset<Sample> {
  constructor(readonly length: number) {}
  get(index: number): Sample {
    const random = currentRandom();
    const noise = torch.randn([2], { seed: random.seed() });
    const input = torch.cat([torch.tensor([random.uniform(), currentEpoch() ?? -1], { dtype: 'float32' }), noise]);
    noise.dispose();
    return { input, target: index };
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'RandomDrawDataset', args: [this.length] };
  }
}

/** Sample i is the libtorch thread count of the thread that loads it. */
export class ThreadCountDataset implements Dataset<Sample> {
  constructor(readonly length: number) {}
  get(index: number): Sample {
    return { input: torch.tensor([torch.getNumThreads()]), target: index };
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'ThreadCountDataset', args: [this.length] };
  }
}
