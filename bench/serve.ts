// The inference server under load on loopback: `cnnkit serve` as a child process, autocannon's clients posting a
// JPEG to /predict for a fixed time, once with dynamic batching and once with --max-batch-size 1. Reported:
// throughput, p50 and p99 latency, failed requests, the mean batch, the server's RSS before and after each run, and
// the answers to malformed requests sent during each run, each followed by a good request.
//   node dist/bench/serve.js [--run DIR] [--connections N] [--duration S] [--threads N] [--json FILE]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import autocannon from 'autocannon';
import sharp from 'sharp';

import { run } from '../src/index.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';

const USAGE = `usage: node dist/bench/serve.js [options]
  --run DIR          the run to serve (default: lecture_cnn trained for one epoch at 64×64 on generated JPEGs)
  --connections N    concurrent clients (default 16)
  --duration S       seconds of load per run (default 20)
  --threads N        the server's --threads (default: its own, the cores less one)
  --json FILE        also write the figures as JSON (atomically)`;

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
/** A short body timeout, so that the half-sent probe gets its 408 within the run. */
const REQUEST_TIMEOUT_MS = 2000;
const MAX_BODY_BYTES = 1 << 20;
const WARM_UP_S = 5;

interface Server {
  url: string;
  process: ChildProcess;
  exited: Promise<number | null>;
}

/** `cnnkit serve` on a free loopback port; resolves with its URL once it prints it. */
function startServer(runDir: string, extra: string[]): Promise<Server> {
  const child = spawn(process.execPath, [cli, 'serve', '--run', runDir, '--port', '0', '--max-body-bytes', String(MAX_BODY_BYTES),
    '--request-timeout-ms', String(REQUEST_TIMEOUT_MS), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
      const url = / on (http:\/\/\S+)\n/.exec(stdout)?.[1];
      if (url) resolve({ url, process: child, exited });
    });
    void exited.then((code) => reject(new Error(`cnnkit serve exited with code ${code}: ${stderr}`)));
  });
}

/** The resident set of a process in MiB, from /proc. */
function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kb / 1024;
}

/** The median of the RSS sampled every 100 ms over 2 s of an idle server. */
async function idleRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    samples.push(rssMiB(pid));
  }
  return samples.sort((a, b) => a - b)[10];
}

function load(url: string, body: Buffer, connections: number, duration: number): Promise<autocannon.Result> {
  return autocannon({ url: `${url}/predict`, method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body, connections, duration });
}

interface Health {
  predictions: number;
  batching: { batches: number; items: number; largestBatch: number };
  model: { forwards: number };
}
const health = async (url: string): Promise<Health> => (await fetch(`${url}/health`)).json() as Promise<Health>;

/** A request written by hand on a socket; `rest` is never sent (a client that stops half-way). Resolves with the status. */
function rawStatus(url: string, bytes: Buffer): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const parts: Buffer[] = [];
    socket.on('data', (d) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(Buffer.concat(parts).toString().split(' ')[1])));
    socket.write(bytes);
  });
}

interface ProbeResult {
  what: string;
  expected: number;
  statuses: number[];
}

/**
 * Until `stop` is set, sends each malformed request in turn, each followed by a good one whose top class must be
 * `expectedClass`; also times /health. Returns the malformed statuses, the good answers' outcomes and /health's latency.
 */
