// `cnnkit eval`: scores a run's checkpoint on a data set's test split (the library's run.evaluateRun) and prints it.
import { evaluateRun } from '../run/evaluate.js';
import { UsageError } from '../util/usage-error.js';
import { parseFlags } from './args.js';

export async function evaluateCommand(args: string[]): Promise<void> {
  const flags = parseFlags('eval', args, {
    checkpoint: { type: 'string', about: 'a best.safetensors or last.safetensors of a run' },
    dataset: { type: 'string', about: "the data set (default: the run's)" },
    data: { type: 'string', about: 'a folder with the IDX files instead of the npm copy' },
    'batch-size': { type: 'number', about: 'batch size (default 256)' },
    json: { type: 'boolean', about: 'print the result as JSON' },
  });
  const path = flags.checkpoint as string | undefined;
  if (!path) throw new UsageError('eval: give --checkpoint FILE (a best.safetensors or last.safetensors of a run)');
  const result = await evaluateRun(path, { dataset: flags.dataset as string | undefined, data: flags.data as string | undefined, batchSize: flags['batch-size'] as number | undefined });
  const { classes } = result;
  const perClass = result.confusion.perClassAccuracy();
  if (flags.json) {
    console.log(JSON.stringify({ loss: result.loss, accuracy: result.accuracy, perClass: Object.fromEntries(classes.map((c, i) => [c, perClass[i]])), confusion: result.confusion.counts }));
    return;
  }
  console.log(`${result.dataset} test set, ${result.images} images: loss ${result.loss.toFixed(4)}, accuracy ${(100 * result.accuracy).toFixed(2)} %\n`);
  const width = Math.max(...classes.map((c) => c.length));
  console.log('per class:');
  classes.forEach((c, i) => console.log(`  ${c.padEnd(width)}  ${(100 * perClass[i]).toFixed(1).padStart(5)} %`));
  console.log('\nconfusion matrix (rows: true class, columns: predicted):');
  const cell = Math.max(4, ...result.confusion.counts.flat().map((n) => String(n).length + 1));
  console.log(`  ${''.padEnd(width)} ${classes.map((_, i) => String(i).padStart(cell)).join('')}`);
  result.confusion.counts.forEach((row, i) => console.log(`  ${classes[i].padEnd(width)} ${row.map((n) => String(n).padStart(cell)).join('')}`));
}
