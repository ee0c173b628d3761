// The augmentation cases: a folder of JPEGs decoded, augmented and batched, in cnnkit (ImageFolder → DataLoader with
// worker threads) and in torchvision (ImageFolder → transforms.Compose → torch DataLoader with worker processes), in
// images per second. 64×64 files through random resized crop, flip, colour jitter, random erasing and normalize; or
// photo-sized files (bench/photos.ts) through torchvision's ImageNet training pipeline (RandomResizedCrop(224), flip,
// colour jitter, to tensor, normalize; batch 32). The sides take turns (cnnkit, torchvision, torchvision, cnnkit)
// after an untimed pass each, every pass over the whole folder with persistent workers on both sides.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { data, F, torch, transforms as T } from '../src/index.js';
import { saveImage } from '../src/data/image.js';
import { makePhotoFolder } from './photos.js';
import { PYTHON } from './pytorch.js';

const SCRIPT = fileURLToPath(new URL('../../bench/pytorch_augment.py', import.meta.url));
const SIZE = 64;
const BATCH = 64;
const PHOTO_SIZE = 224;
const PHOTO_BATCH = 32;
const WORKERS = 2;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/**
 * How cnnkit runs the pipeline. 'batched': every step on each collated batch, as the DataLoader's collatedTransform in the
 * worker threads, in float from the start (the files are all one size, so the crop can wait for the batch).
 * 'cached': the same, with the decoded pixels kept in memory shared by the workers, so that only the first pass
 * decodes. 'per-sample': every step per sample in the workers, in torchvision's order. 'photos': photo-sized files
 * of different sizes, so each is cropped and resized to 224×224 and flipped on its own (on uint8, as torchvision does:
 * a flip of one small uint8 image costs less than choosing and flipping images of a float batch), and the rest (to
 * float, jitter, normalize) runs on the collated batch.
 */
export type AugmentMode = 'batched' | 'cached' | 'per-sample' | 'photos';

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

const crop = () => new T.RandomResizedCrop(SIZE);
const flip = () => new T.RandomHorizontalFlip();
const jitter = () => new T.ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4 });
const toFloat = () => new T.ToDtype('float32', { scale: true });

/** torchvision's order, per sample: crop, flip and jitter on uint8 pixels, then to float, erase, normalize. */
const perSample = () => new T.Compose([crop(), flip(), jitter(), toFloat(), new T.RandomErasing(), new T.Normalize(MEAN, STD)]);
/** The same steps on whole batches, in float from the start: no rounding back to uint8 between the steps. */
const batched = () => new T.Compose([toFloat(), crop(), flip(), jitter(), new T.RandomErasing(), new T.Normalize(MEAN, STD)]);

/** The photo pipeline's steps after the crop and flip, on whole batches. */
const photoBatch = () => new T.Compose([toFloat(), jitter(), new T.Normalize(MEAN, STD)]);

function makeLoader(root: string, mode: AugmentMode): data.DataLoader {
  if (mode === 'photos') {
    const photos = new data.ImageFolder(root, { dtype: 'uint8', checkFiles: false, transform: new T.Compose([new T.RandomResizedCrop(PHOTO_SIZE), flip()]) });
    return new data.DataLoader(photos, { batchSize: PHOTO_BATCH, shuffle: true, seed: 0, numWorkers: WORKERS, persistentWorkers: true, collatedTransform: photoBatch() });
  }
  const folder = new data.ImageFolder(root, {
    dtype: 'uint8', checkFiles: false, ...(mode === 'per-sample' ? { transform: perSample() } : {}),
    ...(mode === 'cached' ? { cache: true, size: SIZE } : {}),
  });
  return new data.DataLoader(folder, {
    batchSize: BATCH, shuffle: true, seed: 0, numWorkers: WORKERS, persistentWorkers: true,
    ...(mode === 'per-sample' ? {} : { collatedTransform: batched() }),
  });
}

/** Images per second of one pass over the folder: the loader's next epoch. */
async function cnnkitPass(loader: data.DataLoader): Promise<number> {
  let seen = 0;
  const start = performance.now();
  for await (const batch of loader) {
    seen += batch.inputs.shape[0];
    torch.dispose(batch);
  }
  return seen / ((performance.now() - start) / 1000);
}

function torchvisionPass(root: string, threads: number, mode: AugmentMode): { imagesPerSecond: number; torch: string } {
  const shape = mode === 'photos' ? [PHOTO_SIZE, PHOTO_BATCH, 'no-erasing'] : [SIZE, BATCH, 'erasing'];
  const run = spawnSync(PYTHON, [SCRIPT, root, String(shape[0]), String(shape[1]), String(WORKERS), String(threads), '1', String(shape[2])], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the torchvision pipeline failed: ${run.stderr.trim().split('\n').pop()}`);
  const result = JSON.parse(run.stdout);
  return { imagesPerSecond: result.images_per_second[0], torch: `${result.torch}, torchvision ${result.torchvision}` };
}

/** Images per second on each side (two passes each, alternating, after an untimed one), with `images` JPEGs. */
export async function runAugmentCase(threads: number, images: number, mode: AugmentMode): Promise<{ cnnkit: number[]; pytorch: number[]; pytorchVersion: string; files: string }> {
  const photos = mode === 'photos' ? makePhotoFolder(images) : null;
  const root = photos?.root ?? makeFolder(images);
  const files = photos ? `${images} JPEGs of ${photos.pixels.map((p) => (p / 1000).toFixed(0)).join('–')} kpixels, ${photos.kb.map((k) => k.toFixed(0)).join(' / ')} KB min / mean / max`
    : `${images} JPEGs of ${SIZE}×${SIZE}`;
  const loader = makeLoader(root, mode);
  try {
    await cnnkitPass(loader); // starts the workers, warms up sharp and libtorch, and with 'cached' fills the cache
    const ours: number[] = [];
    const theirs: number[] = [];
    let version = '?';
    const runTorchvision = () => {
      const r = torchvisionPass(root, threads, mode);
      theirs.push(r.imagesPerSecond);
      version = r.torch;
    };
    for (const order of [0, 1]) {
      if (order === 0) { ours.push(await cnnkitPass(loader)); runTorchvision(); }
      else { runTorchvision(); ours.push(await cnnkitPass(loader)); }
    }
    return { cnnkit: ours, pytorch: theirs, pytorchVersion: version, files };
  } finally {
    await loader.close();
    rmSync(root, { recursive: true, force: true });
  }
}
