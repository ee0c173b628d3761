import assert from 'node:assert/strict';
import { test } from 'node:test';

import { learningCurvesSvg, type EpochLogs } from '../../src/train/index.js';

const history: EpochLogs[] = [0.532, 0.325, 0.271, 0.21, 0.04].map((loss, i) => ({
  epoch: i + 1, train_loss: loss, val_loss: 0.34 - 0.02 * i, train_acc: 0.81 + 0.044 * i, val_acc: 0.877 + 0.01 * i,
  penalty: 0, lr: 1e-3, seconds: 1, rss_mb: 1,
}));

test('learning curves: two panels, every point inside its plot, both series drawn', () => {
  const svg = learningCurvesSvg(history);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="840" height="300"/);
  assert.match(svg, />Loss</);
  assert.match(svg, />Accuracy</);
  const points = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(points.length, 4 * history.length);
  // The plots span y 36..256 (top margin 36, height 300 − 36 − 44) and x 56..404 and 476..824.
  for (const [x, y] of points) {
    assert.ok(y >= 36 && y <= 256, `a point at y ${y} is outside the plot`);
    assert.ok((x >= 56 && x <= 404) || (x >= 476 && x <= 824), `a point at x ${x} is outside the plots`);
  }
  assert.equal((svg.match(/<polyline/g) ?? []).length, 4);
  assert.throws(() => learningCurvesSvg([]), /no epochs to draw/);
});

test('learning curves without validation draw the training curves only', () => {
  const svg = learningCurvesSvg(history.map(({ val_loss: _l, val_acc: _a, ...rest }) => rest as EpochLogs));
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
});
