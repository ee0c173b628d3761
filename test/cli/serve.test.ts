// cnnkit serve as a child process: it prints its URL once listening, answers, and on SIGTERM stops accepting
// connections, answers the request in flight, then exits 0. Bad usage is one line and exit code 2.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { makeTinyRun, type TinyRun } from '../serve/tiny-run.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
let tiny: TinyRun;
before(async () => {
  tiny = await makeTinyRun('cnnkit-cli-serve-');
}, { timeout: 120_000 });
after(() => tiny?.remove());

test('SIGTERM: the request in flight is answered, new connections are refused, and the server exits 0', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [main, 'serve', '--run', tiny.out, '--port', '0', '--max-wait-ms', '1', '--top-k', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const found = /serving lecture_cnn \(2 classes, 16×16\) on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (found) resolve(found[1]);
    });
    child.on('exit', () => reject(new Error(`cnnkit serve exited: ${stderr}`)));
  });
  const image = readFileSync(tiny.images[0]);
  const answer = await (await fetch(`${url}/predict`, { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: image })).json() as { top: { className: string }[] };
  assert.equal(answer.top.length, 1);
  // A request whose body is half sent when SIGTERM comes.
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  const reply = new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    socket.on('data', (d) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(parts).toString()));
  });
  socket.write(`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: ${image.length}\r\n\r\n`);
  socket.write(image.subarray(0, 40));
  await new Promise((resolve) => setTimeout(resolve, 200));
  child.kill('SIGTERM');
  await new Promise<void>((resolve) => child.stdout.on('data', () => stdout.includes('SIGTERM') && resolve()));
  await assert.rejects(fetch(`${url}/health`), /fetch failed/); // no longer accepting
  socket.write(image.subarray(40));
  const text = await reply;
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.deepEqual(JSON.parse(text.split('\r\n\r\n')[1]).top.map((t: { className: string }) => t.className), answer.top.map((t) => t.className));
  assert.equal(await exited, 0, stderr);
  clearTimeout(killer);
  assert.match(stdout, /SIGTERM: finishing the requests in flight, then stopping\ncnnkit: stopped\n$/);
});

test('bad usage is one line naming the fault, exit code 2', () => {
  const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, 'serve', ...args], { encoding: 'utf8', timeout: 60_000 });
  const cases: [string[], RegExp][] = [
    [[], /^cnnkit: serve: give --run DIR \(a run folder of cnnkit train\) or --checkpoint FILE\n$/],
    [['--run', tiny.out, '--checkpoint', tiny.out], /^cnnkit: serve: give --run DIR or --checkpoint FILE, not both\n$/],
    [['--run', tiny.out, '--port', 'eighty'], /^cnnkit: serve: --port must be a number, got 'eighty'\n$/],
    [['--run', tiny.out, '--max-batch-size', '0'], /^cnnkit: serve: maxBatchSize must be an integer from 1 up, got 0\n$/],
    [['--run', tiny.out, '--colour'], /^cnnkit: serve: unknown option '--colour'; valid options: --run, --checkpoint, --host, --port/],
    [['--checkpoint', '/nonexistent/best.safetensors'], /^cnnkit: serve: the checkpoint \/nonexistent\/best\.safetensors does not exist\n$/],
  ];
  for (const [args, message] of cases) {
    const result = cnnkit(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  // A file that is no checkpoint is a failure to run (exit 1), named.
  const notACheckpoint = cnnkit('--run', tiny.images[0]);
  assert.equal(notACheckpoint.status, 1);
  assert.match(notACheckpoint.stderr, /^cnnkit: .*cat-a\.jpg is not a valid safetensors file/);
});
