// The epoch case: one epoch of Fashion-MNIST training of lecture_cnn (batch norm, dropout 0.5, Adam), data
// loading included, in cnnkit (FashionMNIST → DataLoader → Trainer) and in PyTorch (its TensorDataset and
// DataLoader) on the same images. The sides run one after the other, twice each (cnnkit, PyTorch, PyTorch, cnnkit).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { data, models, optim, torch, train } from '../src/index.js';
import { PYTHON } from './pytorch.js';

const SCRIPT = fileURLToPath(new URL('../../bench/pytorch_epoch.py', import.meta.url));

async function cnnkitEpoch(dataset: data.Dataset): Promise<number> {
  torch.manualSeed(0);
  const model = models.lectureCnn({ inChannels: 1, numClasses: 10, inputSize: 28, batchNorm: true, dropout: 0.5 });
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.001 });
  const trainer = new train.Trainer({ model, optimizer, progress: 'quiet' });
  const loader = new data.DataLoader(dataset, { batchSize: 128, shuffle: true, seed: 0 });
  const start = performance.now();
  await trainer.fit(loader, { epochs: 1 });
  const seconds = (performance.now() - start) / 1000;
  optimizer.dispose();
  model.dispose();
  return seconds;
}

function pytorchEpoch(files: { images: string; labels: string }, count: number, threads: number): { seconds: number; torch: string } {
  const run = spawnSync(PYTHON, [SCRIPT, files.images, files.labels, String(count), String(threads)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the PyTorch epoch failed: ${run.stderr.trim().split('\n').pop()}`);
  return JSON.parse(run.stdout);
}

/** Seconds per epoch on each side (the mean of two runs), on the first `count` training images (all: 60,000). */
export async function runEpochCase(threads: number, count: number): Promise<{ cnnkit: number; pytorch: number; pytorchVersion: string }> {
  const full = new data.FashionMNIST({ train: true });
  const n = Math.min(count, full.length);
  const subset = new data.Subset(full, Int32Array.from({ length: n }, (_, i) => i));
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-epoch-'));
  try {
    // The same images for PyTorch, as raw bytes.
    const files = { images: join(dir, 'images.u8'), labels: join(dir, 'labels.u8') };
    torch.tidy(() => {
      writeFileSync(files.images, full.data.narrow(0, 0, n).contiguous().toTypedArray() as Uint8Array);
      writeFileSync(files.labels, full.targets.narrow(0, 0, n).to('uint8').toTypedArray() as Uint8Array);
    });
    const ours: number[] = [];
    const theirs: number[] = [];
    let version = '?';
    for (const order of [0, 1]) {
      const runPytorch = () => {
        const r = pytorchEpoch(files, n, threads);
        theirs.push(r.seconds);
        version = r.torch;
      };
      if (order === 0) { ours.push(await cnnkitEpoch(subset)); runPytorch(); }
      else { runPytorch(); ours.push(await cnnkitEpoch(subset)); }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { cnnkit: mean(ours), pytorch: mean(theirs), pytorchVersion: version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
