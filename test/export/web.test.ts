// The web page of a trained run in Debian's headless chromium: served on loopback, given 20 test images through
// ?image= and one through the file input, it names the class cnnkit's prediction names, with probabilities within
// 0.03. Its preprocessing (preprocess.js) is checked in Node against cnnkit's decoding and transforms, and bad input
// to writeWebApp and `cnnkit export` gets one clear error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import sharp from 'sharp';

import { describePreprocessing } from '../../src/run/preprocessing.js';
import { writeWebApp } from '../../src/export/web.js';
import { readImage } from '../../src/data/image.js';
import { Classifier } from '../../src/run/classifier.js';
import { tidy } from '../../src/torch/scope.js';
import { tensor } from '../../src/torch/creation.js';
import { decodeJpeg } from '../../src/torch/jpeg.js';
import { Grayscale, Normalize } from '../../src/transforms/color.js';
import { CenterCrop, Resize } from '../../src/transforms/geometry.js';
import type { Transform } from '../../src/transforms/transform.js';
import { CHROMIUM } from '../interpret/browser.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = join(root, 'dist/src/cli/main.js');
const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
// The page's own script, imported here as the browser imports it.
const preprocess = await import(new URL('src/export/web/preprocess.js', `file://${root}`).href);

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-web-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** An SVG of a disc, bars or a tilted square on a background, its size (times `scale`) and colours varying with i. */
function shape(kind: string, i: number, scale = 1): Buffer {
  const w = Math.round((24 + ((i * 37) % 97)) * scale);
  const h = Math.round((24 + ((i * 53) % 89)) * scale);
  const hue = (i * 47) % 360;
  const m = Math.min(w, h);
  const fg = `hsl(${hue},70%,${55 + (i % 4) * 8}%)`;
  const body = kind === 'disc' ? `<circle cx="${w / 2 + (i % 3) - 1}" cy="${h / 2}" r="${m * (0.25 + (i % 4) * 0.04)}" fill="${fg}"/>`
    : kind === 'bars' ? Array.from({ length: 4 }, (_, k) => `<rect x="${(k * w) / 4}" y="0" width="${w / 8}" height="${h}" fill="${fg}"/>`).join('')
    : `<rect x="${w * 0.2}" y="${h * 0.2}" width="${w * 0.6}" height="${h * 0.6}" fill="${fg}" transform="rotate(${i % 30} ${w / 2} ${h / 2})"/>`;
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">` +
    `<rect width="100%" height="100%" fill="hsl(${(hue + 180) % 360},40%,${20 + (i % 5) * 8}%)"/>${body}</svg>`);
}

// Three classes of PNG and JPEG files from 24 to 120 pixels a side, shrunk and enlarged to the run's 32×32; one test
// JPEG of each class (about 200×125) is shrunk enough for sharp's JPEG shrink-on-load.
const data = join(dir, 'shapes');
const classes = ['bars', 'disc', 'square'];
for (const split of ['train', 'test']) {
  for (const kind of classes) {
    mkdirSync(join(data, split, kind), { recursive: true });
    for (let i = 0; i < (split === 'train' ? 30 : 7); i++) {
      const j = split === 'train' ? i : 1000 + i;
      const image = sharp(shape(kind, j, j === 1003 ? 2.5 : 1));
      await (j % 2 ? image.jpeg({ quality: 90 }) : image.png()).toFile(join(data, split, kind, `${kind}-${i}.${j % 2 ? 'jpg' : 'png'}`));
    }
  }
}
// Featurewise statistics make the page apply a fitted step too.
const run = join(dir, 'run');
const trained = cnnkit('train', '--data', data, '--epochs', '4', '--batch-size', '16', '--image-size', '32', '--threads', '2',
  '--augment', 'featurewise', '--quiet', '--out', run);
assert.equal(trained.status, 0, trained.stderr);
const testImages = classes.flatMap((kind) => readdirSync(join(data, 'test', kind)).map((f) => join(data, 'test', kind, f))).slice(0, 20);

