// A trained run as a static web page that classifies images in the browser: index.html and its scripts, the model
// as ONNX, metadata.json (classes and preprocessing), and onnxruntime-web's WebAssembly CPU backend copied from its
// npm package, so that the folder works offline from any static file server (no CDN, no cross-origin isolation:
// one thread).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Classifier } from '../run/classifier.js';
import { noGrad } from '../torch/autograd.js';
import { zeros } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import { Grayscale, Normalize } from '../transforms/color.js';
import { CenterCrop, Resize } from '../transforms/geometry.js';
import { FeaturewiseStandardization, ZCAWhitening } from '../transforms/statistics.js';
import type { Transform } from '../transforms/transform.js';
import { UsageError } from '../util/usage-error.js';

/** What metadata.json says, and the page reads. */
export const WEB_APP_FORMAT = 'cnnkit-web-1';

/**
 * One of the run's steps after decoding, as plain data: the vocabulary of the ONNX export's preprocessing metadata
 * (type names and fields), which the page's preprocess.js reads.
 */
export type WebStep =
  | { type: 'featurewise'; mode: 'channel' | 'pixel'; center: boolean; scale: boolean; eps: number; shape: number[]; mean: number[]; std: number[] }
  | { type: 'zca'; epsilon: number; maxDim: number }
  | { type: 'grayscale'; channels: 1 | 3 }
  | { type: 'resize'; size: number | number[]; interpolation: string; antialias: boolean; maxSize?: number }
  | { type: 'center_crop'; size: [number, number] }
  | { type: 'normalize'; mean: number[]; std: number[] };

export interface WebPreprocessing {
  /** How the file is decoded: the run's channels and size (shorter side scaled with Lanczos-3, centre cropped), [0, 1]. */
  decode: { channels: 1 | 3; size: [number, number]; fit: 'cover'; kernel: 'lanczos3'; range: [0, 1] };
  /** Applied in order to the decoded C×H×W image. */
  steps: WebStep[];
  /** What the model takes: one image's [channels, height, width] after the steps. */
  input: [number, number, number];
}

/** The steps preprocess.js applies. */
const PAGE_STEPS = new Set(['featurewise', 'grayscale', 'resize', 'center_crop', 'normalize']);

export interface WebAppOptions {
  /** The model as ONNX bytes, instead of exporting the run's model (e.g. a file another exporter wrote). */
  onnx?: Uint8Array;
  /** How many classes the page lists for an image (default 5, at most the run's classes). */
  topK?: number;
  /** The page's title (default: the run folder's name). */
  title?: string;
  /** The caller's name in messages (default 'export'). */
  command?: string;
}

export interface WebApp {
  /** The folder written. */
  dir: string;
  /** Its files, relative to it. */
  files: string[];
}

/** The page's own files, shipped with the package beside the compiled code (src/export/web/). */
const PAGE_FILES = ['index.html', 'app.js', 'preprocess.js'];
const pageSource = (): string => fileURLToPath(new URL('../../../src/export/web/', import.meta.url));

/**
 * onnxruntime-web's files for the plain WebAssembly CPU backend: the ES module, its Emscripten loader and the wasm
 * binary (the multi-threaded build, which runs on one thread where the page is not cross-origin isolated).
 */
const RUNTIME_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

function runtimeSource(): string {
  try {
    // The package's CommonJS entry of its wasm build lies in dist/, beside the files the page needs.
    return dirname(createRequire(import.meta.url).resolve('onnxruntime-web/wasm'));
  } catch (error) {
    throw new Error(`cannot find the npm package onnxruntime-web, whose WebAssembly runtime the page needs (${(error as Error).message}); run npm install`);
  }
}

/** The floats of a tensor, flattened. */
const values = (t: Tensor): number[] => tidy(() => t.to('float32').flatten().tolist() as number[]);

function describeStep(step: Transform, command: string): WebStep {
  if (step instanceof FeaturewiseStandardization) {
    const { mean, std } = step.stateDict();
    return { type: 'featurewise', mode: step.mode, center: step.center, scale: step.scale, eps: step.eps, shape: mean.shape, mean: values(mean), std: values(std) };
  }
  if (step instanceof ZCAWhitening) return { type: 'zca', epsilon: step.epsilon, maxDim: step.maxDim };
  if (step instanceof Grayscale) return { type: 'grayscale', channels: step.numOutputChannels };
  if (step instanceof Resize) {
    return { type: 'resize', size: step.size, interpolation: step.interpolation, antialias: step.antialias, ...(step.maxSize === undefined ? {} : { maxSize: step.maxSize }) };
  }
  if (step instanceof CenterCrop) return { type: 'center_crop', size: step.size };
  if (step instanceof Normalize) return { type: 'normalize', mean: [...step.mean], std: [...step.std] };
  throw new UsageError(`${command}: the web page cannot apply the preprocessing step ${step.constructor.name}`);
}

