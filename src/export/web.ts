// A trained run as a static web page that classifies images in the browser: index.html and its scripts, the model
// as ONNX, metadata.json (classes and preprocessing), and onnxruntime-web's WebAssembly CPU backend copied from its
// npm package, so that the folder works offline from any static file server (no CDN, no cross-origin isolation:
// one thread).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Classifier } from '../run/classifier.js';
import { UsageError } from '../util/usage-error.js';
import { classifierToOnnx } from './export-run.js';
import { describePreprocessing, type Preprocessing } from '../run/preprocessing.js';

/** What metadata.json says, and the page reads. */
export const WEB_APP_FORMAT = 'cnnkit-web-1';

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

/** A step that the page's script cannot apply is a usage error that names it. */
function checkPageApplies(preprocessing: Preprocessing, command: string): void {
  preprocessing.steps.forEach((step, i) => {
    if (!PAGE_STEPS.has(step.type)) {
      throw new UsageError(`${command}: the web page cannot apply the run's preprocessing step ${i + 1}, ${step.type}; ` +
        `it applies ${[...PAGE_STEPS].join(', ')}`);
    }
  });
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
  const preprocessing = describePreprocessing(classifier);
  checkPageApplies(preprocessing, command);
  const topK = options.topK ?? Math.min(5, classifier.classes.length);
  if (!Number.isInteger(topK) || topK < 1 || topK > classifier.classes.length) {
    throw new UsageError(`${command}: topK must be an integer from 1 to ${classifier.classes.length}, got ${String(options.topK)}`);
  }
  const onnx = options.onnx ?? classifierToOnnx(classifier).bytes;
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
