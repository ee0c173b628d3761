// The README's transfer-learning table: lecture_cnn (with batch norm) pretrained on Fashion-MNIST, then trained on
// MNIST with 100 labelled images per class, four ways with the same seed and epochs: from scratch, frozen backbone
// end to end, frozen backbone by feature extraction, and fastai's fine-tune recipe. Scored on MNIST's test split.
//   npx tsc -p . && flock /tmp/cnnkit-heavy.lock node scripts/transfer-demo.mjs [--epochs E] [--per-class N]
// The pretraining (5 epochs, a few minutes) runs once and is kept in runs/transfer-demo/fashion-mnist.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { data, models, optim, torch, train } from '../dist/src/index.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '10' }, 'per-class': { type: 'string', default: '100' } } });
const epochs = Number(values.epochs);
const perClass = Number(values['per-class']);
const SEED = 0;
const BATCH = 32;
const PRETRAINED = 'runs/transfer-demo/fashion-mnist';
torch.setNumThreads(2);

if (!existsSync(`${PRETRAINED}/best.safetensors`)) {
  console.error('pretraining lecture_cnn on Fashion-MNIST (5 epochs)…');
  const run = spawnSync(process.execPath, ['dist/src/cli/main.js', 'train', '--dataset', 'fashion-mnist', '--model', 'lecture_cnn', '--batch-norm',
    '--epochs', '5', '--seed', String(SEED), '--threads', '2', '--quiet', '--out', PRETRAINED], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

// 100 images per class, a seeded choice from MNIST's training split.
const mnist = new data.MNIST({ train: true });
const test = new data.MNIST({ train: false });
torch.manualSeed(SEED);
const order = torch.randperm(mnist.length).tolist();
const labels = mnist.targets.tolist();
const taken = new Array(10).fill(0);
const indices = order.filter((i) => taken[labels[i]] < perClass && ++taken[labels[i]]);
const trainSet = new data.Subset(mnist, indices);
const loader = () => new data.DataLoader(trainSet, { batchSize: BATCH, shuffle: true, seed: SEED });
const testLoader = new data.DataLoader(test, { batchSize: 256 });

function build(pretrained) {
  torch.manualSeed(SEED);
  const model = models.lectureCnn({ inChannels: 1, numClasses: 10, inputSize: 28, batchNorm: true });
  if (pretrained) {
    const checkpoint = train.loadCheckpoint(`${PRETRAINED}/best.safetensors`);
    model.loadStateDict(checkpoint.weights);
    torch.dispose(checkpoint);
    torch.manualSeed(SEED);
    models.replaceHead(model, 10); // MNIST's digits are not Fashion-MNIST's classes: a new head
  }
  return model;
}

async function score(model) {
  return (await train.evaluate(model, testLoader)).accuracy;
}

async function timed(run) {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

const adam = (params) => new optim.Adam(params, { lr: 1e-3 });
const rows = [];

{
  // An untimed epoch first, so that no run pays the process's warm-up (allocator, first kernels).
  const model = build(false);
  const optimizer = adam(model.parameters());
  await new train.Trainer({ model, optimizer, progress: 'quiet' }).fit(loader(), { epochs: 1 });
  optimizer.dispose();
  model.dispose();
}

{
  const model = build(false);
  const optimizer = adam(model.parameters());
  const seconds = await timed(() => new train.Trainer({ model, optimizer, seed: SEED, progress: 'quiet' }).fit(loader(), { epochs }));
  rows.push(['from scratch', await score(model), seconds, model.numParameters(true)]);
}
{
  const model = build(true);
  train.freeze(model);
  const optimizer = adam(model.parameters());
  const seconds = await timed(() => new train.Trainer({ model, optimizer, seed: SEED, progress: 'quiet' }).fit(loader(), { epochs }));
  rows.push(['frozen backbone, end to end', await score(model), seconds, model.numParameters(true)]);
}
{
  const model = build(true);
  train.freeze(model);
  let features;
  const seconds = await timed(async () => {
    features = await train.extractFeatures(model, new data.DataLoader(trainSet, { batchSize: 256 }));
    await train.trainHead(model, features, { epochs, batchSize: BATCH, seed: SEED, lr: 1e-3, progress: 'quiet' });
  });
  torch.dispose([features.inputs, features.targets]);
  rows.push(['frozen backbone, feature extraction', await score(model), seconds, model.numParameters(true)]);
}
{
  const model = build(true);
  const seconds = await timed(() => train.fineTune(model, loader(), { epochs: epochs - 1, freezeEpochs: 1, seed: SEED, progress: 'quiet' }));
  rows.push([`fine-tuned (fineTune: 1 frozen + ${epochs - 1} epochs)`, await score(model), seconds, model.numParameters(true)]);
}

console.log(`MNIST, ${indices.length} training images (${perClass} per class), ${epochs} epochs, batch ${BATCH}, seed ${SEED}; test split ${test.length} images\n`);
console.log('| run | test accuracy | training time | parameters trained |');
console.log('| --- | --- | --- | --- |');
for (const [name, accuracy, seconds, trained] of rows) {
  console.log(`| ${name} | ${(100 * accuracy).toFixed(2)} % | ${seconds.toFixed(1)} s | ${trained.toLocaleString('en-US')} |`);
}