/** The classifier's preprocessing (decoding, then its steps) and the input shape its model takes, as plain data. */
export function webPreprocessing(classifier: Classifier, command = 'export'): WebPreprocessing {
  const { mode, size } = classifier.decode;
  const channels = mode === 'gray' ? 1 : 3;
  // The steps run on a blank decoded image tell the model's input shape (a preset's crop, the adapter's channels).
  const input = tidy(() => noGrad(() => classifier.steps.reduce((x, step) => step.forward(x), zeros([channels, size[0], size[1]])).shape));
  return {
    decode: { channels, size: [size[0], size[1]], fit: 'cover', kernel: 'lanczos3', range: [0, 1] },
    steps: classifier.steps.map((step) => describeStep(step, command)),
    input: input as [number, number, number],
  };
}

/** A step that the page's script cannot apply is a usage error that names it. */
function checkPageApplies(preprocessing: WebPreprocessing, command: string): void {
  preprocessing.steps.forEach((step, i) => {
    if (!PAGE_STEPS.has(step.type)) {
      throw new UsageError(`${command}: the web page cannot apply the run's preprocessing step ${i + 1}, ${step.type}; ` +
        `it applies ${[...PAGE_STEPS].join(', ')}`);
    }
  });
}

/**
 * The model as ONNX bytes: cnnkit's exporter on the classifier's eval-mode model, one image of `inputShape` (what the
 * preprocessing gives) per batch row, the batch axis dynamic.
 */
function modelOnnx(classifier: Classifier, inputShape: [number, number, number], command: string): Uint8Array {
  throw new UsageError(`${command}: this build of cnnkit cannot write ${classifier.config.model} [${inputShape.join(', ')}] as ONNX; give the model's ONNX bytes (options.onnx)`);
}

/** Whether `dir` is a folder this function wrote before (so that replacing it loses nothing else). */
function isWebApp(dir: string): boolean {
  try {
    return JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')).format === WEB_APP_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Writes the static site of a run folder (its best.safetensors), one of its checkpoints, or an open Classifier to
 * `outDir`: built in a temporary folder beside it, then renamed into place. An existing `outDir` is replaced only
 * when it is empty or a page written before.
 */
export function writeWebApp(run: string | Classifier, outDir: string, options: WebAppOptions = {}): WebApp {
  const command = options.command ?? 'export';
  if (typeof outDir !== 'string' || outDir === '') throw new UsageError(`${command}: give the folder to write the web page to (--out DIR)`);
  const dir = resolve(outDir);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !isWebApp(dir)) {
    throw new UsageError(`${command}: ${outDir} exists and is not a web page of cnnkit export; give a new or empty folder`);
  }
  const classifier = typeof run === 'string' ? new Classifier(run, { command }) : run;
  const preprocessing = webPreprocessing(classifier, command);
  checkPageApplies(preprocessing, command);
  const topK = options.topK ?? Math.min(5, classifier.classes.length);
  if (!Number.isInteger(topK) || topK < 1 || topK > classifier.classes.length) {
    throw new UsageError(`${command}: topK must be an integer from 1 to ${classifier.classes.length}, got ${String(options.topK)}`);
  }
  const onnx = options.onnx ?? modelOnnx(classifier, preprocessing.input, command);
  if (!(onnx instanceof Uint8Array) || onnx.length === 0) throw new TypeError(`${command}: options.onnx must be the model's ONNX bytes (a non-empty Uint8Array)`);
  const runtime = runtimeSource();
  const page = pageSource();

  mkdirSync(dirname(dir), { recursive: true });
  const building = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  const replaced = `${building}-old`;
  mkdirSync(building);
  try {
    for (const file of PAGE_FILES) copyFileSync(join(page, file), join(building, file));
    for (const file of RUNTIME_FILES) copyFileSync(join(runtime, file), join(building, file));
    writeFileSync(join(building, 'model.onnx'), onnx);
    const metadata = {
      format: WEB_APP_FORMAT,
      title: options.title ?? basename(classifier.dir),
      model: classifier.config.model,
      classes: [...classifier.classes],
      topK,
      ...preprocessing,
    };
    writeFileSync(join(building, 'metadata.json'), `${JSON.stringify(metadata, null, 1)}\n`);
    if (existsSync(dir)) renameSync(dir, replaced);
    renameSync(building, dir);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    if (existsSync(replaced) && !existsSync(dir)) renameSync(replaced, dir);
    throw error;
  }
  rmSync(replaced, { recursive: true, force: true });
  return { dir, files: readdirSync(dir).sort() };
}