async function probe(url: string, good: Buffer, expectedClass: string, stopped: () => boolean) {
  const post = async (body: Uint8Array, path = '/predict', method = 'POST', type = 'image/jpeg') =>
    (await fetch(`${url}${path}`, { method, headers: { 'Content-Type': type }, body: method === 'GET' ? undefined : body })).status;
  const halfSent = Buffer.concat([Buffer.from(`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: ${good.length}\r\n\r\n`), good.subarray(0, good.length >> 1)]);
  const cases: [string, number, () => Promise<number>][] = [
    ['not an image', 400, () => post(Buffer.from('plain text, not an image'))],
    ['a truncated JPEG', 400, () => post(good.subarray(0, good.length >> 1))],
    ['an empty body', 400, () => post(new Uint8Array(0))],
    ['a body over the limit', 413, () => post(new Uint8Array(MAX_BODY_BYTES + 1))],
    ['a wrong method (GET /predict)', 405, () => post(good, '/predict', 'GET')],
    ['an unknown path', 404, () => post(good, '/nowhere')],
    ['a body that stops half-way', 408, () => rawStatus(url, halfSent)],
  ];
  const results: ProbeResult[] = cases.map(([what, expected]) => ({ what, expected, statuses: [] }));
  const goodAfter = { ok: 0, failed: 0 };
  const healthMs: number[] = [];
  while (!stopped()) {
    for (const [k, [, , send]] of cases.entries()) {
      results[k].statuses.push(await send().catch(() => 0));
      const answer = await fetch(`${url}/predict`, { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: good })
        .then(async (r) => (r.status === 200 ? ((await r.json()) as { top: { className: string }[] }).top[0].className : null), () => null);
      if (answer === expectedClass) goodAfter.ok++;
      else goodAfter.failed++;
      const start = performance.now();
      await health(url);
      healthMs.push(performance.now() - start);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { results, goodAfter, healthMs };
}

type Probed = Awaited<ReturnType<typeof probe>>;

interface RunFigures {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failed: number;
  meanBatch: number;
  largestBatch: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** The smallest and largest RSS sampled every 0.5 s during the load. */
  rssUnderLoadMiB: [number, number];
  exitCode: number | null;
  /** The model thread's libtorch threads (GET /metadata). */
  threads: number;
}

async function measure(label: string, runDir: string, extra: string[], body: Buffer, connections: number, duration: number,
  during: (url: string, stopped: () => boolean) => Promise<Probed>): Promise<{ figures: RunFigures; probed: Probed }> {
  const server = await startServer(runDir, extra);
  const pid = server.process.pid!;
  const { threads } = await (await fetch(`${server.url}/metadata`)).json() as { threads: number };
  // Warm-up, with the same requests as the run: JIT, allocator pools, libtorch's threads, every batch size.
  let warm = false;
  const warming = during(server.url, () => warm);
  await load(server.url, body, connections, WARM_UP_S);
  warm = true;
  await warming;
  const rssBeforeMiB = await idleRss(pid);
  const before = await health(server.url);
  let done = false;
  const probing = during(server.url, () => done);
  const underLoad: number[] = [];
  const sampler = setInterval(() => underLoad.push(rssMiB(pid)), 500);
  const result = await load(server.url, body, connections, duration);
  clearInterval(sampler);
  done = true;
  const probed = await probing;
  const after = await health(server.url);
  const rssAfterMiB = await idleRss(pid);
  server.process.kill('SIGTERM');
  const exitCode = await server.exited;
  const batches = after.batching.batches - before.batching.batches;
  return {
    figures: {
      label, requestsPerSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99,
      requests: result.requests.total, failed: result.errors + result.timeouts + result.non2xx,
      meanBatch: (after.batching.items - before.batching.items) / batches, largestBatch: after.batching.largestBatch,
      rssBeforeMiB, rssAfterMiB, rssUnderLoadMiB: [Math.min(...underLoad), Math.max(...underLoad)], exitCode, threads,
    },
    probed,
  };
}

/** Two classes of 80×64 JPEGs (reddish and bluish, with a stripe), lecture_cnn trained one epoch at 64×64. */
async function trainRun(dir: string): Promise<string> {
  const data = join(dir, 'data');
  for (const [kind, base] of [['cat', { r: 190, g: 60, b: 40 }], ['dog', { r: 40, g: 60, b: 190 }]] as const) {
    mkdirSync(join(data, kind), { recursive: true });
    for (let i = 0; i < 48; i++) {
      const background = { r: base.r + (i % 7) * 6, g: base.g + (i % 5) * 8, b: base.b - (i % 6) * 5 };
      const stripe = await sharp({ create: { width: 10 + (i % 4) * 5, height: 64, channels: 3, background: { r: 240, g: 240, b: 240 } } }).png().toBuffer();
      await sharp({ create: { width: 80, height: 64, channels: 3, background } }).composite([{ input: stripe, left: (i * 7) % 60, top: 0 }]).jpeg().toFile(join(data, kind, `${i}.jpg`));
    }
  }
  const out = join(dir, 'run');
  await run.train({ data, epochs: 1, batchSize: 16, threads: 2, out, progress: 'quiet' });
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { run: { type: 'string' }, connections: { type: 'string' }, duration: { type: 'string' }, threads: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(USAGE);
  const connections = Number(values.connections ?? 16);
  const duration = Number(values.duration ?? 20);
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-bench-serve-'));
  try {
    const runDir = values.run ?? await trainRun(dir);
    // A photo-sized body: a reddish 160×120 picture with noise (so that the JPEG is not trivially small).
    const good = await sharp({ create: { width: 160, height: 120, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 110, sigma: 30 } } })
      .linear([1.6, 0.6, 0.4], [0, 0, 0]).jpeg({ quality: 85 }).toBuffer();
    const goodFile = join(dir, 'good.jpg');
    writeFileAtomic(goodFile, [good]);
    // What the good requests must answer: cnnkit predict's class for the same file.
    const classifier = run.openClassifier(runDir);
    const expectedClass = (await classifier.predict([goodFile])).predictions[0].top[0].className;
    const loadAtStart = loadavg()[0];
    console.log(`machine: ${cpus()[0].model}, ${availableParallelism()} cores (shared: other processes ran alongside); load average ${loadAtStart.toFixed(2)} at start`);
    console.log(`${connections} connections, ${duration} s per run, a ${good.length}-byte 160×120 JPEG per request, model ${classifier.config.model} at ${classifier.decode.size.join('×')}`);
    const threads = values.threads === undefined ? [] : ['--threads', values.threads];
    const probing = (url: string, stopped: () => boolean) => probe(url, good, expectedClass, stopped);
    const batched = await measure('batching (max batch 32, max wait 5 ms)', runDir, threads, good, connections, duration, probing);
    const single = await measure('--max-batch-size 1', runDir, [...threads, '--max-batch-size', '1'], good, connections, duration, probing);
    const rows = [batched.figures, single.figures];
    const table = [
      ['', ...rows.map((r) => r.label)],
      ['requests/s', ...rows.map((r) => r.requestsPerSecond.toFixed(1))],
      ['latency p50 (ms)', ...rows.map((r) => r.p50Ms.toFixed(1))],
      ['latency p99 (ms)', ...rows.map((r) => r.p99Ms.toFixed(1))],
      ['requests / failed', ...rows.map((r) => `${r.requests} / ${r.failed}`)],
      ['mean batch (largest)', ...rows.map((r) => `${r.meanBatch.toFixed(2)} (${r.largestBatch})`)],
      ['server RSS idle before → after (MiB)', ...rows.map((r) => `${r.rssBeforeMiB.toFixed(0)} → ${r.rssAfterMiB.toFixed(0)} (${(100 * (r.rssAfterMiB / r.rssBeforeMiB - 1)).toFixed(1)} %)`)],
      ['server RSS under load (MiB)', ...rows.map((r) => `${r.rssUnderLoadMiB[0].toFixed(0)}–${r.rssUnderLoadMiB[1].toFixed(0)}`)],
      ['model threads', ...rows.map((r) => String(r.threads))],
      ['exit code after SIGTERM', ...rows.map((r) => String(r.exitCode))],
    ];
    const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
    console.log(`\n${table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ')).join('\n')}`);
    console.log(`throughput with batching / with batch size 1: ${(rows[0].requestsPerSecond / rows[1].requestsPerSecond).toFixed(2)}x`);
    for (const { figures, probed: { results, goodAfter, healthMs } } of [batched, single]) {
      console.log(`\nmalformed requests during the run with ${figures.label} (each followed by a good request):`);
      for (const r of results) {
        const right = r.statuses.filter((s) => s === r.expected).length;
        console.log(`  ${r.what.padEnd(30)} expected ${r.expected}: ${right} of ${r.statuses.length}${right < r.statuses.length ? ` (got ${[...new Set(r.statuses)].join(', ')})` : ''}`);
      }
      console.log(`  good requests right after them: ${goodAfter.ok} answered with the right class, ${goodAfter.failed} not`);
      const sorted = [...healthMs].sort((a, b) => a - b);
      console.log(`  GET /health under load: median ${sorted[sorted.length >> 1].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms over ${sorted.length}`);
    }
    if (values.json) {
      writeFileAtomic(values.json, [new TextEncoder().encode(`${JSON.stringify({ connections, duration, loadAtStart, runs: [batched, single] }, null, 2)}\n`)]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.stack);
  process.exit(1);
});
