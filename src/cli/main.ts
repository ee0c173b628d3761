#!/usr/bin/env node
// The `cnnkit` command: parses the sub-command and hands over to its file; errors become one line.
import { augment } from './augment.js';
import { demo } from './demo.js';
import { evaluateCommand } from './eval.js';
import { exportCommand } from './export.js';
import { info } from './info.js';
import { predict } from './predict.js';
import { serve } from './serve.js';
import { setup } from './setup.js';
import { train } from './train.js';
import { UsageError } from '../util/usage-error.js';

const commands: Record<string, { run: (args: string[]) => void | Promise<void>; about: string }> = {
  demo: { run: demo, about: 'a short tour: tensors, autograd, and the lecture CNN trained on Fashion-MNIST (a few minutes)' },
  train: { run: train, about: 'train a model on a data set; writes a run folder with metrics, checkpoints and curves' },
  augment: { run: augment, about: 'augmented copies of an image folder, a preview grid of an augmentation recipe, or the recipe names (--list)' },
  eval: { run: evaluateCommand, about: 'score a run on labelled images: loss, accuracy, per-class accuracy, confusion matrix; --report writes report.html' },
  info: { run: info, about: 'the libtorch version, threads and devices cnnkit runs on' },
  setup: { run: setup, about: 'build the native addon against the libtorch found (LIBTORCH, LIBTORCH_USE_PYTORCH=1 or the system\'s)' },
  export: { run: exportCommand, about: 'a trained run to deploy: --format onnx an ONNX file with its classes and preprocessing in the metadata, --format web a static page that classifies in the browser' },
  predict: { run: predict, about: 'the classes of image files by a trained run: printed, as JSON or as a CSV in natural order of the file names' },
  serve: { run: serve, about: 'a trained run as an HTTP inference server: POST /predict, GET /health, GET /metadata, with dynamic batching' },
};

function help(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.about}`);
  return ['usage: cnnkit <command> [options]', '', 'commands:', ...lines, '', "run 'cnnkit <command> --help' for its options"].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command '${name}'; valid commands: ${Object.keys(commands).join(', ')}`);
  await command.run(args);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`cnnkit: ${error.message}`);
    if (process.env.CNNKIT_DEBUG) console.error(error.stack);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
