// The prediction case: a trained run's classifier over a folder of photo-sized JPEGs, decoding included, in cnnkit
// (run.openClassifier → predict on the files, worker threads decoding) and in torchvision (ImageFolder → DataLoader
// with worker processes → ResNet-18 in eval mode under torch.inference_mode()), in images per second. Both sides make
// one untimed pass, then take turns (cnnkit, torchvision, torchvision, cnnkit).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { run } from '../src/index.js';
import { makePhotoFolder } from './photos.js';
import { PYTHON } from './pytorch.js';

const SCRIPT = fileURLToPath(new URL('../../bench/pytorch_predict.py', import.meta.url));
const SIZE = 224;
const BATCH = 32;
const WORKERS = 2;

/** Images per second of one prediction over every file. */
async function cnnkitPass(classifier: run.Classifier, files: string[]): Promise<number> {
  const start = performance.now();
  const { predictions } = await classifier.predict(files, { batchSize: BATCH, workers: WORKERS });
  if (predictions.length !== files.length) throw new Error(`predicted ${predictions.length} of ${files.length} files`);
  return files.length / ((performance.now() - start) / 1000);
}

/** Images per second on each side (two passes each, alternating, after an untimed one), over `images` JPEGs. */
export async function runPredictCase(threads: number, images: number): Promise<{ cnnkit: number[]; pytorch: number[]; pytorchVersion: string }> {
  const { root } = makePhotoFolder(images);
  const classes = readdirSync(root).length;
  const out = mkdtempSync(join(tmpdir(), 'cnnkit-bench-predict-run-'));
  try {
    // A ResNet-18 run at the input size, trained for a moment: what is timed is its prediction, not its accuracy.
    await run.train({ data: root, model: 'resnet18', imageSize: SIZE, epochs: 1, limit: 16, batchSize: 8, threads, out, progress: 'quiet' });
    const classifier = run.openClassifier(out);
    const files = readdirSync(root).flatMap((c) => readdirSync(join(root, c)).map((f) => join(root, c, f)));
    await cnnkitPass(classifier, files);
    const ours: number[] = [];
    const theirs: number[] = [];
    let version = '?';
    const runTorchvision = () => {
      const result = spawnSync(PYTHON, [SCRIPT, root, String(SIZE), String(classes), String(BATCH), String(WORKERS), String(threads), '1'], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`the torchvision prediction failed: ${result.stderr.trim().split('\n').pop()}`);
      const parsed = JSON.parse(result.stdout);
      if (parsed.images !== files.length) throw new Error(`torchvision predicted ${parsed.images} of ${files.length} files`);
      theirs.push(parsed.images_per_second[0]);
      version = `${parsed.torch}, torchvision ${parsed.torchvision}`;
    };
    for (const order of [0, 1]) {
      if (order === 0) { ours.push(await cnnkitPass(classifier, files)); runTorchvision(); }
      else { runTorchvision(); ours.push(await cnnkitPass(classifier, files)); }
    }
    return { cnnkit: ours, pytorch: theirs, pytorchVersion: version };
  } finally {
    for (const dir of [root, out]) rmSync(dir, { recursive: true, force: true });
  }
}
