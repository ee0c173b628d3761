import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DataLoader } from '../../src/data/dataloader.js';
import { Random, withRandom } from '../../src/torch/random.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { TransformedDataset } from '../../src/data/transformed-dataset.js';
import { ColorJitter, RandomInvert } from '../../src/transforms/color.js';
import { Compose, RandomApply, RandomChoice, RandomOrder } from '../../src/transforms/containers.js';
import * as F from '../../src/transforms/functional/index.js';
import { CenterCrop, RandomHorizontalFlip, RandomResizedCrop, RandomRotation, RandomVerticalFlip, Resize } from '../../src/transforms/geometry.js';
import type { Transform } from '../../src/transforms/transform.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/tensor.js';

const seeded = <T>(seed: number, fn: () => T): T => withRandom(new Random(seed), fn);

describe('containers', () => {
  const x = torch.rand([8, 3, 6, 6], { seed: 1 });

  test('Compose runs its transforms in order and prints as torchvision', () => {
    torch.tidy(() => {
      const t = new Compose([new Resize([4, 4]), new CenterCrop(2), new RandomInvert(1)]);
      assert.ok(t.forward(x).equal(F.invert(F.centerCrop(F.resize(x, [4, 4]), 2))));
      assert.equal(String(t), 'Compose(\n    Resize(size=(4, 4), interpolation=bilinear, max_size=None, antialias=True)\n    CenterCrop(size=(2, 2))\n    RandomInvert(p=1.0)\n)');
    });
  });

  test('RandomApply applies all its transforms to each image with probability p, leaving the others as they were', () => {
    torch.tidy(() => {
      const many = torch.rand([3000, 1, 1, 2], { seed: 2 });
      const out = seeded(3, () => new RandomApply([new RandomHorizontalFlip(1), new RandomInvert(1)], 0.4).forward(many));
      const changed = out.ne(many).any(3).view(-1);
      const transformed = F.invert(F.hflip(many));
      assert.ok(torch.where(changed.view(-1, 1, 1, 1), transformed, many).equal(out), 'each image is the original or fully transformed');
      // Binomial(3000, 0.4): sd 26.8, so ±4.5 sd.
      assert.ok(Math.abs(Number(changed.float().mean().item()) - 0.4) < 0.04);
      assert.equal(String(new RandomApply([new RandomInvert()], 0.3)), 'RandomApply(\n    p=0.3\n    RandomInvert(p=0.5)\n)');
    });
  });

  test('RandomChoice picks one transform per image with the weights p', () => {
    torch.tidy(() => {
      const many = torch.rand([3000, 1, 2, 2], { seed: 4 });
      const out = seeded(5, () => new RandomChoice([new RandomHorizontalFlip(1), new RandomVerticalFlip(1)], [1, 3]).forward(many));
      const horizontal = out.eq(F.hflip(many)).view(3000, -1).all(1);
      const vertical = out.eq(F.vflip(many)).view(3000, -1).all(1);
      assert.ok(horizontal.logicalOr(vertical).all().item(), 'every image went through one of them');
      // Binomial(3000, 0.25): sd 23.7, so ±4.4 sd.
      assert.ok(Math.abs(Number(horizontal.float().mean().item()) - 0.25) < 0.035);
      assert.equal(String(new RandomChoice([new RandomInvert()])), 'RandomChoice(\n    RandomInvert(p=0.5)\n)(p=None)');
    });
  });

  test('RandomOrder applies every transform, in an order drawn per image', () => {
    torch.tidy(() => {
      const crop = new CenterCrop(3);
      const resize = new Resize([3, 3], { interpolation: 'nearest' });
      const out = seeded(6, () => new RandomOrder([crop, resize]).forward(x));
      const cropFirst = resize.forward(crop.forward(x));
      const resizeFirst = crop.forward(resize.forward(x));
      const a = out.eq(cropFirst).view(8, -1).all(1);
      const b = out.eq(resizeFirst).view(8, -1).all(1);
      assert.ok(a.logicalOr(b).all().item());
      assert.ok(a.any().item() && b.any().item(), 'both orders occur in a batch of 8');
    });
  });

  test('the same seed gives the same augmented batch; every container rebuilds from its workerSpec', async () => {
    const pipeline = new Compose([new RandomApply([new RandomRotation(20)], 0.5), new RandomChoice([new RandomHorizontalFlip(), new ColorJitter({ brightness: 0.5 })]),
      new RandomOrder([new RandomInvert(), new RandomVerticalFlip()])]);
    torch.tidy(() => assert.ok(seeded(7, () => pipeline.forward(x)).equal(seeded(7, () => pipeline.forward(x)))));
    const rebuild = async (t: Transform): Promise<Transform> => {
      const spec = t.workerSpec();
      const args = await Promise.all(spec.args.map(async (a) => (Array.isArray(a) && a[0]?.workerSpec ? Promise.all(a.map(rebuild)) : a)));
      return new (await import(spec.module))[spec.name](...args);
    };
    const copy = await rebuild(pipeline);
    assert.equal(String(copy), String(pipeline));
    torch.tidy(() => assert.ok(seeded(8, () => copy.forward(x)).equal(seeded(8, () => pipeline.forward(x)))));
  });

  test('in a DataLoader, worker threads make the same augmented batches as the main thread', async () => {
    const pipeline = new Compose([new RandomResizedCrop(5), new RandomApply([new ColorJitter({ brightness: 0.4, hue: 0.1 })], 0.7), new RandomHorizontalFlip()]);
    const dataset = new TransformedDataset(new TensorDataset(x, torch.arange(8)), pipeline);
    const batches = async (numWorkers: number) => {
      const out: Tensor[] = [];
      for await (const { inputs } of new DataLoader(dataset, { batchSize: 4, seed: 11, numWorkers })) out.push(inputs as Tensor);
      return out;
    };
    const [main, workers] = [await batches(0), await batches(2)];
    main.forEach((batch, i) => assert.ok(batch.equal(workers[i]), `batch ${i}`));
    torch.dispose([main, workers]);
  });

  test('no tensors leak per batch', () => {
    const pipeline = new Compose([new RandomApply([new RandomRotation(20), new RandomInvert()], 0.5), new RandomChoice([new RandomHorizontalFlip(), new RandomVerticalFlip()]),
      new RandomOrder([new RandomInvert(), new CenterCrop(4)])]);
    const one = x.select(0, 0);
    const before = torch.memory().numTensors;
    for (let i = 0; i < 5; i++) for (const input of [x, one]) pipeline.forward(input).dispose();
    assert.equal(torch.memory().numTensors, before);
    one.dispose();
  });

  test('bad input names the container and what to do', () => {
    assert.throws(() => new Compose([]), /Compose: transforms must be a non-empty array of Transform objects/);
    assert.throws(() => new RandomApply([(() => 1) as never]), /RandomApply: transforms must be a non-empty array of Transform objects/);
    assert.throws(() => new RandomApply([new RandomInvert()], 1.5), /RandomApply: p must be in \[0, 1\]/);
    assert.throws(() => new RandomChoice([new RandomInvert()], [1, 2]), /RandomChoice: p must be an array of 1 weights/);
    assert.throws(() => new RandomChoice([new RandomInvert(), new RandomVerticalFlip()], [0, 0]), /RandomChoice: the weights p must not all be zero/);
    torch.tidy(() => {
      assert.throws(() => seeded(9, () => new RandomApply([new Resize(3)]).forward(x)), /RandomApply: the images of a batch came out in different shapes/);
      assert.throws(() => new Compose([new RandomInvert()]).forward(torch.rand([3, 3])), /RandomInvert: expects an image C×H×W or a batch N×C×H×W/);
    });
  });
});
