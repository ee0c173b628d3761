// `cnnkit train --nproc-per-node` and torchrun's environment, end to end on loopback with tiny Fashion-MNIST runs:
// one run folder written by rank 0 alone, every rank logging the same metrics, resume, two nodes on 127.0.0.1 and
// 127.0.0.2 giving the weights of one node with two ranks, the weights of one process with the whole batch, a
// killed rank named by the launcher, signals passed on, and bad launcher flags.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { torch, train } from '../../src/index.js';
import { freePort } from './free-port.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const worker = fileURLToPath(new URL('./train-worker.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-launch-'));
const running = new Set<ChildProcess>();
after(() => { for (const c of running) c.kill('SIGTERM'); });

// Small enough for a few seconds a run on two shared cores; SGD, so the weights are a plain function of the batches.
const tiny = ['--limit', '1200', '--epochs', '2', '--batch-size', '32', '--optimizer', 'sgd', '--lr', '0.05'];

interface Exit { code: number | null; signal: string | null; out: string; err: string }
interface Started { child: ChildProcess; exit: Promise<Exit> }

/** Starts node with args; onOut sees stdout as it grows. A hang is cut off at limitMs instead of stalling the suite. */
function start(args: string[], options: { env?: NodeJS.ProcessEnv; onOut?: (out: string, child: ChildProcess) => void; limitMs?: number } = {}): Started {
  const child = spawn(process.execPath, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; options.onOut?.(out, child); });
  child.stderr!.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 120_000);
  const exit = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => {
    clearTimeout(timer);
    running.delete(child);
    resolve({ code, signal, out, err });
  }));
  return { child, exit };
}

const cnnkit = (args: string[], options: Parameters<typeof start>[1] = {}) => start([main, ...args], options);

/** The processes a process started (Linux's /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/))
    .filter(Boolean).map(Number);
}

/** The child of a launcher that runs `rank` (by its RANK environment variable). */
function rankPid(launcher: number, rank: number): number | undefined {
  return childrenOf(launcher).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`RANK=${rank}`);
    } catch {
      return false;
    }
  });
}

/** A checkpoint's weights as plain numbers, by name. */
function weightsOf(path: string): Record<string, number[]> {
  const checkpoint = train.loadCheckpoint(path);
  try {
    return Object.fromEntries(Object.entries(checkpoint.weights).map(([k, t]) => [k, Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number)]));
  } finally {
    torch.dispose(checkpoint);
  }
}

function maxDifference(a: Record<string, number[]>, b: Record<string, number[]>): number {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  let max = 0;
  for (const key of Object.keys(a)) a[key].forEach((v, i) => { max = Math.max(max, Math.abs(v - b[key][i])); });
  return max;
}

const csvRows = (out: string) => readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'gm'))?.length ?? 0;

test('cnnkit train --nproc-per-node 2 writes one run folder from rank 0, which alone prints; the checkpoint is a plain model\'s; --resume continues it', async () => {
  const out = join(dir, 'two-ranks');
  const port = String(await freePort());
  // With batch norm over both ranks' batches: SyncBatchNorm keeps BatchNorm's names, so eval's plain model loads it.
  const run = await cnnkit(['train', ...tiny, '--batch-norm', '--sync-bn', '--nproc-per-node', '2', '--master-port', port, '--out', out]).exit;
  assert.equal(run.code, 0, run.err);
  assert.equal(count(run.out, /^training lecture_cnn .* on 2 ranks \(batch 32 per rank, 64 in all, SyncBatchNorm\)/), 1, run.out);
  assert.equal(count(run.out, /^epoch 1\/2 /), 1, run.out);
  assert.equal(count(run.out, /^epoch 2\/2 /), 1, run.out);
  assert.equal(count(run.out, /^test accuracy /), 1, run.out);
  assert.equal(run.err, '');
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.worldSize, 2);
  assert.equal(config.trainImages, 1080);
  assert.deepEqual(csvRows(out).map((r) => r[0]), ['1', '2']);
  // The test set was scored in two shares: summed over the ranks it is the whole set, as one process scores it.
  const printed = Number(/test accuracy ([\d.]+) %/.exec(run.out)![1]);
  const evaluation = await cnnkit(['eval', '--checkpoint', join(out, 'best.safetensors'), '--json']).exit;
  assert.equal(evaluation.code, 0, evaluation.err);
  const scored = JSON.parse(evaluation.out);
  assert.equal((scored.confusion as number[][]).flat().reduce((a, b) => a + b, 0), 10000);
  assert.ok(Math.abs(100 * scored.accuracy - printed) < 0.006, `eval ${scored.accuracy}, train printed ${printed} %`);
  assert.ok(Object.keys(weightsOf(join(out, 'last.safetensors'))).every((k) => !k.startsWith('module.')));

  const resumed = await cnnkit(['train', ...tiny.map((a) => (a === '2' ? '3' : a)), '--batch-norm', '--sync-bn', '--nproc-per-node', '2', '--master-port', port, '--out', out, '--resume', '--json']).exit;
  assert.equal(resumed.code, 0, resumed.err);
  const lines = resumed.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.slice(0, -1).map((l) => l.epoch), [3], 'rank 0 alone logs, from epoch 3');
  assert.deepEqual(csvRows(out).map((r) => r[0]), ['1', '2', '3']);
});

