// weightsTransforms(weights) is torchvision's weights.transforms() (with PIL's antialiasing, which the published
// accuracies were measured with): the same numbers on the same image, with the preset's own resize size, crop and
// interpolation (bicubic for ViT's SWAG weights).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { weightsTransforms } from '../../src/hub/preset.js';
import { getWeights } from '../../src/hub/registry.js';
import * as torch from '../../src/torch/index.js';
import { Resize } from '../../src/transforms/geometry.js';

const script = fileURLToPath(new URL('../../../test/hub/preset_reference.py', import.meta.url));

function torchvisionPreset(name: string): { input: number[]; shape: number[]; output: number[] } {
  const run = spawnSync('/usr/bin/python3', [script, name], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

for (const name of ['ResNet18_Weights.IMAGENET1K_V1', 'ConvNeXt_Tiny_Weights.IMAGENET1K_V1', 'ViT_B_16_Weights.IMAGENET1K_SWAG_LINEAR_V1']) {
  test(`weightsTransforms equals torchvision's ${name}.transforms()`, () => {
    const weights = getWeights(name);
    const reference = torchvisionPreset(name);
    torch.tidy(() => {
      const steps = weightsTransforms(weights);
      const resize = steps[0] as Resize;
      assert.equal(resize.interpolation, weights.transforms.interpolation);
      assert.equal(resize.antialias, weights.transforms.antialias);
      let x = torch.tensor(reference.input, { dtype: 'float32' }).reshape([3, 300, 410]);
      for (const step of steps) x = step.forward(x);
      assert.deepEqual(x.shape, reference.shape);
      const got = Array.from(x.flatten().toTypedArray() as Float32Array);
      const worst = reference.output.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i])), 0);
      assert.ok(worst < 1e-4, `largest difference ${worst}`);
    });
  });
}
