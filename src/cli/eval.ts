// `cnnkit eval`: scores a run on labelled images (the library's run.evaluateRun) and prints it; --report writes
// the interpretation report of the same images.
import { evaluateRun } from '../run/evaluate.js';
import { UsageError } from '../util/usage-error.js';
import { parseFlags } from './args.js';
import { printImageNotices } from './image-notices.js';

export async function evaluateCommand(args: string[]): Promise<void> {
  const flags = parseFlags('eval', args, {
    checkpoint: { type: 'string', about: 'a best.safetensors or last.safetensors of a run' },
    run: { type: 'string', about: 'a run folder of cnnkit train (its best.safetensors)' },
    dataset: { type: 'string', about: "a named data set's test split (default: the run's data)" },
    data: { type: 'string', about: "a folder of images labelled as the run's were (class folders, or the run's --labels-from-name); with a named data set, the folder of its IDX files. Default for a folder run: its test images, or the validation images training held out" },
    tta: { type: 'boolean', about: 'test-time augmentation: the mean probabilities over each image and its horizontal flip' },
    report: { type: 'string', about: 'write the interpretation report (report.html: learning curves, confusion matrix, per-class scores, top losses, Grad-CAM) into this folder' },
    'batch-size': { type: 'number', about: 'batch size (default 256)' },
    workers: { type: 'number', about: 'worker threads decoding image files (default 0: the main thread)' },
    strict: { type: 'boolean', about: 'an unreadable image file stops the command (default: skipped, and named in a warning)' },
    device: { type: 'string', about: 'auto (CUDA when libtorch has it, else the CPU; the default), cpu, cuda or cuda:N' },
    json: { type: 'boolean', about: 'print the result as JSON' },
  });
  if (flags.run !== undefined && flags.checkpoint !== undefined) throw new UsageError('eval: give --run DIR or --checkpoint FILE, not both');
  const path = (flags.checkpoint ?? flags.run) as string | undefined;
  if (!path) throw new UsageError('eval: give --checkpoint FILE (a best.safetensors or last.safetensors of a run) or --run DIR');
  const result = await evaluateRun(path, {
    dataset: flags.dataset as string | undefined, data: flags.data as string | undefined, batchSize: flags['batch-size'] as number | undefined,
    workers: flags.workers as number | undefined, tta: Boolean(flags.tta), strict: Boolean(flags.strict), report: flags.report as string | undefined,
    device: (flags.device as string | undefined) ?? 'auto',
  });
  printImageNotices(result.skipped, result.converted);
  const { classes } = result;
  const perClass = result.confusion.perClassAccuracy();
  if (flags.json) {
    console.log(JSON.stringify({ loss: result.loss, accuracy: result.accuracy, perClass: Object.fromEntries(classes.map((c, i) => [c, perClass[i]])), confusion: result.confusion.counts }));
    return;
  }
  console.log(`${result.scored}, ${result.images} images${flags.tta ? ' (with test-time augmentation)' : ''}: loss ${result.loss.toFixed(4)}, accuracy ${(100 * result.accuracy).toFixed(2)} %\n`);
  const width = Math.max(...classes.map((c) => c.length));
  console.log('per class:');
  classes.forEach((c, i) => console.log(`  ${c.padEnd(width)}  ${(100 * perClass[i]).toFixed(1).padStart(5)} %`));
  console.log('\nconfusion matrix (rows: true class, columns: predicted):');
  const cell = Math.max(4, ...result.confusion.counts.flat().map((n) => String(n).length + 1));
  console.log(`  ${''.padEnd(width)} ${classes.map((_, i) => String(i).padStart(cell)).join('')}`);
  result.confusion.counts.forEach((row, i) => console.log(`  ${classes[i].padEnd(width)} ${row.map((n) => String(n).padStart(cell)).join('')}`));
  if (result.report) console.log(`\nreport: ${result.report.files.length} files in ${flags.report}, open ${flags.report}/report.html`);
}
