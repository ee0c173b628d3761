// What the ONNX tests share: models given non-trivial weights, an exported file run by onnxruntime-node next to
// cnnkit's eval-mode forward, and Debian's onnx checker over written files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';

import { BatchNorm1d, BatchNorm2d } from '../../src/nn/layers/batchnorm.js';
import type { Module } from '../../src/nn/module.js';
import { noGrad } from '../../src/torch/autograd.js';
import { rand, randn } from '../../src/torch/creation.js';
import { tidy } from '../../src/torch/scope.js';
import type { Tensor } from '../../src/torch/tensor.js';

/**
 * Weights a check can see through, as a trained model's are: parameters that start constant (zero biases, batch
 * norms' 1 and 0, ViT's zero head and class token, ConvNeXt's 1e-6 layer scale) get random values, and every batch
 * norm running statistics away from 0 and 1 that fit its inputs: the per-channel mean and variance of a
 * training-mode forward on random images, perturbed. (Statistics that fit nothing would make deep networks
 * forget their input, and a comparison of near-constant outputs would prove little.)
 */
export function randomizeWeights(model: Module, inputShape: number[]): void {
  noGrad(() => tidy(() => {
    for (const p of model.parameters()) {
      if (p.min().item() === p.max().item()) p.normal_(p.min().item() === 1 ? 1 : 0, 0.2);
    }
    const norms = model.modules().filter((m): m is BatchNorm1d | BatchNorm2d => m instanceof BatchNorm1d || m instanceof BatchNorm2d);
    const seen = new Map<Module, { mean: Tensor; variance: Tensor }>();
    const handles = norms.map((m) => m.registerForwardHook((module, [x]) => {
      const dims = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
      if (!seen.has(module)) seen.set(module, { mean: x.mean(dims), variance: x.var(dims, false) });
    }));
    model.train();
    model.forward(randn([16, ...inputShape]));
    model.eval();
    handles.forEach((h) => h.remove());
    for (const m of norms) {
      const { mean, variance } = seen.get(m)!;
      m.running_mean?.copy_(mean.add(randn(mean.shape).mul(variance.sqrt()).mul(0.1)));
      m.running_var?.copy_(variance.mul(rand(variance.shape).mul(0.5).add(0.75)));
    }
  }));
}

export interface Comparison {
  /** max |onnxruntime − cnnkit| / max |cnnkit| over the batch's outputs. */
  relative: number;
  /** The largest |cnnkit output|. */
  scale: number;
  /** max |row i − row 0| / max |cnnkit| of cnnkit's outputs: above 0 when the images give different outputs. */
  spread: number;
}

/** Runs `bytes` with onnxruntime-node and `model` in eval mode on the same random batch of `batch` images. */
export async function compareOutputs(session: ort.InferenceSession, model: Module, inputShape: number[], batch: number): Promise<Comparison> {
  const x = randn([batch, ...inputShape]);
  const expected = tidy(() => noGrad(() => model.forward(x)).contiguous().toTypedArray() as Float32Array);
  const outputs = await session.run({ input: new ort.Tensor('float32', x.toTypedArray() as Float32Array, x.shape) });
  x.dispose();
  const actual = outputs.output;
  assert.equal(actual.dims[0], batch, 'the batch axis is dynamic');
  const got = actual.data as Float32Array;
  assert.equal(got.length, expected.length);
  const width = expected.length / batch;
  let difference = 0;
  let scale = 0;
  let spread = 0;
  expected.forEach((e, i) => {
    difference = Math.max(difference, Math.abs(got[i] - e));
    scale = Math.max(scale, Math.abs(e));
    spread = Math.max(spread, Math.abs(e - expected[i % width]));
  });
  return { relative: difference / scale, scale, spread: spread / scale };
}

export const createSession = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { intraOpNumThreads: 2, interOpNumThreads: 1 });

/** The model's operator types, in node order. */
export const opTypes = (bytes: Uint8Array): string[] => onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType!);

export const decodeModel = (bytes: Uint8Array) => onnxProto.onnx.ModelProto.decode(bytes);

/**
 * Debian's onnx (1.12) `onnx.checker.check_model(onnx.load(path), full_check=True)` in one Python process that
 * checks each file as it is given (while the caller goes on exporting); done() gives each file's verdict, 'ok' or
 * the checker's message.
 */
export function startOnnxChecker(): { check(path: string): void; done(): Promise<Record<string, string>> } {
  const script = [
    'import json, sys, onnx',
    'for line in sys.stdin:',
    '    path = line.rstrip("\\n")',
    '    try:',
    '        onnx.checker.check_model(onnx.load(path), full_check=True)',
    '        verdict = "ok"',
    '    except Exception as error:',
    '        verdict = f"{type(error).__name__}: {error}"',
    '    print(json.dumps([path, verdict]), flush=True)',
  ].join('\n');
  const python = spawn('/usr/bin/python3', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  python.stdout.on('data', (chunk) => (stdout += chunk));
  python.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => python.on('close', resolve));
  return {
    check: (path) => python.stdin.write(`${path}\n`),
    done: async () => {
      python.stdin.end();
      assert.equal(await exited, 0, stderr);
      return Object.fromEntries(stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)));
    },
  };
}
