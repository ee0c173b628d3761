// The augmentation case: a folder of 64×64 JPEGs decoded, augmented (random resized crop, flip, colour jitter, random
// erasing, normalize) and batched, in cnnkit (ImageFolder → DataLoader with worker threads) and in torchvision
// (ImageFolder → transforms.Compose → torch DataLoader with worker processes), in images per second. The sides take
// turns (cnnkit, torchvision, torchvision, cnnkit), each pass over the whole folder, worker start-up included.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { data, F, torch, transforms as T } from '../src/index.js';
import { saveImage } from '../src/data/image.js';
import { PYTHON } from './pytorch.js';

const SCRIPT = fileURLToPath(new URL('../../bench/pytorch_augment.py', import.meta.url));
const SIZE = 64;
const BATCH = 64;
const WORKERS = 2;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/**
 * Where cnnkit augments: every step per sample in the worker threads, or only the crop there (it makes the images one
 * size) and the other steps on whole batches after collation, each image with its own random parameters.
 */
export type AugmentMode = 'batched' | 'per-sample';

/** `count` JPEGs of smooth random colour fields in 4 class folders, made once per run. */
function makeFolder(count: number): string {
  const root = mkdtempSync(join(tmpdir(), 'cnnkit-bench-augment-'));
  torch.manualSeed(0);
  for (let i = 0; i < count; i++) {
    const folder = join(root, `class${i % 4}`);
    if (i < 4) mkdirSync(folder);
    torch.tidy(() => {
      const coarse = torch.rand([1, 3, 8, 8]);
      const image = F.interpolate(coarse, { size: [SIZE, SIZE], mode: 'bilinear', alignCorners: false }).squeeze(0).add(torch.rand([3, SIZE, SIZE]).mul(0.1)).clamp(0, 1);
      saveImage(join(folder, `${i}.jpg`), image, { quality: 90 });
    });
  }
  return root;
}

/** The pipeline in torchvision's order: crop, flip and jitter on uint8 pixels, then to float, erase, normalize. */
const pipeline = (): T.Transform[] => [
  new T.RandomResizedCrop(SIZE), new T.RandomHorizontalFlip(), new T.ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4 }),
  new T.ToDtype('float32', { scale: true }), new T.RandomErasing(), new T.Normalize(MEAN, STD),
];

/** Images per second of one pass over the folder. */
async function cnnkitPass(root: string, mode: AugmentMode, epoch: number): Promise<number> {
  const steps = pipeline();
  const inWorkers = mode === 'per-sample' ? steps : steps.slice(0, 1);
  const folder = new data.ImageFolder(root, { dtype: 'uint8', checkFiles: false, transform: new T.Compose(inWorkers) });
  const loader = new data.DataLoader(folder, { batchSize: BATCH, shuffle: true, seed: 0, numWorkers: WORKERS });
  loader.epoch = epoch;
  const batched = new T.Compose(steps.slice(1));
  let seen = 0;
  const start = performance.now();
  let b = 0;
  for await (const batch of loader) {
    // A batch's random parameters come from (seed, epoch, batch), one draw per image.
    if (mode === 'batched') torch.tidy(() => data.withRandom(new data.Random(0, epoch, b), () => batched.forward(batch.inputs)));
    seen += batch.inputs.shape[0];
    torch.dispose(batch);
    b++;
  }
  return seen / ((performance.now() - start) / 1000);
}

function torchvisionPass(root: string, threads: number): { imagesPerSecond: number; torch: string } {
  const run = spawnSync(PYTHON, [SCRIPT, root, String(SIZE), String(BATCH), String(WORKERS), String(threads), '1'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the torchvision pipeline failed: ${run.stderr.trim().split('\n').pop()}`);
  const result = JSON.parse(run.stdout);
  return { imagesPerSecond: result.images_per_second[0], torch: `${result.torch}, torchvision ${result.torchvision}` };
}

/** Images per second on each side (two passes each, alternating), with `images` JPEGs. */
export async function runAugmentCase(threads: number, images: number, mode: AugmentMode): Promise<{ cnnkit: number[]; pytorch: number[]; pytorchVersion: string }> {
  const root = makeFolder(images);
  try {
    await cnnkitPass(root, mode, 0); // warms up sharp, the workers' imports and libtorch
    const ours: number[] = [];
    const theirs: number[] = [];
    let version = '?';
    const runTorchvision = () => {
      const r = torchvisionPass(root, threads);
      theirs.push(r.imagesPerSecond);
      version = r.torch;
    };
    for (const order of [0, 1]) {
      if (order === 0) { ours.push(await cnnkitPass(root, mode, 1 + order)); runTorchvision(); }
      else { runTorchvision(); ours.push(await cnnkitPass(root, mode, 1 + order)); }
    }
    return { cnnkit: ours, pytorch: theirs, pytorchVersion: version };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
