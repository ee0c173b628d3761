// downloadWeights / loadWeights against a local HTTP server on 127.0.0.1: one download then cache hits, torch's
// cache, redirects, a wrong hash, an interrupted transfer, 404, offline mode. Nothing here reaches the network.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';

import { torch } from '../../src/index.js';
import { cachedWeightsPath, downloadWeights, hubDir, loadWeights } from '../../src/hub/download.js';
import { savePth } from '../../src/hub/pth.js';
import { getWeights, type Weights } from '../../src/hub/registry.js';
import { useIsolatedCaches } from './isolated-caches.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-download-'));
useIsolatedCaches(dir);

const source = join(dir, 'source.pth');
torch.tidy(() => savePth(source, { weight: torch.arange(12).reshape([3, 4]).float(), bias: torch.tensor([0.5, -1]) }));
const bytes = readFileSync(source);
const sha256 = createHash('sha256').update(bytes).digest('hex');
const prefix = sha256.slice(0, 8);
const goodName = `tiny-${prefix}.pth`;

const requests: string[] = [];
/** The size of the client's temporary file when /halves/ had sent half of the file (-1: none found). */
let halfOnDisk = 0;
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url!);
    if (req.url!.startsWith('/files/')) {
      res.writeHead(200, { 'Content-Length': bytes.length });
      res.end(bytes);
    } else if (req.url!.startsWith('/moved/')) {
      res.writeHead(302, { Location: `/files/${req.url!.slice('/moved/'.length)}` });
      res.end();
    } else if (req.url!.startsWith('/halves/')) {
      // The first half, then, once the client has it on disk (in its temporary file), the rest.
      res.writeHead(200, { 'Content-Length': bytes.length });
      res.write(bytes.subarray(0, bytes.length >> 1));
      const started = Date.now();
      const poll = setInterval(() => {
        const partial = leftovers().filter((name) => name.includes('.tmp-')).map((name) => statSync(join(hubDir(), 'checkpoints', name)).size);
        if (partial[0] === bytes.length >> 1 || Date.now() - started > 5000) {
          clearInterval(poll);
          halfOnDisk = partial[0] ?? -1;
          res.end(bytes.subarray(bytes.length >> 1));
        }
      }, 5);
    } else if (req.url!.startsWith('/cut/')) {
      res.writeHead(200, { 'Content-Length': bytes.length });
      res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
    } else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  requests.length = 0;
  rmSync(process.env.CNNKIT_HOME!, { recursive: true, force: true });
  rmSync(process.env.TORCH_HOME!, { recursive: true, force: true });
});

/** A registry entry like torchvision's, served from the loopback server. */
const weightsAt = (path: string, fileName: string): Weights => ({ ...getWeights('ResNet18_Weights.IMAGENET1K_V1'), url: `${base}${path}`, fileName, hashPrefix: prefix });
const cached = (fileName: string) => join(hubDir(), 'checkpoints', fileName);
const leftovers = () => (existsSync(join(hubDir(), 'checkpoints')) ? readdirSync(join(hubDir(), 'checkpoints')) : []);

