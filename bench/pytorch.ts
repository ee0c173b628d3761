// Drives the PyTorch side of a case (bench/pytorch_cases.py --interleave) in Debian's Python, whose torch is the
// same libtorch as cnnkit's: the worker warms up, then times a block of steps (or one step by phase) when told to.
import { fileURLToPath } from 'node:url';
import type { Iterations } from './cases.js';
import { LineWorker } from './line-worker.js';

/** Debian's python3 has torch; the python3 first on PATH may not. CNNKIT_BENCH_PYTHON overrides. */
export const PYTHON = process.env.CNNKIT_BENCH_PYTHON ?? '/usr/bin/python3';
// Compiled to dist/bench/pytorch.js; the script stays in bench/.
const SCRIPT = fileURLToPath(new URL('../../bench/pytorch_cases.py', import.meta.url));

/** One step by phase: ms of each, and the process's minor page faults over the step. */
export interface PhaseTimes { forward: number; backward: number; update: number; pageFaults: number }

export interface PytorchResult {
  case: string;
  threads: number;
  torch: string;
  step_ms: number[];
  median_ms: number;
  phases?: PhaseTimes;
}

export class PytorchWorker {
  private constructor(private readonly worker: LineWorker) {}

  /** Starts the worker and waits until it has built the model and warmed up. */
  static async start(caseName: string, threads: number, it: Iterations): Promise<PytorchWorker> {
    const args = [SCRIPT, caseName, String(threads), String(it.warmup), String(it.steps), String(it.repeats), '--interleave'];
    const worker = new PytorchWorker(await LineWorker.start(PYTHON, args, `${PYTHON}; set CNNKIT_BENCH_PYTHON to a Python with torch`));
    await worker.worker.next('ready');
    return worker;
  }

  /** Times one block of steps; the mean ms per step. */
  async block(): Promise<number> {
    this.worker.send('block');
    return (await this.worker.next('block_ms')).block_ms as number;
  }

  /** Times one step by phase (ms). */
  async phases(): Promise<PhaseTimes> {
    this.worker.send('phases');
    return (await this.worker.next('phase')).phase as PhaseTimes;
  }

  /** Ends the worker; its summary of all blocks (and phases). */
  async finish(): Promise<PytorchResult> {
    this.worker.end('done');
    return (await this.worker.next('median_ms')) as unknown as PytorchResult;
  }

  kill(): void {
    this.worker.kill();
  }
}
