// Drives the PyTorch side of a case (bench/pytorch_cases.py --interleave) in Debian's Python, whose torch is the
// same libtorch as cnnkit's: the worker warms up, then times a block of steps (or one step by phase) when told to.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Iterations } from './cases.js';

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
  private stderr = '';
  private readonly lines: AsyncIterator<string>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams, private readonly command: string) {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (this.stderr += chunk));
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the worker and waits until it has built the model and warmed up. */
  static async start(caseName: string, threads: number, it: Iterations): Promise<PytorchWorker> {
    const args = [SCRIPT, caseName, String(threads), String(it.warmup), String(it.steps), String(it.repeats), '--interleave'];
    const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const worker = new PytorchWorker(child, `${PYTHON} ${args.join(' ')}`);
    const started = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new Error(`could not start ${PYTHON} (${e.message}); set CNNKIT_BENCH_PYTHON to a Python with torch`)));
    });
    await started;
    await worker.next('ready');
    return worker;
  }

  /** Times one block of steps; the mean ms per step. */
  async block(): Promise<number> {
    this.child.stdin.write('block\n');
    return (await this.next('block_ms')).block_ms as number;
  }

  /** Times one step by phase (ms). */
  async phases(): Promise<PhaseTimes> {
    this.child.stdin.write('phases\n');
    return (await this.next('phase')).phase as PhaseTimes;
  }

  /** Ends the worker; its summary of all blocks (and phases). */
  async finish(): Promise<PytorchResult> {
    this.child.stdin.end('done\n');
    return (await this.next('median_ms')) as unknown as PytorchResult;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }

  private async next(key: string): Promise<Record<string, unknown>> {
    for (;;) {
      const { value, done } = await this.lines.next();
      if (done) {
        await new Promise((resolve) => (this.child.exitCode === null ? this.child.once('exit', resolve) : resolve(null)));
        throw new Error(`the PyTorch side (${this.command}) ended with status ${this.child.exitCode} before '${key}':\n${this.stderr.trim()}`);
      }
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(value);
      } catch {
        continue; // a stray print, not ours
      }
      if (key in parsed) return parsed;
    }
  }
}
