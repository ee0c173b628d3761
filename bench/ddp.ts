// The data-parallel cases: the lecture CNN (64×64, 2 classes) trained with SGD by teams of processes, each a cnnkit
// team (bench/ddp-worker.ts, started here) or a PyTorch team (bench/pytorch_ddp.py, which starts its own ranks).
// ddp_train_step: 2 ranks × 1 thread with DistributedDataParallel over Gloo on loopback, PER_RANK images each, in
// cnnkit and in PyTorch. ddp_vs_threads: the same DDP team against 1 process × 2 threads on the same global batch,
// on each side. Every team warms up before the next starts; then one block of steps runs at a time, the teams in turn
// and in reverse the next round (A, B, B, A), so that all see the same machine load and only one computes at once.
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

import type { Iterations } from './cases.js';
import { LineWorker } from './line-worker.js';
import { PYTHON } from './pytorch.js';

// Compiled to dist/bench/ddp.js next to the worker; the Python script stays in bench/.
const WORKER = fileURLToPath(new URL('./ddp-worker.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../../bench/pytorch_ddp.py', import.meta.url));

/** Images per rank and step in the DDP teams; the 1-process teams take both ranks' share at once. */
export const PER_RANK = 32;
const RANKS = 2;
export const GLOBAL_BATCH = RANKS * PER_RANK;

/** About a minute per case on an idle 2-core machine, start-up included. */
export const DDP_FULL: Record<'ddp_train_step' | 'ddp_vs_threads', Iterations> = {
  ddp_train_step: { warmup: 3, steps: 3, repeats: 20 },
  ddp_vs_threads: { warmup: 3, steps: 3, repeats: 10 },
};

/** worldSize processes of threads intra-op threads each, every one training on its batch of images. */
interface Shape { worldSize: number; threads: number; batch: number }
const ddpShape: Shape = { worldSize: RANKS, threads: 1, batch: PER_RANK };
const threadsShape: Shape = { worldSize: 1, threads: RANKS, batch: GLOBAL_BATCH };

interface Team {
  /** Times one block of steps on every process; the slowest one's mean ms per step. */
  block(): Promise<number>;
  /** Ends the processes. */
  close(): Promise<void>;
  kill(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }).once('error', reject);
  });
}

/** Starts the ranks of a cnnkit team and waits until all have warmed up. */
async function cnnkitTeam({ worldSize, threads, batch }: Shape, it: Iterations): Promise<Team> {
  const port = await freePort();
  const ranks: LineWorker[] = [];
  try {
    for (let rank = 0; rank < worldSize; rank++) {
      const args = [WORKER, rank, worldSize, port, threads, batch, it.warmup, it.steps].map(String);
      ranks.push(await LineWorker.start(process.execPath, args, `cnnkit rank ${rank}`));
    }
    await Promise.all(ranks.map((r) => r.next('ready')));
  } catch (error) {
    for (const r of ranks) r.kill();
    throw error;
  }
  return {
    async block() {
      for (const r of ranks) r.send('block');
      const answers = await Promise.all(ranks.map((r) => r.next('block_ms')));
      return Math.max(...answers.map((a) => a.block_ms as number));
    },
    async close() {
      for (const r of ranks) r.end('done');
      await Promise.all(ranks.map((r) => r.exited()));
    },
    kill() {
      for (const r of ranks) r.kill();
    },
  };
}

/** Starts a PyTorch team (pytorch_ddp.py starts its ranks) and waits until all have warmed up. */
async function pytorchTeam({ worldSize, threads, batch }: Shape, it: Iterations): Promise<Team & { torch: string }> {
  const args = [SCRIPT, worldSize, threads, batch, it.warmup, it.steps, it.repeats, '--interleave'].map(String);
  const worker = await LineWorker.start(PYTHON, args, `${PYTHON}; set CNNKIT_BENCH_PYTHON to a Python with torch`);
  let torch: string;
  try {
    torch = (await worker.next('ready')).torch as string;
  } catch (error) {
    worker.kill();
    throw error;
  }
  return {
    torch,
    async block() {
      worker.send('block');
      return (await worker.next('block_ms')).block_ms as number;
    },
    async close() {
      worker.end('done');
      await worker.next('median_ms');
      await worker.exited();
    },
    kill: () => worker.kill(),
  };
}

/**
 * Starts the teams one after the other (each warms up alone), then runs it.repeats rounds of one block per team,
 * in the given order and in reverse on every other round. Each team's mean ms per step of every block.
 */
async function alternate(starts: (() => Promise<Team>)[], it: Iterations): Promise<number[][]> {
  const teams: Team[] = [];
  try {
    for (const start of starts) teams.push(await start());
    const times = teams.map((): number[] => []);
    for (let round = 0; round < it.repeats; round++) {
      const order = teams.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) times[i].push(await teams[i].block());
    }
    for (const team of teams) await team.close();
    return times;
  } finally {
    for (const team of teams) team.kill();
  }
}

/** A step's global batch per second. */
export const imagesPerSecond = (msPerStep: number) => GLOBAL_BATCH / (msPerStep / 1000);

export interface DdpTrainStepResult {
  /** ms per step of each block (a step: every rank's forward, backward with the gradients' all-reduce, SGD). */
  cnnkit: number[];
  pytorch: number[];
  pytorchVersion: string;
}

/** cnnkit's DDP against PyTorch's: 2 ranks × 1 thread, PER_RANK images each. */
export async function runDdpTrainStep(it: Iterations): Promise<DdpTrainStepResult> {
  let pytorchVersion = '?';
  // PyTorch warms up first, as in the other step cases.
  const [pytorch, cnnkit] = await alternate([
    async () => { const team = await pytorchTeam(ddpShape, it); pytorchVersion = team.torch; return team; },
    () => cnnkitTeam(ddpShape, it),
  ], it);
  return { cnnkit, pytorch, pytorchVersion };
}

/** Images per second of every block: the DDP team and the 1-process team. */
export interface DataParallelGain { ddp: number[]; threads: number[] }
export interface DdpVsThreadsResult { cnnkit: DataParallelGain; pytorch: DataParallelGain; pytorchVersion: string }

/** On each side: 2 ranks × 1 thread (PER_RANK images each) against 1 process × 2 threads (GLOBAL_BATCH images). */
export async function runDdpVsThreads(it: Iterations): Promise<DdpVsThreadsResult> {
  let pytorchVersion = '?';
  const pytorchStart = (shape: Shape) => async () => {
    const team = await pytorchTeam(shape, it);
    pytorchVersion = team.torch;
    return team;
  };
  const [ckDdp, ckThreads, ptDdp, ptThreads] = await alternate([
    () => cnnkitTeam(ddpShape, it), () => cnnkitTeam(threadsShape, it), pytorchStart(ddpShape), pytorchStart(threadsShape),
  ], it);
  const rates = (ms: number[]) => ms.map(imagesPerSecond);
  return {
    cnnkit: { ddp: rates(ckDdp), threads: rates(ckThreads) },
    pytorch: { ddp: rates(ptDdp), threads: rates(ptThreads) },
    pytorchVersion,
  };
}
