import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';

import { torch } from '../../src/index.js';
import { savePth } from '../../src/hub/index.js';
import { resnet18, resnet20 } from '../../src/models/index.js';
import { loadCheckpoint } from '../../src/train/index.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const cnnkit = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, CNNKIT_HOME: join(dir, 'home'), CNNKIT_OFFLINE: '1' } });
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-cli-transfer-'));

// Two classes of 16×16 images: reddish and bluish, with some variation.
const images = join(dir, 'images');
for (let i = 0; i < 12; i++) {
  for (const kind of ['red', 'blue'] as const) {
    mkdirSync(join(images, kind), { recursive: true });
    const background = kind === 'red' ? { r: 200 - i * 5, g: 40 + i * 3, b: 30 } : { r: 30, g: 40 + i * 3, b: 200 - i * 5 };
    await sharp({ create: { width: 16, height: 16, channels: 3, background } }).png().toFile(join(images, kind, `${i}.png`));
  }
}

// "Pretrained" weights: a resnet20 for 5 classes, saved here, so no download is needed.
const weights = join(dir, 'pretrained.safetensors');
torch.manualSeed(7);
const pretrained = resnet20({ numClasses: 5 });
torch.tidy(() => torch.save(pretrained.stateDict(), weights));
const saved = torch.load(weights);

const common = ['train', '--data', images, '--image-size', '16', '--model', 'resnet20', '--weights', weights, '--batch-size', '4', '--threads', '2', '--json'];
const last = (out: string) => loadCheckpoint(join(out, 'last.safetensors'));

test('--weights FILE --freeze backbone: every pretrained layer is kept, batch-norm statistics too; only the new head trains', () => {
  const out = join(dir, 'backbone');
  const run = cnnkit(...common, '--freeze', 'backbone', '--epochs', '1', '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const trained = last(out);
  for (const [name, value] of Object.entries(saved)) {
    if (name.startsWith('fc.')) continue;
    assert.ok(trained.weights[name].equal(value), `${name} changed although frozen`);
  }
  assert.deepEqual(trained.weights['fc.weight'].shape, [2, 64], 'a new head for the 2 classes');
  // The head the command started from: built as it builds it, with --seed 0.
  torch.manualSeed(0);
  const fresh = resnet20({ numClasses: 2 });
  assert.ok(!trained.weights['fc.weight'].equal(fresh.fc.weight), 'the head trained');
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.options.weights, weights);
  torch.dispose(trained);
  fresh.dispose();
});

test('--freeze N freezes the first N layer groups; the later ones train', () => {
  const out = join(dir, 'groups');
  const run = cnnkit(...common, '--freeze', '1', '--epochs', '1', '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const trained = last(out);
  for (const [name, value] of Object.entries(saved)) {
    const group = name.split('.')[0];
    if (group === 'fc') continue;
    const same = trained.weights[name].equal(value);
    assert.equal(same, ['conv1', 'bn1', 'layer1'].includes(group), `${name}: ${same ? 'unchanged' : 'changed'}`);
  }
  torch.dispose(trained);
});

test('--fine-tune runs the frozen epoch, then the rest, in one history', () => {
  const out = join(dir, 'fine-tune');
  const run = cnnkit(...common, '--fine-tune', '--epochs', '2', '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.slice(0, 2).map((l) => l.epoch), [1, 2]);
  assert.equal(readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').length, 3);
  const trained = last(out);
  assert.ok(!trained.weights['conv1.weight'].equal(saved['conv1.weight']), 'the second epoch trains everything');
  torch.dispose(trained);
});

test('--weights IMAGENET1K_V1 reads the published weights from the cache (no network) with their preprocessing', () => {
  // Stand-in ImageNet weights where the hub keeps torchvision's resnet18-f37072fd.pth.
  torch.manualSeed(3);
  const imagenet = resnet18();
  mkdirSync(join(dir, 'home', 'hub', 'checkpoints'), { recursive: true });
  torch.tidy(() => savePth(join(dir, 'home', 'hub', 'checkpoints', 'resnet18-f37072fd.pth'), imagenet.stateDict()));
  const out = join(dir, 'imagenet');
  const run = cnnkit('train', '--data', images, '--model', 'resnet18', '--weights', 'IMAGENET1K_V1', '--freeze', 'backbone', '--epochs', '1', '--batch-size', '8', '--threads', '2', '--json', '--out', out);
  assert.equal(run.status, 0, run.stderr);
  const trained = last(out);
  for (const [name, value] of imagenet.namedParameters()) {
    if (!name.startsWith('fc.')) assert.ok(trained.weights[name].equal(value), `${name} changed although frozen`);
  }
  assert.deepEqual(trained.weights['fc.weight'].shape, [2, 512]);
  torch.dispose(trained);
  imagenet.dispose();
  const unknown = cnnkit('train', '--data', images, '--model', 'resnet18', '--weights', 'IMAGENET9K', '--epochs', '1', '--out', out);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--weights 'IMAGENET9K' is neither a .safetensors\/.pth file nor published weights of resnet18: getWeights: ResNet18_Weights has no entry 'IMAGENET9K'/);
});

test('bad transfer flags: a usage error naming the flag', () => {
  const out = join(dir, 'bad');
  const cases: [string[], RegExp][] = [
    [['--freeze', '4'], /--freeze must be backbone, none, or an integer from -3 to 3 \(this model has 3 layer groups\), got '4'/],
    [['--freeze', 'everything'], /--freeze must be backbone, none, or an integer/],
    [['--fine-tune', '--scheduler', 'onecycle'], /--fine-tune sets its own freezing, optimizer and schedule; leave out --scheduler/],
    [['--fine-tune', '--epochs', '1'], /--fine-tune needs --epochs 2 or more/],
  ];
  for (const [extra, message] of cases) {
    const run = cnnkit(...common, '--out', out, ...extra);
    assert.equal(run.status, 2, `${extra.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
  const wrong = cnnkit(...common.map((a) => (a === 'resnet20' ? 'lecture_cnn' : a)), '--epochs', '1', '--out', out);
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /--weights .*pretrained\.safetensors do not fit lecture_cnn: missing features\.0\.0\.weight.*are they for another model\?/);
});

test.after(() => {
  torch.dispose(saved);
  pretrained.dispose();
});
