// The inference server on loopback: its answers equal Classifier.predict on the same files (raw bodies and
// multipart forms, JPEG, PNG and WebP), concurrent requests share forwards, each malformed request gets its 4xx
// JSON answer and the next good request still succeeds, the event loop answers while a batch runs, tensors stay
// flat, and close() finishes a request in flight.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';

import sharp from 'sharp';

import { run, serve } from '../../src/index.js';
import { describePreprocessing, type Preprocessing } from '../../src/run/preprocessing.js';
import { makeTinyRun, type TinyRun } from './tiny-run.js';

let tiny: TinyRun;
let server: serve.InferenceServer;
let classifier: run.Classifier;

before(async () => {
  tiny = await makeTinyRun('cnnkit-serve-');
  classifier = run.openClassifier(tiny.out);
  server = await serve.startServer(tiny.out, { port: 0, maxWaitMs: 50, maxBodyBytes: 1 << 20, requestTimeoutMs: 400, threads: 1 });
}, { timeout: 120_000 });
after(async () => {
  await server?.close();
  tiny?.remove();
}, { timeout: 60_000 });

interface Answer {
  status: number;
  json: { top?: { className: string; index: number; probability: number }[]; error?: string } & Record<string, unknown>;
  headers: Headers;
}

async function ask(path: string, init: RequestInit = {}, base = server.url): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(20_000) });
  return { status: res.status, json: await res.json() as Answer['json'], headers: res.headers };
}

const postImage = (bytes: Uint8Array, query = '', type = 'image/jpeg') => ask(`/predict${query}`, { method: 'POST', headers: { 'Content-Type': type }, body: bytes });

function postForm(bytes: Uint8Array, name: string, query = ''): Promise<Answer> {
  const form = new FormData();
  form.append('note', 'a field besides the file');
  form.append('image', new Blob([bytes]), name);
  return ask(`/predict${query}`, { method: 'POST', body: form });
}

/** The status and JSON of an exchange written by hand on a socket (for what fetch cannot send); `rest` after `delayMs`. */
function rawExchange(first: string | Buffer, rest?: Buffer, delayMs = 0): Promise<{ status: number; json: { error?: string; top?: unknown[] } }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const timer = setTimeout(() => (socket.destroy(), reject(new Error('no answer within 20 s'))), 20_000);
    const parts: Buffer[] = [];
    socket.on('data', (d) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(parts).toString();
      const [head, body] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), json: JSON.parse(body) });
    });
    socket.write(first);
    if (rest) setTimeout(() => socket.end(rest), delayMs);
  });
}

/** Asserts the server's top classes are the classifier's, probabilities within float rounding of another batch size. */
function assertSameTop(answer: Answer, expected: run.Prediction, k: number, label: string): void {
  assert.equal(answer.status, 200, `${label}: ${JSON.stringify(answer.json)}`);
  const top = answer.json.top!;
  assert.equal(top.length, k, label);
  top.forEach((t, i) => {
    assert.equal(t.className, expected.top[i].className, label);
    assert.equal(t.index, expected.top[i].index, label);
    assert.ok(Math.abs(t.probability - expected.top[i].probability) < 1e-6, `${label}: ${t.probability} vs ${expected.top[i].probability}`);
  });
}

test('answers equal Classifier.predict on the files: JPEG, PNG, WebP, gray and RGBA, as raw bodies and as multipart forms', { timeout: 60_000 }, async () => {
  const types: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', webp: 'application/octet-stream' };
  for (const file of tiny.images) {
    const { predictions: [expected] } = await classifier.predict([file], { topK: 2 });
    const bytes = readFileSync(file);
    assertSameTop(await postImage(bytes, '?topK=2', types[file.split('.').pop()!]), expected, 2, `raw ${file}`);
    assertSameTop(await postForm(bytes, file.split('/').pop()!, '?top_k=1'), expected, 1, `form ${file}`);
  }
  // The server's default top-k: min(5, classes).
  const { predictions: [first] } = await classifier.predict([tiny.images[0]], { topK: 2 });
  assertSameTop(await postImage(readFileSync(tiny.images[0])), first, 2, 'default topK');
  // The images are told apart as trained: a cat reddish, a dog bluish.
  const tops = await Promise.all(tiny.images.slice(0, 6).map(async (file) => (await postImage(readFileSync(file))).json.top![0].className));
  assert.deepEqual(tops, ['cat', 'dog', 'cat', 'dog', 'cat', 'dog']);
});