describe('downloadWeights', () => {
  test('downloads once into $CNNKIT_HOME/hub/checkpoints, verified, then hits the cache', async () => {
    const weights = weightsAt(`/files/${goodName}`, goodName);
    const path = await downloadWeights(weights, { progress: false });
    assert.equal(path, cached(goodName));
    assert.equal(path, join(process.env.CNNKIT_HOME!, 'hub', 'checkpoints', goodName));
    assert.deepEqual(readFileSync(path), bytes);
    assert.equal(await downloadWeights(weights, { progress: false }), path);
    assert.deepEqual(requests, [`/files/${goodName}`]);
  });

  test('a URL alone: the file name and hash prefix come from its name (torch.hub rule); redirects are followed', async () => {
    const path = await downloadWeights(`${base}/moved/${goodName}`, { progress: false });
    assert.equal(path, cached(goodName));
    assert.deepEqual(requests, [`/moved/${goodName}`, `/files/${goodName}`]);
  });

  test('a file already in torch.hub\'s cache is used where it lies', async () => {
    const torchCopy = join(process.env.TORCH_HOME!, 'hub', 'checkpoints', goodName);
    mkdirSync(join(process.env.TORCH_HOME!, 'hub', 'checkpoints'), { recursive: true });
    writeFileSync(torchCopy, bytes);
    assert.equal(await downloadWeights(weightsAt(`/files/${goodName}`, goodName), { progress: false }), torchCopy);
    assert.deepEqual(requests, []);
  });

  test('the bytes go to a temporary file as they arrive, which takes the cached name only when complete', async () => {
    const path = await downloadWeights(`${base}/halves/${goodName}`, { progress: false });
    assert.equal(halfOnDisk, bytes.length >> 1, 'half the file was on disk, not held in memory, while the rest was on its way');
    assert.deepEqual(readFileSync(path), bytes);
    assert.deepEqual(leftovers(), [goodName]);
  });

  test('a wrong hash: an error naming both hashes, and no file kept', async () => {
    const name = 'tiny-deadbeef.pth';
    await assert.rejects(downloadWeights(`${base}/files/${name}`, { progress: false }), {
      message: `downloadWeights: ${base}/files/${name} has sha256 ${sha256}, but its name promises one starting with deadbeef; ` +
        'the file is damaged or not the published one, so it was not kept',
    });
    assert.deepEqual(leftovers(), []);
    assert.equal(await downloadWeights(`${base}/files/${name}`, { progress: false, checkHash: false }), cached(name));
  });

  test('an interrupted transfer: an error naming the URL and no file, not even a partial one', async () => {
    const url = `${base}/cut/${goodName}`;
    await assert.rejects(downloadWeights(url, { progress: false }), (e: Error) =>
      e.message.startsWith(`downloadWeights: the download of ${url} was interrupted after ${bytes.length >> 1} of ${bytes.length} bytes`) &&
      e.message.endsWith('nothing was written, run again to retry'));
    assert.deepEqual(leftovers(), []);
  });

  test('404: the status and the URL', async () => {
    await assert.rejects(downloadWeights(`${base}/nowhere/x-12345678.pth`, { progress: false }),
      { message: `downloadWeights: GET ${base}/nowhere/x-12345678.pth answered 404 Not Found; check the URL` });
  });

  test('offline (CNNKIT_OFFLINE=1 or nothing listening): says which file to put where, and asks nothing of the network', async () => {
    const weights = weightsAt(`/files/${goodName}`, goodName);
    const where = `put it at ${cached(goodName)}; it will be used from there next time ` +
      `(a copy at ${join(process.env.TORCH_HOME!, 'hub', 'checkpoints', goodName)}, torch.hub's cache, works too)`;
    process.env.CNNKIT_OFFLINE = '1';
    try {
      await assert.rejects(downloadWeights(weights, { progress: false }), {
        message: `downloadWeights: cannot download ${weights.url} (offline: CNNKIT_OFFLINE is set). Download it where the network is reachable and ${where}`,
      });
      assert.deepEqual(requests, []);
    } finally {
      delete process.env.CNNKIT_OFFLINE;
    }
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = { ...weights, url: `http://127.0.0.1:${port}/files/${goodName}` };
    await assert.rejects(downloadWeights(unreachable, { progress: false }), (e: Error) =>
      e.message.startsWith(`downloadWeights: cannot download ${unreachable.url} (the network is not reachable: connect ECONNREFUSED`) &&
      e.message.endsWith(where));
    // Once the file is put there, it is used.
    mkdirSync(join(hubDir(), 'checkpoints'), { recursive: true });
    writeFileSync(cached(goodName), bytes);
    assert.equal(await downloadWeights(weights, { offline: true }), cached(goodName));
  });

  test('a published weights name: offline, the real URL and the cache path; cachedWeightsPath finds it once it is there', async () => {
    const path = cached('resnet18-f37072fd.pth');
    await assert.rejects(downloadWeights('ResNet18_Weights.IMAGENET1K_V1', { offline: true }), (e: Error) =>
      e.message.startsWith('downloadWeights: cannot download https://download.pytorch.org/models/resnet18-f37072fd.pth (offline: {offline: true}). ' +
        `Download it where the network is reachable and put it at ${path}; it will be used from there next time`));
    assert.throws(() => cachedWeightsPath('ResNet18_Weights.IMAGENET1K_V1'), {
      message: "cachedWeightsPath: ResNet18_Weights.IMAGENET1K_V1 is not downloaded yet; run `await hub.downloadWeights('ResNet18_Weights.IMAGENET1K_V1')` " +
        `(or use hub.load) first, or download https://download.pytorch.org/models/resnet18-f37072fd.pth and put it at ${path}`,
    });
    mkdirSync(join(hubDir(), 'checkpoints'), { recursive: true });
    writeFileSync(path, bytes);
    assert.equal(cachedWeightsPath(getWeights('IMAGENET1K_V1', 'resnet18')), path);
    assert.equal(await downloadWeights('ResNet18_Weights.IMAGENET1K_V1'), path);
    assert.throws(() => cachedWeightsPath('ResNet18_Weights.V9'), /^Error: getWeights: ResNet18_Weights has no entry 'V9'/);
  });

  test('without a terminal the progress is one line at the start and one at the end', async () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => { lines.push(String(chunk)); return true; }) as typeof write;
    try {
      await downloadWeights(`${base}/files/${goodName}`, { cacheDir: join(dir, 'elsewhere') });
    } finally {
      process.stderr.write = write;
    }
    assert.equal(lines.length, 2);
    assert.equal(lines[0], `Downloading ${base}/files/${goodName} to ${join(dir, 'elsewhere', goodName)} (${(bytes.length / 1e6).toFixed(1)} MB)\n`);
    assert.match(lines[1], new RegExp(`^Downloaded ${goodName} \\(0\\.0 MB\\) in \\d+\\.\\d s\\n$`));
  });

  test('bad sources are refused', async () => {
    await assert.rejects(downloadWeights('ftp://example/x.pth'), { name: 'TypeError', message: "downloadWeights: expected registry weights, a weights name or an http(s) URL, got 'ftp://example/x.pth'" });
    await assert.rejects(downloadWeights(42 as never), { name: 'TypeError', message: 'downloadWeights: expected registry weights, a weights name or an http(s) URL, got number' });
  });
});

describe('loadWeights', () => {
  test('from registry-style weights, a URL, a .pth path and a .safetensors path, with the same values', async () => {
    const before = torch.memory().numTensors;
    const safetensors = join(dir, 'tiny.safetensors');
    const fromPath = loadWeights(source);
    torch.save(await fromPath, safetensors);
    for (const from of [weightsAt(`/files/${goodName}`, goodName), `${base}/files/${goodName}`, source, safetensors]) {
      const sd = await loadWeights(from, { progress: false });
      assert.deepEqual(Object.keys(sd), ['weight', 'bias']);
      assert.deepEqual(sd.weight.tolist(), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
      assert.deepEqual(sd.bias.tolist(), [0.5, -1]);
      torch.dispose(sd);
    }
    torch.dispose(await fromPath);
    assert.equal(torch.memory().numTensors, before);
    assert.deepEqual(requests, [`/files/${goodName}`]);
  });

  test('a missing local file says what it accepts', async () => {
    await assert.rejects(loadWeights(join(dir, 'nope.pth')), { message: `loadWeights: no file ${join(dir, 'nope.pth')}; pass a path to a .pth/.pt/.bin/.safetensors file, a URL or registry weights` });
  });
});
