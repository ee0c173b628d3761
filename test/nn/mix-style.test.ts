import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Random, withRandom } from '../../src/torch/random.js';
import * as nn from '../../src/nn/index.js';
import { drawMixStyle, mixStyle } from '../../src/nn/layers/mix-style.js';
import * as torch from '../../src/torch/index.js';
import { assertValues } from '../helpers.js';

const script = fileURLToPath(new URL('../../../test/nn/mix_style_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8', maxBuffer: 64 << 20 });
const reference = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = reference ? false : `no PyTorch for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

describe('mixStyle', { skip: noReference }, () => {
  test('equals the paper code for the same permutation and λ, gradients included (statistics detached)', () => torch.tidy(() => {
    for (const device of ['cpu', ...(torch.cuda.isAvailable() ? ['cuda'] : [])]) {
      const x = torch.tensor(reference.x, { device }).requiresGrad_();
      const out = mixStyle(x, reference.perm, reference.lambda);
      assertValues(out.cpu(), reference.output, 1e-4);
      const [grad] = torch.autograd.grad(out.mul(torch.tensor(reference.weight, { device })).sum(), x);
      assertValues(grad!.cpu(), reference.grad, 1e-4);
    }
  }));

  test('λ = 1 gives the input back; bad arguments are refused', () => torch.tidy(() => {
    const x = torch.tensor(reference.x);
    assertValues(mixStyle(x, [1, 0, 3, 2], 1), reference.x, 1e-4);
    assert.throws(() => mixStyle(x, [0, 1], 0.5), /mixStyle: perm must hold one index per instance \(4\)/);
    assert.throws(() => mixStyle(x, [0, 1, 2, 3], [0.5]), /mixStyle: lambda must be one number or one per instance \(4\), got 1/);
    assert.throws(() => mixStyle(torch.zeros([4, 3]), [0, 1, 2, 3], 0.5), /mixStyle: x must be a tensor N×C×… with spatial dims/);
  }));
});

describe('nn.MixStyle', { skip: noReference }, () => {
  test('mixes in training only, each instance taking the mean and std of λ·own + (1−λ)·partner', () => torch.tidy(() => {
    const layer = new nn.MixStyle({ p: 1, alpha: 0.1 });
    const x = torch.tensor(reference.x);
    const out = withRandom(new Random(1), () => layer.forward(x));
    assert.ok(!out.allclose(x, 1e-3, 1e-3));
    // The same generator state gives the same output: one seed fixes the permutation and every λ.
    assert.ok(withRandom(new Random(1), () => layer.forward(x)).equal(out));
    const means = out.mean([2, 3]);
    const ownMeans = x.mean([2, 3]);
    // Each output mean lies between the instance's own mean and some other instance's (λ in (0, 1)).
    for (let i = 0; i < 4; i++) {
      const ok = [0, 1, 2, 3].some((j) => torch.tidy(() => {
        const lo = ownMeans.select(0, i).minimum(ownMeans.select(0, j)).sub(1e-4);
        const hi = ownMeans.select(0, i).maximum(ownMeans.select(0, j)).add(1e-4);
        const m = means.select(0, i);
        return Boolean(m.ge(lo).all().item()) && Boolean(m.le(hi).all().item());
      }));
      assert.ok(ok, `instance ${i}`);
    }
    layer.eval();
    assert.equal(layer.forward(x), x);
    assert.equal(new nn.MixStyle({ p: 0 }).forward(x), x);
  }));

  test("'crossdomain' pairs each instance of one half with one of the other half, a new pairing per draw", () => torch.tidy(() => {
    const random = new Random(4);
    const pairings = new Set<string>();
    for (let k = 0; k < 20; k++) {
      const { perm, lambda } = drawMixStyle(random, 8, 0.1, 'crossdomain', 'MixStyle');
      assert.deepEqual([...perm].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
      perm.forEach((j, i) => assert.ok(i < 4 ? j >= 4 : j < 4, `instance ${i} is paired with ${j} of its own domain`));
      assert.ok(lambda.every((l) => l >= 0 && l <= 1));
      pairings.add(perm.join());
    }
    assert.ok(pairings.size > 10);
    const layer = new nn.MixStyle({ p: 1, mix: 'crossdomain' });
    assert.throws(() => layer.forward(torch.tensor(reference.x).narrow(0, 0, 3)), /MixStyle: mix 'crossdomain' needs an even batch/);
  }));

  test('options, printing and memory', () => {
    assert.throws(() => new nn.MixStyle({ p: 2 }), /MixStyle: p must be between 0 and 1, got 2/);
    assert.throws(() => new nn.MixStyle({ alpha: 0 }), /MixStyle: alpha must be positive, got 0/);
    assert.throws(() => new nn.MixStyle({ mix: 'domain' as never }), /MixStyle: mix must be 'random' or 'crossdomain'/);
    assert.equal(new nn.MixStyle().toString(), 'MixStyle(p=0.5, alpha=0.1, eps=1e-06, mix=random)');
    const layer = new nn.MixStyle({ p: 1 });
    const x = torch.rand([4, 2, 3, 3]);
    layer.forward(x).dispose();
    const before = torch.memory().numTensors;
    for (let i = 0; i < 5; i++) layer.forward(x).dispose();
    assert.equal(torch.memory().numTensors, before);
    x.dispose();
  });
});