test('torchrun\'s environment, set on two processes by the test, makes run.train two ranks that log the same metrics, those in metrics.csv', async () => {
  const out = join(dir, 'env');
  const port = String(await freePort());
  const options = JSON.stringify({ limit: 1200, epochs: 2, batchSize: 32, optimizer: 'sgd', lr: 0.05, out, progress: 'lines' });
  const ranks = await Promise.all([0, 1].map((rank) => start([worker, options], {
    env: { ...process.env, RANK: String(rank), WORLD_SIZE: '2', LOCAL_RANK: String(rank), LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port },
  }).exit));
  for (const r of ranks) assert.equal(r.code, 0, r.err);
  // Rank 0 prints its progress, then its JSON line; rank 1 prints nothing but its JSON line.
  assert.equal(ranks[1].out.trim().split('\n').length, 1, ranks[1].out);
  assert.match(ranks[0].out, /^epoch 2\/2 /m);
  const [zero, one] = ranks.map((r) => JSON.parse(r.out.trim().split('\n').at(-1)!));
  assert.deepEqual([zero.rank, one.rank, zero.worldSize], [0, 1, 2]);
  assert.deepEqual(one.history, zero.history);
  assert.deepEqual([one.accuracy, one.loss, one.bestEpoch], [zero.accuracy, zero.loss, zero.bestEpoch]);
  const rows = csvRows(out);
  assert.deepEqual(rows.map((r) => [Number(r[1]), Number(r[2]), Number(r[3]), Number(r[4])]),
    zero.history.map((h: Record<string, number>) => [h.train_loss, h.train_acc, h.val_loss, h.val_acc]));
  // Whole-set counts: 120 validation images, so an accuracy is a multiple of 1/120.
  for (const h of zero.history) assert.ok(Math.abs(h.val_acc * 120 - Math.round(h.val_acc * 120)) < 1e-9, String(h.val_acc));
});

test('two nodes (127.0.0.1 and 127.0.0.2, one rank each) train the weights of one node with two ranks', async () => {
  const port = String(await freePort());
  const same = [...tiny, '--threads', '1'];
  const nodes = join(dir, 'nodes');
  // (Whether node 1's Gloo listens on 127.0.0.2 is not sampled here: its listener lives too briefly to catch reliably.)
  const node1 = cnnkit(['train', ...same, '--nproc-per-node', '1', '--nnodes', '2', '--node-rank', '1', '--master-addr', '127.0.0.1', '--master-port', port,
    '--local-addr', '127.0.0.2', '--out', join(dir, 'nodes-1')]);
  const node0 = cnnkit(['train', ...same, '--nproc-per-node', '1', '--nnodes', '2', '--node-rank', '0', '--master-port', port, '--out', nodes]);
  const [zero, one] = await Promise.all([node0.exit, node1.exit]);
  assert.equal(zero.code, 0, zero.err);
  assert.equal(one.code, 0, one.err);
  assert.equal(one.out, '', 'node 1 runs rank 1 only, which is quiet');
  assert.ok(!existsSync(join(dir, 'nodes-1')), 'rank 1 writes no run folder');

  const local = join(dir, 'one-node');
  const oneNode = await cnnkit(['train', ...same, '--nproc-per-node', '2', '--master-port', String(await freePort()), '--out', local, '--quiet']).exit;
  assert.equal(oneNode.code, 0, oneNode.err);
  const difference = maxDifference(weightsOf(join(nodes, 'last.safetensors')), weightsOf(join(local, 'last.safetensors')));
  process.stdout.write(`# two nodes vs one node with two ranks: max |difference| ${difference}\n`);
  assert.ok(difference <= 1e-6, `max difference ${difference}`);
});

test('2 ranks × batch 32 end with the weights of 1 rank × batch 64 (SGD with momentum, one epoch)', async () => {
  const flags = ['--limit', '1280', '--epochs', '1', '--optimizer', 'sgd', '--lr', '0.05', '--quiet'];
  const [whole, halves] = [join(dir, 'batch-64'), join(dir, 'batch-32x2')];
  const one = await cnnkit(['train', ...flags, '--batch-size', '64', '--nproc-per-node', '1', '--master-port', String(await freePort()), '--out', whole]).exit;
  assert.equal(one.code, 0, one.err);
  const two = await cnnkit(['train', ...flags, '--batch-size', '32', '--nproc-per-node', '2', '--master-port', String(await freePort()), '--out', halves]).exit;
  assert.equal(two.code, 0, two.err);
  const difference = maxDifference(weightsOf(join(whole, 'last.safetensors')), weightsOf(join(halves, 'last.safetensors')));
  process.stdout.write(`# 2 × 32 vs 1 × 64 after 18 steps: max |difference| ${difference}\n`);
  assert.ok(difference <= 1e-5, `max difference ${difference}`);
});