const site = join(dir, 'site');
const classifier = new Classifier(run);
const written = writeWebApp(classifier, site);

const types: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream', '.png': 'image/png', '.jpg': 'image/jpeg', '.txt': 'text/plain',
};

/** A static file server of the site at / and the data folder at /images/, on loopback. */
async function serve(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const [base, rest] = path.startsWith('/images/') ? [data, path.slice('/images/'.length)] : [site, path.slice(1) || 'index.html'];
    const file = normalize(join(base, rest));
    if (relative(base, file).startsWith('..') || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/** The page's answer: #result's text and state, and every class's probability from its table. */
async function answer(page: Page): Promise<{ state: string; text: string; probabilities: Record<string, number> }> {
  await page.waitForSelector('#result[data-state="done"], #result[data-state="error"]', { timeout: 60_000 });
  const [state, text] = await page.$eval('#result', (result) => [result.getAttribute('data-state') ?? '', result.textContent ?? '']);
  const rows = await page.$$eval('#top tr', (all) => all.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')));
  return { state, text, probabilities: Object.fromEntries(rows.map(([name, p]) => [name, Number(p)])) };
}

async function withPage(use: (page: Page, url: string, errors: string[]) => Promise<void>): Promise<void> {
  const { server, url } = await serve();
  let browser: Browser | undefined;
  try {
    // --no-sandbox: chromium's sandbox refuses to run as root, as tests in containers do
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'], protocolTimeout: 120_000 });
    const page = await browser.newPage();
    page.setDefaultTimeout(60_000);
    const errors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('requestfailed', (request) => errors.push(`failed to load ${request.url()}`));
    await use(page, url, errors);
  } finally {
    await browser?.close();
    await new Promise((done) => server.close(done));
  }
}

test('the site holds the page, the model, its metadata and onnxruntime-web\'s wasm CPU backend alone', () => {
  assert.deepEqual(written.files, ['app.js', 'index.html', 'metadata.json', 'model.onnx', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort.wasm.min.mjs', 'preprocess.js']);
  const metadata = JSON.parse(readFileSync(join(site, 'metadata.json'), 'utf8'));
  assert.deepEqual(metadata.classes, classes);
  assert.deepEqual(metadata.decode, { channels: 3, size: [32, 32], fit: 'cover', kernel: 'lanczos3', jpeg: 'draft, bilinear antialiased', png: 'bilinear antialiased', range: [0, 1] });
  assert.deepEqual(metadata.input, [3, 32, 32]);
  assert.deepEqual(metadata.steps.map((s: { type: string; shape: number[] }) => [s.type, s.shape]), [['featurewise', [3, 1, 1]]]);
  assert.equal(metadata.steps[0].mean.length, 3);
  assert.equal(metadata.topK, 3);
  // Nothing in the page reaches beyond its folder.
  for (const file of ['index.html', 'app.js']) assert.doesNotMatch(readFileSync(join(site, file), 'utf8'), /https?:\/\//, file);
});

/**
 * A file's RGBA pixels as the page gets them from the browser: a JPEG's are libjpeg-turbo's at full size (a browser
 * test below checks that chromium's equal them), others' sharp's.
 */
async function browserPixels(path: string): Promise<{ rgba: Uint8Array; info: { width: number; height: number } }> {
  if (!path.endsWith('.jpeg') && !path.endsWith('.jpg')) {
    const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { rgba: data, info };
  }
  const rgb = tidy(() => decodeJpeg(readFileSync(path), { mode: 'rgb' }).permute(1, 2, 0).contiguous());
  const [height, width] = rgb.shape;
  const pixels = rgb.toTypedArray() as Uint8Array;
  rgb.dispose();
  const rgba = new Uint8Array(width * height * 4).fill(255);
  for (let p = 0; p < width * height; p++) rgba.set(pixels.subarray(p * 3, p * 3 + 3), p * 4);
  return { rgba, info: { width, height } };
}

test('preprocess.js decodes the test images as cnnkit does: PNGs and JPEGs within 1 level, or 6 at a DCT scale; a WebP (libvips) enlarged within 1', async () => {
  let worst = 0;
  const files = [[48, 40, 'png'], [100, 64, 'png'], [150, 90, 'jpeg'], [31, 27, 'png'], [20, 20, 'jpeg'], [200, 130, 'jpeg'], [300, 300, 'png'], [31, 27, 'webp']] as const;
  for (const [width, height, format] of files) {
    const path = join(dir, `noise.${format}`);
    const noise = Buffer.alloc(width * height * 3, 0).map((_, i) => (Math.sin(i * 0.37) * 0.5 + 0.5) * 200 + ((i * 7919) % 56));
    await sharp(noise, { raw: { width, height, channels: 3 } }).toFormat(format, format === 'webp' ? { lossless: true } : {}).toFile(path);
    for (const mode of ['rgb', 'gray'] as const) {
      const { rgba, info } = await browserPixels(path);
      const mine = preprocess.decodeAtSize(rgba, info.width, info.height, { size: [32, 32], channels: mode === 'gray' ? 1 : 3 }, format === 'webp' ? 'other' : format);
      const reference = readImage(path, { size: 32, mode });
      const expected = reference.toTypedArray() as Uint8Array;
      reference.dispose();
      const differences = Array.from(expected, (v, i) => Math.abs(v - mine.data[i]));
      const largest = Math.max(...differences);
      // A JPEG at a DCT scale (2× or more smaller): libjpeg scales in the DCT, the page averages boxes (measured up to
      // 6 levels). Otherwise rounding: cnnkit's resize rounds once where the page rounds after the luma too, and
      // libvips enlarging a WebP (31×27, sharp's path) interpolates in one pass where the page rounds after two: 1 level
      // at most. (A WebP shrunk is not compared: libvips' WebP loader shrinks on load, which the page does not copy.)
      const dctScaled = format === 'jpeg' && Math.min(Math.floor(width / 32), Math.floor(height / 32)) >= 2;
      const allowed = dctScaled ? 6 : 1;
      assert.ok(largest <= allowed, `${width}×${height} ${format} ${mode}: ${largest} levels apart`);
      worst = Math.max(worst, largest);
    }
  }
  assert.ok(worst <= 6);
});

test('preprocess.js applies resize, centre crop, gray to RGB and normalize as cnnkit\'s transforms', () => {
  const image = tidy(() => tensor(Array.from({ length: 1 * 37 * 45 }, (_, i) => (Math.sin(i * 0.11) + 1) / 2)).reshape([1, 37, 45]));
  const cases: Transform[][] = [
    [new Grayscale(3), new Resize(24), new CenterCrop(20), new Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])],
    [new Resize([50, 70], { interpolation: 'bicubic' }), new CenterCrop([48, 80])],
    [new Resize(20, { interpolation: 'bicubic', antialias: false })],
    [new Resize([30, 31], { antialias: false })],
    [new Resize(64, { interpolation: 'nearest' })],
    [new Resize(16, { maxSize: 18 })],
  ];
  for (const steps of cases) {
    const { steps: described } = describePreprocessing({ decode: { mode: 'gray', size: [37, 45] }, steps, config: { model: 'lecture_cnn', options: {} } } as unknown as Classifier);
    assert.deepEqual(preprocess.applySteps(new Float32Array(37 * 45), [1, 37, 45], described).shape, describePreprocessing({ decode: { mode: 'gray', size: [37, 45] }, steps, config: { model: 'lecture_cnn', options: {} } } as unknown as Classifier).input);
    const mine = preprocess.applySteps(image.toTypedArray(), image.shape, described);
    const expected = tidy(() => steps.reduce((x, step) => step.forward(x), image));
    assert.deepEqual(mine.shape, expected.shape, JSON.stringify(described));
    const values = expected.toTypedArray() as Float32Array;
    const largest = Math.max(...Array.from(values, (v, i) => Math.abs(v - mine.data[i])));
    assert.ok(largest < 1e-4, `${JSON.stringify(described.map((s: { type: string }) => s.type))}: ${largest} apart`);
    expected.dispose();
  }
  image.dispose();
});

// Each browser test is bounded: a page that never answers fails it instead of hanging the suite.
const BROWSER_TEST = { timeout: 240_000 };

test('in headless chromium, ?image= gives cnnkit predict\'s top class and probabilities within 0.03 on 20 test images, PNGs and JPEGs; the file input too', BROWSER_TEST, async (t) => {
  const { predictions } = await classifier.predict(testImages);
  assert.equal(predictions.length, 20);
  // The browser's JPEG pixels equal libjpeg-turbo's at full size; where cnnkit decodes at a DCT scale (bars-3.jpg,
  // 203×125 for 32×32), the page averages boxes instead, a few levels apart.
  const largest = { png: 0, jpeg: 0 };
  const disagreements: string[] = [];
  await withPage(async (page, url, errors) => {
    for (const [k, path] of testImages.entries()) {
      const image = `/images/${relative(data, path)}`;
      await page.goto(`${url}/index.html?image=${encodeURIComponent(image)}`, { waitUntil: 'load' });
      const seen = await answer(page);
      const expected = predictions[k];
      assert.equal(seen.state, 'done', `${image}: ${seen.text}`);
      assert.match(seen.text, /^\S+ \d\.\d{4}$/);
      const [name] = seen.text.split(' ');
      const kind = path.endsWith('.jpg') ? 'jpeg' : 'png';
      if (name !== expected.top[0].className) disagreements.push(`${image}: page ${seen.text}, cnnkit ${expected.top[0].className} ${expected.top[0].probability.toFixed(4)}`);
      classes.forEach((c, i) => { largest[kind] = Math.max(largest[kind], Math.abs(seen.probabilities[c] - expected.probabilities[i])); });
    }
    // A person picking a file: the file input, without ?image=.
    await page.goto(`${url}/index.html`, { waitUntil: 'load' });
    await page.waitForFunction("!document.getElementById('status').textContent.startsWith('Loading')");
    const input = await page.$('#file');
    await input!.uploadFile(testImages[7]);
    const picked = await answer(page);
    assert.equal(picked.state, 'done', picked.text);
    assert.equal(picked.text.split(' ')[0], predictions[7].top[0].className);
    assert.deepEqual(errors, []);
  });
  t.diagnostic(`largest difference of a class probability (page's 4 decimals vs cnnkit): PNGs ${largest.png.toExponential(2)}, ` +
    `JPEGs ${largest.jpeg.toExponential(2)}; other top classes: ${disagreements.join('; ') || 'none'}`);
  assert.deepEqual(disagreements, []);
  assert.ok(largest.png <= 0.03, `PNGs: ${largest.png}`);
  assert.ok(largest.jpeg <= 0.03, `JPEGs: ${largest.jpeg}`);
});

test('chromium decodes the test JPEGs to libjpeg-turbo\'s pixels exactly, as the page reads them', BROWSER_TEST, async () => {
  const jpegs = testImages.filter((path) => path.endsWith('.jpg'));
  assert.equal(jpegs.length, 9);
  await withPage(async (page, url) => {
    await page.goto(`${url}/index.html`, { waitUntil: 'load' });
    for (const path of jpegs) {
      // The page's own way to its pixels (app.js pixelsOf).
      const [width, height, seen] = await page.evaluate(`(async () => {
        const response = await fetch(${JSON.stringify(`/images/${relative(data, path)}`)});
        const bitmap = await createImageBitmap(await response.blob(), { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
        const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d', { willReadFrequently: true });
        context.drawImage(bitmap, 0, 0);
        return [bitmap.width, bitmap.height, Array.from(context.getImageData(0, 0, bitmap.width, bitmap.height, { colorSpace: 'srgb' }).data)];
      })()`) as [number, number, number[]];
      const { rgba, info } = await browserPixels(path);
      assert.deepEqual([width, height], [info.width, info.height], path);
      const apart = seen.reduce((worst, v, i) => Math.max(worst, Math.abs(v - rgba[i])), 0);
      assert.equal(apart, 0, `${path}: chromium's pixels are ${apart} levels from libjpeg-turbo's`);
    }
  });
});

test('the page says when an image cannot be classified, and keeps working', BROWSER_TEST, async () => {
  writeFileSync(join(data, 'notes.txt'), 'not an image');
  await withPage(async (page, url, errors) => {
    await page.goto(`${url}/index.html?image=${encodeURIComponent('/images/notes.txt')}`, { waitUntil: 'load' });
    const seen = await answer(page);
    assert.equal(seen.state, 'error');
    assert.match(seen.text, /^cannot classify this image: /);
    assert.equal(errors.length, 1, errors.join('\n'));
    await (await page.$('#file'))!.uploadFile(testImages[0]);
    await page.waitForSelector('#result[data-state="done"]');
  });
});

test('writeWebApp replaces its own page atomically and refuses a folder of other files, a step the page cannot apply, bad options', () => {
  const again = writeWebApp(classifier, site, { onnx: readFileSync(join(site, 'model.onnx')), topK: 2, title: 'Shapes' });
  assert.equal(JSON.parse(readFileSync(join(site, 'metadata.json'), 'utf8')).topK, 2);
  assert.equal(again.files.length, 8);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
  const other = join(dir, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'keep.txt'), 'mine');
  assert.throws(() => writeWebApp(classifier, other, { onnx: new Uint8Array(1) }), /export: .*other exists and is not a web page of cnnkit export; give a new or empty folder/);
  assert.equal(readFileSync(join(other, 'keep.txt'), 'utf8'), 'mine');
  assert.throws(() => writeWebApp(classifier, join(dir, 'k'), { onnx: new Uint8Array(1), topK: 4 }), /topK must be an integer from 1 to 3, got 4/);
  assert.throws(() => writeWebApp(classifier, join(dir, 'e'), { onnx: new Uint8Array(0) }), /options.onnx must be the model's ONNX bytes/);
  // A run whitened by ZCA: the page has no ZCA, and says so before writing anything.
  const zcaRun = join(dir, 'zca-run');
  const zcaTrained = cnnkit('train', '--data', data, '--epochs', '1', '--batch-size', '16', '--image-size', '16', '--threads', '2',
    '--augment', 'zca', '--quiet', '--out', zcaRun);
  assert.equal(zcaTrained.status, 0, zcaTrained.stderr);
  assert.throws(() => writeWebApp(zcaRun, join(dir, 'z'), { onnx: new Uint8Array(1) }),
    /export: the web page cannot apply the run's preprocessing step 1, zca; it applies featurewise, grayscale, resize, center_crop, normalize$/);
  assert.deepEqual(readdirSync(dir).filter((f) => ['k', 'e', 'z'].includes(f) || f.includes('.tmp-')), []);
});

test('bad usage of cnnkit export: one line, exit 2', () => {
  for (const [args, message] of [
    [['export', '--format', 'web', '--out', site], 'cnnkit: export: give --run DIR'],
    [['export', '--run', run, '--format', 'tflite', '--out', site], "cnnkit: export: unknown --format 'tflite'; formats: onnx, web"],
    [['export', '--run', run, '--format', 'web'], 'cnnkit: export: give --out, where to write it (a folder)'],
    [['export', '--run', run, '--checkpoint', join(run, 'best.safetensors'), '--format', 'web', '--out', site], 'cnnkit: export: give --run DIR or --checkpoint FILE, not both'],
    [['export', '--run', dir, '--format', 'web', '--out', join(dir, 'x')], `cnnkit: export: ${dir} holds no best.safetensors`],
  ] as const) {
    const result = cnnkit(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.ok(result.stderr.startsWith(message), `${args.join(' ')}: ${result.stderr}`);
  }
});