test('GET /metadata says what is served and how images are preprocessed; GET /health counts predictions and forwards', { timeout: 60_000 }, async () => {
  const { status, json } = await ask('/metadata');
  assert.equal(status, 200);
  assert.equal(json.model, 'lecture_cnn');
  assert.deepEqual(json.classes, ['cat', 'dog']);
  assert.deepEqual(json.inputSize, [16, 16]);
  assert.equal(json.channels, 3);
  assert.equal(json.threads, 1);
  assert.equal(json.topK, 2);
  assert.equal(json.maxBatchSize, 32);
  assert.equal(json.maxWaitMs, 50);
  // The exported model's description of the preprocessing, fitted statistics included.
  assert.deepEqual(json.preprocessing, JSON.parse(JSON.stringify(describePreprocessing(classifier))));
  assert.deepEqual((json.preprocessing as Preprocessing).steps.map((step) => step.type), ['featurewise']);
  const health = await ask('/health');
  assert.equal(health.status, 200);
  assert.equal(health.json.status, 'ok');
  const stats = health.json as unknown as serve.ServerStats;
  assert.ok(stats.predictions > 0);
  assert.ok(stats.model.forwards > 0 && stats.model.forwards <= stats.batching.batches);
  assert.equal(stats.model.restarts, 0);
  assert.equal((await fetch(`${server.url}/health`, { method: 'HEAD' })).status, 200);
});

test('concurrent requests go through fewer forwards than there are requests, each with its own answer', { timeout: 60_000 }, async () => {
  const files = [...tiny.images, ...tiny.images].slice(0, 8);
  const expected = (await classifier.predict(files, { topK: 2 })).predictions;
  const before = (await ask('/health')).json as unknown as serve.ServerStats;
  const answers = await Promise.all(files.map((file, i) => (i % 2 ? postForm(readFileSync(file), 'x') : postImage(readFileSync(file), '?topK=2'))));
  const afterwards = (await ask('/health')).json as unknown as serve.ServerStats;
  answers.forEach((answer, i) => assertSameTop(answer, expected[i], 2, files[i]));
  const forwards = afterwards.model.forwards - before.model.forwards;
  assert.ok(forwards >= 1 && forwards < 8, `${forwards} forwards for 8 concurrent requests`);
  assert.ok(afterwards.batching.largestBatch > 1);
});

