// The interpretation metrics against references computed at test time by PyTorch and numpy (metrics_reference.py):
// the confusion matrix, scikit-learn's classification_report by its formulas, fastai's most_confused and top_losses.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { interpret, torch, train } from '../../src/index.js';

const N = 60;
const C = 5;
// Logits that favour the true class for most samples, so that the matrix has a diagonal and a few confusions;
// class 4 is never predicted and never true, so precision and recall have nothing to divide by there.
const targets = Array.from({ length: N }, (_, i) => (i * 7) % 4);
const logits = targets.map((t, i) => Array.from({ length: C }, (_, c) => Math.sin(0.37 * (i * C + c)) * 2 + (c === t ? 1.2 : 0) - (c === 4 ? 9 : 0)));
const K = 6;

const script = fileURLToPath(new URL('../../../test/interpret/metrics_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify({ logits, targets, k: K }), encoding: 'utf8' });
const reference = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = reference ? false : `no PyTorch for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;
const names = ['ant', 'bee', 'cat', 'dog', 'eel'];

const confusionOf = () => torch.tidy(() => {
  const matrix = new train.ConfusionMatrix(C);
  matrix.add(torch.tensor(logits, { dtype: 'float32' }), torch.tensor(targets, { dtype: 'int64' }));
  return matrix;
});

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-12, `${what}: ${actual}, expected ${expected}`);

test("classificationReport gives scikit-learn's per-class precision, recall, F1, support and averages (0 where nothing divides)", { skip: noReference }, () => {
  const confusion = confusionOf();
  assert.deepEqual(confusion.counts, reference.confusion);
  const report = interpret.classificationReport(confusion, names);
  const expected = reference.report;
  report.classes.forEach((c, i) => {
    assert.equal(c.name, names[i]);
    close(c.precision, expected.precision[i], `${c.name} precision`);
    close(c.recall, expected.recall[i], `${c.name} recall`);
    close(c.f1, expected.f1[i], `${c.name} f1`);
    assert.equal(c.support, expected.support[i]);
  });
  assert.deepEqual([report.classes[4].precision, report.classes[4].recall, report.classes[4].f1], [0, 0, 0]);
  close(report.accuracy, expected.accuracy, 'accuracy');
  (['precision', 'recall', 'f1'] as const).forEach((key, k) => {
    close(report.macroAvg[key], expected.macro[k], `macro ${key}`);
    close(report.weightedAvg[key], expected.weighted[k], `weighted ${key}`);
  });
  assert.equal(report.macroAvg.support, N);
  // The same numbers from a plain array of counts.
  assert.deepEqual(interpret.classificationReport(reference.confusion, names), report);
});

test("formatClassificationReport lays the report out as scikit-learn prints it", () => {
  const text = interpret.formatClassificationReport(interpret.classificationReport([[3, 1], [0, 2]], ['cat', 'dog']));
  assert.equal(text, [
    '             precision    recall  f1-score   support',
    '',
    '         cat      1.00      0.75      0.86         4',
    '         dog      0.67      1.00      0.80         2',
    '',
    '    accuracy                          0.83         6',
    '   macro avg      0.83      0.88      0.83         6',
    'weighted avg      0.89      0.83      0.84         6',
    '',
  ].join('\n'));
});

test("mostConfused gives fastai's (actual, predicted, count) pairs, most frequent first, ties in matrix order", { skip: noReference }, () => {
  const pairs = interpret.mostConfused(confusionOf(), names);
  assert.deepEqual(pairs, reference.mostConfused.map(([a, p, count]: number[]) => ({ actual: names[a], predicted: names[p], count })));
  assert.ok(pairs.length > 2, 'the fixture has confusions to sort');
  assert.deepEqual(interpret.mostConfused(confusionOf(), names, 3), pairs.filter((p) => p.count >= 3));
});

test('topLosses gives the highest per-sample cross entropies with predicted and true class and their probabilities', { skip: noReference }, () => {
  const top = torch.tidy(() => interpret.topLosses(torch.tensor(logits, { dtype: 'float32' }), torch.tensor(targets, { dtype: 'int64' }), K));
  assert.equal(top.length, K);
  top.forEach((t, i) => {
    const expected = reference.topLosses[i];
    assert.deepEqual([t.index, t.predicted, t.actual], [expected.index, expected.predicted, expected.actual]);
    for (const key of ['loss', 'probability', 'actualProbability'] as const) {
      assert.ok(Math.abs(t[key] - expected[key]) <= 1e-6, `${key} of sample ${t.index}: ${t[key]}, expected ${expected[key]}`);
    }
  });
});

test('bad input is named', () => {
  assert.throws(() => interpret.classificationReport([[1, 2], [3]], ['a', 'b']), /classificationReport: expects a ConfusionMatrix or a square array of counts/);
  assert.throws(() => interpret.mostConfused([[1, 2], [3, 4]], ['a']), /mostConfused: 2 classes in the confusion matrix but 1 class names/);
  assert.throws(() => interpret.mostConfused([[1, 2], [3, 4]], ['a', 'b'], 0), /mostConfused: minCount must be an integer ≥ 1, got 0/);
  torch.tidy(() => {
    assert.throws(() => interpret.topLosses(torch.zeros([3, 2]), torch.zeros([2], { dtype: 'int64' }), 1), /topLosses: targets must be N class indices for the 3 rows of logits/);
    assert.throws(() => interpret.topLosses(torch.zeros([3, 2]), torch.zeros([3], { dtype: 'int64' }), 0), /topLosses: k must be an integer ≥ 1, got 0/);
  });
});
