// `cnnkit predict`: the classes of image files by a trained run (the library's run.Classifier), printed, as JSON,
// or as a CSV with one row per file in natural order of the file names.
import { relative } from 'node:path';

import { Classifier, type Prediction } from '../run/classifier.js';
import { naturalCompare } from '../run/natural-order.js';
import { imageFilesIn, predictionsCsv } from '../run/predictions.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { UsageError } from '../util/usage-error.js';
import { parseCommandLine } from './args.js';
import { printImageNotices } from './image-notices.js';

export async function predict(args: string[]): Promise<void> {
  const { flags, operands } = parseCommandLine('predict', args, {
    run: { type: 'string', about: 'a run folder of cnnkit train (its best.safetensors)' },
    checkpoint: { type: 'string', about: 'a checkpoint of a run (best.safetensors or last.safetensors)' },
    data: { type: 'string', about: 'a folder of images to predict (at any depth), instead of IMAGE files' },
    'top-k': { type: 'number', about: 'list the K most probable classes of each image (default 1)' },
    tta: { type: 'boolean', about: 'test-time augmentation: the mean probabilities over each image and its horizontal flip' },
    'batch-size': { type: 'number', about: 'images per forward (default 64)' },
    workers: { type: 'number', about: 'worker threads decoding the images (default 0: the main thread)' },
    strict: { type: 'boolean', about: 'an unreadable file stops the command (default: skipped, and named in a warning)' },
    csv: { type: 'string', about: 'write file,prediction,probability,<one column per class> to this file, one row per image' },
    device: { type: 'string', about: 'auto (CUDA when libtorch has it, else the CPU; the default), cpu, cuda or cuda:N' },
    json: { type: 'boolean', about: 'print the predictions as JSON' },
  }, 'IMAGE...');
  const run = (flags.run ?? flags.checkpoint) as string | undefined;
  if (flags.run !== undefined && flags.checkpoint !== undefined) throw new UsageError('predict: give --run DIR or --checkpoint FILE, not both');
  if (run === undefined) throw new UsageError('predict: give --run DIR (a run folder of cnnkit train) or --checkpoint FILE');
  if (flags.csv !== undefined && flags.json) throw new UsageError('predict: give --csv FILE or --json, not both');
  const folder = flags.data as string | undefined;
  if (folder !== undefined && operands.length > 0) throw new UsageError('predict: give IMAGE files or --data DIR, not both');
  if (folder === undefined && operands.length === 0) throw new UsageError('predict: give the IMAGE files to predict, or --data DIR');
  // Rows in natural order of the file names (2.jpg before 10.jpg); names in a folder relative to it.
  const files = folder !== undefined ? imageFilesIn(folder) : [...operands].sort(naturalCompare);
  const name = (p: Prediction): string => (folder !== undefined ? relative(folder, p.input as string) : p.input as string);

  const classifier = new Classifier(run, { command: 'predict', device: (flags.device as string | undefined) ?? 'auto' });
  const { predictions, skipped, converted } = await classifier.predict(files, {
    topK: flags['top-k'] as number | undefined, tta: Boolean(flags.tta), batchSize: flags['batch-size'] as number | undefined,
    workers: flags.workers as number | undefined, strict: Boolean(flags.strict),
  });
  printImageNotices(skipped, converted);
  if (flags.csv !== undefined) {
    writeFileAtomic(flags.csv as string, [Buffer.from(predictionsCsv(predictions, classifier.classes, name))]);
    console.log(`${predictions.length} predictions written to ${flags.csv}`);
  } else if (flags.json) {
    console.log(JSON.stringify(predictions.map((p) => ({
      file: name(p), prediction: p.top[0].className, probability: p.top[0].probability,
      top: p.top.map((t) => ({ class: t.className, probability: t.probability })),
    }))));
  } else {
    const width = Math.max(...predictions.map((p) => name(p).length));
    for (const p of predictions) console.log(`${name(p).padEnd(width)}  ${p.top.map((t) => `${t.className} ${t.probability.toFixed(4)}`).join('  ')}`);
  }
}