test('each malformed request gets its 4xx JSON answer, and a good request right after it still succeeds', { timeout: 60_000 }, async () => {
  const good = readFileSync(tiny.images[0]);
  const { predictions: [expected] } = await classifier.predict([tiny.images[0]], { topK: 2 });
  const truncated = good.subarray(0, Math.floor(good.length * 0.6));
  const big = new Uint8Array((1 << 20) + 1);
  const twoFiles = new FormData();
  twoFiles.append('a', new Blob([good]), 'a.jpg');
  twoFiles.append('b', new Blob([good]), 'b.jpg');
  const noFile = new FormData();
  noFile.append('a', 'text only');
  const chunked = (bytes: Uint8Array) => new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
  const cases: [string, () => Promise<{ status: number; json: { error?: string } }>, number, RegExp][] = [
    ['not an image', () => postImage(Buffer.from('this is plain text, not an image')), 400, /not an image that can be read.*unsupported image format/],
    ['a truncated JPEG', () => postImage(truncated), 400, /not an image that can be read.*(premature end of JPEG|invalid JPEG file structure)/i],
    ['an empty body', () => postImage(new Uint8Array(0)), 400, /the body is empty/],
    ['an empty form file', () => postForm(new Uint8Array(0), 'empty.jpg'), 400, /file is empty/],
    ['a body over the limit (Content-Length)', () => postImage(big), 413, /the body is 1048577 bytes; the limit is 1048576/],
    ['a body over the limit (chunked)', () => ask('/predict', { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: chunked(big), duplex: 'half' } as RequestInit), 413, /over the limit of 1048576 bytes/],
    ['a form with two files', () => ask('/predict', { method: 'POST', body: twoFiles }), 400, /more than one file/],
    ['a form without a file', () => ask('/predict', { method: 'POST', body: noFile }), 400, /no file field/],
    ['a multipart type without a boundary', () => postImage(good, '', 'multipart/form-data'), 400, /multipart form cannot be read/],
    ['another content type', () => postImage(good, '', 'application/json'), 415, /application\/json is not accepted/],
    ['a bad topK', () => postImage(good, '?topK=3'), 400, /topK must be an integer from 1 to 2, got '3'/],
    ['a wrong method', () => ask('/predict'), 405, /\/predict takes POST, not GET/],
    ['a wrong method on /health', () => ask('/health', { method: 'DELETE' }), 405, /\/health takes GET, not DELETE/],
    ['an unknown path', () => ask('/nowhere', { method: 'POST', body: good }), 404, /no such path \/nowhere/],
    ['a body that stops half-way', () => rawExchange(Buffer.concat([Buffer.from(`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: ${good.length}\r\n\r\n`), good.subarray(0, 100)])), 408, /did not arrive within 400 ms \(100 bytes came\)/],
    ['a request target that is no path', () => rawExchange('GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 400, /the request target "\/\/" is not a path/],
    ['not HTTP at all', () => rawExchange('GARBAGE\r\n\r\n'), 400, /cannot be read as HTTP/],
  ];
  const refusedBefore = ((await ask('/health')).json as unknown as serve.ServerStats).refused;
  for (const [what, send, status, message] of cases) {
    const answer = await send();
    assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.json)}`);
    assert.match(answer.json.error ?? '', message, what);
    assertSameTop(await postImage(good, '?topK=2'), expected, 2, `the good request after ${what}`);
  }
  const health = (await ask('/health')).json as unknown as serve.ServerStats;
  assert.equal(health.refused - refusedBefore, cases.length - 1); // the HTTP parser's own refusal reaches no route
  assert.equal(health.model.restarts, 0);
});

test('the event loop answers /health while the model thread decodes and runs a batch', { timeout: 60_000 }, async () => {
  // Large PNGs (small files of one colour, 48 MB of pixels each) keep the model thread decoding for a while.
  const large = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: { r: 200, g: 40, b: 30 } } }).png().toBuffer();
  const answers = Promise.all(Array.from({ length: 3 }, () => postImage(large, '', 'image/png')));
  let answered = false;
  void answers.then(() => (answered = true));
  // /health, asked again and again, answers while the batch runs (and before its predictions come back).
  let seenBusy = 0;
  for (let i = 0; i < 2000 && !answered; i++) {
    const stats = (await ask('/health')).json as unknown as serve.ServerStats;
    if (stats.batching.running > 0 && !answered) seenBusy++;
  }
  assert.ok(seenBusy >= 2, `/health answered ${seenBusy} times while a batch ran`);
  for (const answer of await answers) assert.equal(answer.status, 200);
});

test('tensors stay flat in the model thread over many requests', { timeout: 60_000 }, async () => {
  const bytes = readFileSync(tiny.images[2]);
  await postImage(bytes);
  const first = ((await ask('/health')).json as unknown as serve.ServerStats).model.tensors!;
  for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 10 }, () => postImage(bytes)));
  await postImage(Buffer.from('not an image'));
  const last = ((await ask('/health')).json as unknown as serve.ServerStats).model.tensors!;
  // The same bytes; no more tensors (fewer once the garbage collector has freed handles left from opening the run).
  assert.equal(last.numBytes, first.numBytes);
  assert.ok(last.numTensors <= first.numTensors, `${last.numTensors} tensors after, ${first.numTensors} before`);
});

test('bad options and runs are named; close() finishes a request in flight, then refuses connections', { timeout: 60_000 }, async () => {
  await assert.rejects(serve.startServer(tiny.out, { maxBatchSize: 0 }), /serve: maxBatchSize must be an integer from 1 up, got 0/);
  await assert.rejects(serve.startServer(tiny.out, { colour: 1 } as never), /serve: unknown option 'colour'/);
  await assert.rejects(serve.startServer('/nonexistent/run', { port: 0 }), /serve: the checkpoint \/nonexistent\/run does not exist/);
  await assert.rejects(serve.startServer(tiny.out, { port: 0, topK: 3 }), /serve: topK must be an integer from 1 to 2, got 3/);
  const { port } = new URL(server.url);
  await assert.rejects(serve.startServer(tiny.out, { port: Number(port) }), /serve: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);

  const other = await serve.startServer(tiny.out, { port: 0, requestTimeoutMs: 10_000 });
  const good = readFileSync(tiny.images[1]);
  const { predictions: [expected] } = await classifier.predict([tiny.images[1]], { topK: 2 });
  // Headers and part of the body, then close() while the rest is on its way.
  const otherPort = Number(new URL(other.url).port);
  const inFlight = new Promise<string>((resolve, reject) => {
    const socket = connect(otherPort, '127.0.0.1');
    const parts: Buffer[] = [];
    socket.on('data', (d) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(parts).toString()));
    socket.write(`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: ${good.length}\r\n\r\n`);
    socket.write(good.subarray(0, 50));
    setTimeout(() => socket.write(good.subarray(50)), 300);
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const closed = other.close();
  const reply = await inFlight;
  assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(reply, /\r\nConnection: close\r\n/i);
  const top = JSON.parse(reply.split('\r\n\r\n')[1]).top;
  assert.equal(top[0].className, expected.top[0].className);
  assert.ok(Math.abs(top[0].probability - expected.top[0].probability) < 1e-6);
  await closed;
  await assert.rejects(fetch(`${other.url}/health`), /fetch failed/);
});