test('a rank killed mid-epoch: the launcher stops the other and exits non-zero naming the lost rank', async () => {
  let victim: number | undefined;
  const port = String(await freePort());
  const run = cnnkit(['train', '--limit', '3000', '--epochs', '30', '--batch-size', '32', '--nproc-per-node', '2', '--master-port', port, '--out', join(dir, 'killed')], {
    onOut: (out, launcher) => {
      if (victim === undefined && /^epoch 1\/30 /m.test(out)) {
        victim = rankPid(launcher.pid!, 1);
        if (victim) process.kill(victim, 'SIGKILL');
      }
    },
  });
  const exit = await run.exit;
  assert.ok(victim, 'rank 1 was found and killed');
  assert.equal(exit.code, 1, exit.err);
  assert.doesNotMatch(exit.out, /^epoch 30\/30/m);
  const lines = exit.err.trim().split('\n');
  assert.match(lines.at(-1)!, new RegExp(`^cnnkit: launch: rank 1 of 2 \\(local rank 1 on node 0, pid ${victim}\\) was killed by SIGKILL; the other local ranks were stopped$`));
  // Rank 0 said, in one line, which peer it lost (if it got to say it before it was stopped).
  for (const line of lines.slice(0, -1)) assert.match(line, /^cnnkit: .*failed on rank 0 of 2: rank 1 .*is lost/);
});

test('under an outside launcher, a rank killed mid-run makes the other exit 1 with one line naming the lost rank', async () => {
  const port = String(await freePort());
  const options = JSON.stringify({ limit: 3000, epochs: 30, batchSize: 32, out: join(dir, 'lost'), progress: 'lines' });
  const env = (rank: number) => ({ ...process.env, RANK: String(rank), WORLD_SIZE: '2', LOCAL_RANK: String(rank), LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port });
  const one = start([worker, options], { env: env(1) });
  const zero = start([worker, options], { env: env(0), onOut: (out) => { if (/^epoch 1\/30 /m.test(out)) one.child.kill('SIGKILL'); } });
  const [lost, survivor] = await Promise.all([one.exit, zero.exit]);
  assert.equal(lost.signal, 'SIGKILL');
  assert.equal(survivor.code, 1);
  assert.doesNotMatch(survivor.out, /^epoch 30\/30/m);
  assert.match(survivor.err, /^[^\n]*failed on rank 0 of 2: rank 1 is lost \([^\n]*\)\n$/);
});

test('SIGTERM to the launcher reaches the ranks, and it exits non-zero', async () => {
  let ranks: number[] = [];
  const run = cnnkit(['train', '--limit', '3000', '--epochs', '30', '--batch-size', '32', '--nproc-per-node', '2', '--master-port', String(await freePort()), '--out', join(dir, 'stopped')], {
    onOut: (out, launcher) => {
      if (ranks.length === 0 && /^epoch 1\/30 /m.test(out)) {
        ranks = childrenOf(launcher.pid!);
        launcher.kill('SIGTERM');
      }
    },
  });
  const exit = await run.exit;
  assert.equal(ranks.length, 2);
  assert.equal(exit.code, 1, exit.err);
  assert.match(exit.err.trim(), /^cnnkit: launch: stopped by SIGTERM; the 2 local ranks were passed it$/);
  for (const pid of ranks) assert.ok(!existsSync(`/proc/${pid}`) || /^\S+ \S+ Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x')), `rank pid ${pid} ended`);
});

test('bad launcher flags and a master port in use: exit 2 and one line each', async () => {
  const server = createServer();
  const taken = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  try {
    for (const [args, message] of [
      [['--nproc-per-node', '0'], 'cnnkit: launch: --nproc-per-node must be an integer ≥ 1, got 0'],
      [['--nproc-per-node', '1.5'], 'cnnkit: launch: --nproc-per-node must be an integer ≥ 1, got 1.5'],
      [['--nproc-per-node', '1', '--nnodes', '2', '--node-rank', '2'], 'cnnkit: launch: --node-rank must be below --nnodes 2 (0..1), got 2'],
      [['--nproc-per-node', '1', '--master-port', '70000'], 'cnnkit: launch: --master-port must be in 1..65535, got 70000'],
      [['--nnodes', '2'], 'cnnkit: train: --nnodes goes with --nproc-per-node N'],
      [['--nproc-per-node', '2', '--master-port', String(taken)], `cnnkit: launch: --master-port ${taken} on 127.0.0.1 is in use; choose another`],
    ] as const) {
      const run = await cnnkit(['train', '--limit', '100', '--epochs', '1', ...args, '--out', join(dir, 'bad')]).exit;
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.err}`);
      assert.equal(run.err.trim(), message);
    }
  } finally {
    server.close();
  }
  assert.ok(!existsSync(join(dir, 'bad')), 'no rank started');
});
