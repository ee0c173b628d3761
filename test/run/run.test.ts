// The run as a library object: run.train writes a run folder that openRun and evaluateRun read back, from code;
// and run folders written before the options were stored by name still open and resume.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { run } from '../../src/index.js';
import { lectureCnn } from '../../src/models/index.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { UsageError } from '../../src/util/usage-error.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-run-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('run.train writes a run folder that readRunConfig, openRun and evaluateRun read back', async () => {
  const out = join(dir, 'trained');
  const result = await run.train({ dataset: 'mnist', limit: 300, epochs: 1, batchSize: 50, threads: 2, out, progress: 'quiet', batchNorm: true });
  assert.equal(result.scored, 'test');
  assert.equal(result.out, out);
  assert.equal(result.skipped, null);
  assert.equal(result.history.length, 1);
  const config = run.readRunConfig(out);
  assert.equal(config.model, 'lecture_cnn');
  assert.deepEqual(config.classes, ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine']);
  assert.deepEqual({ ...config.options }, { dataset: 'mnist', limit: 300, epochs: 1, batchSize: 50, threads: 2, out, batchNorm: true });
  assert.equal(config.trainImages + config.valImages, 300);
  const opened = run.openRun(join(out, 'best.safetensors'));
  assert.equal(opened.model.training, false);
  assert.equal(opened.epoch, 1);
  assert.equal(opened.config.modelOptions.batchNorm, true);
  // The test set scored from code gives what training reported for the same weights.
  const scored = await run.evaluateRun(join(out, 'best.safetensors'));
  assert.equal(scored.images, run.openDataset('mnist').test.length);
  assert.ok(Math.abs(scored.accuracy - result.accuracy) < 1e-9, `${scored.accuracy} vs ${result.accuracy}`);
  assert.ok(Math.abs(scored.loss - result.loss) < 1e-6);
});

test('a run folder of the old format (flags by their command-line names) opens and resumes by its rules', async () => {
  const out = join(dir, 'old');
  const model = lectureCnn({ inChannels: 1, numClasses: 10, inputSize: 28 });
  // As cnnkit train wrote it before: the command line's flags, kebab-case.
  const config = { command: 'train', dataset: 'mnist', model: 'lecture_cnn', modelOptions: { inChannels: 1, numClasses: 10, inputSize: [28, 28] },
    flags: { dataset: 'mnist', epochs: 4, 'batch-size': 64, scheduler: 'cosine', out }, trainImages: 90, valImages: 10 };
  mkdirSync(out);
  saveCheckpoint(join(out, 'last.safetensors'), { weights: model.stateDict(), info: { format: 'cnnkit-checkpoint-1', epoch: 2, history: [], config } });
  writeFileSync(join(out, 'config.json'), JSON.stringify(config));
  const parsed = run.readRunConfig(out);
  assert.deepEqual(parsed.options, { dataset: 'mnist', epochs: 4, batchSize: 64, scheduler: 'cosine', out });
  const opened = run.openRun(join(out, 'last.safetensors'));
  const [a, b] = [model.stateDict()['features.0.0.weight'], opened.model.stateDict()['features.0.0.weight']];
  assert.ok(a.equal(b), 'the checkpoint\'s weights');
  // --resume keeps the cosine schedule's planned epochs, read from the old flags.
  await assert.rejects(run.train({ dataset: 'mnist', epochs: 5, scheduler: 'cosine', out, resume: true, progress: 'quiet' }),
    (error: Error) => error instanceof UsageError && /planned over 4 epochs; give --epochs 4/.test(error.message));
});

test('what is not a run is refused with what is wrong', async () => {
  assert.throws(() => run.readRunConfig(join(dir, 'nowhere')), /config\.json is missing; is .*nowhere a run folder of cnnkit train\?/);
  assert.throws(() => run.parseRunConfig({ epochs: 3 }, 'x.json'), /x\.json holds no run configuration/);
  assert.throws(() => run.openRun(join(dir, 'none.safetensors')), /the checkpoint .*none\.safetensors does not exist/);
  await assert.rejects(run.train({ model: 'resnet9000', progress: 'quiet', out: join(dir, 'bad') }), /unknown model 'resnet9000'/);
  await assert.rejects(run.train({ epochs: 0, progress: 'quiet', out: join(dir, 'bad') }), /--epochs must be a positive integer, got 0/);
});
