import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DataLoader } from '../../src/data/dataloader.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { TransformedDataset } from '../../src/data/transformed-dataset.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { FeaturewiseStandardization, ZCAWhitening } from '../../src/transforms/statistics.js';
import { assertValues } from '../helpers.js';
import { pythonReference } from './python-reference.js';

const { reference, noReference } = pythonReference('statistics_reference.py');
const devices = ['cpu', ...(torch.cuda.isAvailable() ? ['cuda'] : [])];
const images = () => torch.tensor(reference!.images, { dtype: 'float32' });

/** The population covariance (rows: observations) of x, N×D → D×D. */
const covariance = (x: Tensor): Tensor => torch.tidy(() => {
  const centred = x.double().sub(x.double().mean(0, true));
  return centred.t().mm(centred).div(x.shape[0]);
});
/** The largest |a − b|. */
const maxDiff = (a: Tensor, b: Tensor): number => torch.tidy(() => a.double().sub(b.double()).abs().max().item() as number);

describe('FeaturewiseStandardization', { skip: noReference }, () => {
  test("per-channel and per-pixel mean and std are Keras' (numpy's population std)", () => torch.tidy(() => {
    const channel = new FeaturewiseStandardization().fit(images());
    assert.deepEqual(channel.mean!.shape, [3, 1, 1]);
    assertValues(channel.mean!, reference!.channelMean, 1e-6);
    assertValues(channel.std!, reference!.channelStd, 1e-6);
    assertValues(channel.forward(images().select(0, 0)), reference!.standardizedFirst, 1e-5);
    const pixel = new FeaturewiseStandardization({ mode: 'pixel' }).fit(images());
    assertValues(pixel.mean!, reference!.pixelMean, 1e-6);
    assertValues(pixel.std!, reference!.pixelStd, 1e-6);
    const standardized = pixel.forward(images());
    assert.ok(maxDiff(standardized.mean(0), torch.zeros([3, 8, 8])) < 1e-5);
    assert.ok(maxDiff(standardized.std(0, false), torch.ones([3, 8, 8])) < 1e-4);
    channel.dispose();
    pixel.dispose();
  }));

  test('fits alike from a tensor, an iterable of batches and a Dataset; center and scale switch each step off', () => torch.tidy(() => {
    const all = new FeaturewiseStandardization().fit(images());
    const chunks = new FeaturewiseStandardization().fit([images().narrow(0, 0, 150), { inputs: images().narrow(0, 150, 250), targets: torch.zeros([250]) }]);
    const dataset = new FeaturewiseStandardization().fit(new TensorDataset(images(), torch.zeros([400])));
    for (const other of [chunks, dataset]) {
      assert.ok(maxDiff(other.mean!, all.mean!) < 1e-6 && maxDiff(other.std!, all.std!) < 1e-6);
    }
    const x = images().narrow(0, 0, 4);
    const centredOnly = new FeaturewiseStandardization({ scale: false, state: all.stateDict() });
    assert.ok(maxDiff(centredOnly.forward(x), x.sub(all.mean!)) < 1e-6);
    const scaledOnly = new FeaturewiseStandardization({ center: false, state: all.stateDict() });
    assert.ok(maxDiff(scaledOnly.forward(x), x.div(all.std!.add(1e-6))) < 1e-6);
    torch.dispose([all, chunks, dataset, centredOnly, scaledOnly].map((t) => t.stateDict()));
  }));

  test('saved statistics reload into a new transform, on every device; uint8 images become float; no leaks', () => torch.tidy(() => {
    const fitted = new FeaturewiseStandardization().fit(images());
    const state = fitted.stateDict();
    const restored = new FeaturewiseStandardization();
    restored.loadStateDict(state);
    const rebuilt = new FeaturewiseStandardization(...(fitted.workerSpec().args as [object]));
    for (const device of devices) {
      const x = images().narrow(0, 0, 5).to({ device });
      const expected = fitted.forward(x);
      assert.equal(expected.device, x.device);
      assert.ok(restored.forward(x).equal(expected) && rebuilt.forward(x).equal(expected));
    }
    const u8 = torch.full([3, 4, 4], 200).to('uint8');
    assert.equal(fitted.forward(u8).dtype, 'float32');
    const batch = images().narrow(0, 0, 8);
    fitted.forward(batch).dispose();
    const before = torch.memory().numTensors;
    for (let k = 0; k < 10; k++) fitted.forward(batch).dispose();
    assert.equal(torch.memory().numTensors, before);
  }));

  test('refuses to run before fit, on other shapes, and bad options', () => torch.tidy(() => {
    assert.throws(() => new FeaturewiseStandardization().forward(torch.zeros([3, 4, 4])), /FeaturewiseStandardization: call fit\(trainingImages\) first/);
    const pixel = new FeaturewiseStandardization({ mode: 'pixel' }).fit(images());
    assert.throws(() => pixel.forward(torch.zeros([3, 4, 4])), /FeaturewiseStandardization: fitted on images of shape \[3, 8, 8\], got an image of shape \[3, 4, 4\]/);
    assert.throws(() => new FeaturewiseStandardization().fit(torch.zeros([3, 4, 4])), /FeaturewiseStandardization: fit\(\) needs images N×C×H×W; the tensor is a tensor of shape \[3, 4, 4\]/);
    assert.throws(() => new FeaturewiseStandardization().fit([]), /FeaturewiseStandardization: fit\(\) got no images/);
    assert.throws(() => new FeaturewiseStandardization({ mode: 'sample' as never }), /FeaturewiseStandardization: mode must be one of 'channel', 'pixel'/);
    assert.throws(() => new FeaturewiseStandardization().loadStateDict({ mean: torch.zeros([3, 1, 1]) }), /FeaturewiseStandardization: loadStateDict\(\) needs a tensor 'std'/);
    assert.equal(new FeaturewiseStandardization().toString(), 'FeaturewiseStandardization(mode=channel, center=True, scale=True, eps=1e-06)');
    pixel.dispose();
  }));
});

describe('ZCAWhitening', { skip: noReference }, () => {
  test("the whitening matrix is Keras' U·diag(1/√(S + ε))·Uᵀ (numpy, to 1e-4); whitened training data has identity covariance", () => torch.tidy(() => {
    const zca = new ZCAWhitening().fit(images());
    assertValues(zca.mean!, reference!.zcaMean, 1e-5);
    const components = torch.tensor(reference!.zcaComponents, { dtype: 'float64' });
    assert.ok(maxDiff(zca.components!, components) < 1e-4, `largest difference ${maxDiff(zca.components!, components)}`);
    assertValues(zca.forward(images().narrow(0, 0, 2)), reference!.whitenedFirst, 1e-4);
    const white = zca.forward(images()).reshape(400, 192);
    assert.ok(maxDiff(covariance(white), torch.eye(192)) < 1e-3, `covariance off identity by ${maxDiff(covariance(white), torch.eye(192))}`);
    assert.deepEqual(zca.forward(images().select(0, 0)).shape, [3, 8, 8]);
    zca.dispose();
  }));

  test('larger images are whitened patch-wise: every p×p patch of the training images comes out white', () => torch.tidy(() => {
    // 3×16×24 images with maxDim 192: 8×8 patches, a 2×3 grid; the patch statistics are shared by all positions.
    const x = images().reshape(400, 3, 8, 8).repeat(1, 1, 2, 3).add(torch.rand([400, 3, 16, 24], { seed: 5 }).mul(0.5));
    const zca = new ZCAWhitening({ maxDim: 192 }).fit(x);
    assert.deepEqual(zca.mean!.shape, [3, 8, 8]);
    const white = zca.forward(x);
    assert.deepEqual(white.shape, [400, 3, 16, 24]);
    const patches = white.reshape(400, 3, 2, 8, 3, 8).permute(0, 2, 4, 1, 3, 5).reshape(400 * 6, 192);
    assert.ok(maxDiff(covariance(patches), torch.eye(192)) < 1e-3);
    // A size that is not a whole number of patches is padded and cropped back.
    assert.deepEqual(zca.forward(x.narrow(2, 0, 13).narrow(3, 0, 21)).shape, [400, 3, 13, 21]);
    assert.deepEqual(zca.patchSize(3, 224, 224), [8, 8]);
    assert.deepEqual(new ZCAWhitening().patchSize(3, 224, 224), [32, 32]);
    assert.deepEqual(new ZCAWhitening().patchSize(3, 32, 32), [32, 32]);
    zca.dispose();
  }));

  test('saved statistics reload, also in a worker-built copy; one image or a batch, on every device; no leaks', () => torch.tidy(() => {
    const zca = new ZCAWhitening({ epsilon: 1e-3 }).fit(new TensorDataset(images(), torch.zeros([400])));
    const restored = new ZCAWhitening({ epsilon: 1e-3 }).loadStateDict(zca.stateDict());
    const rebuilt = new ZCAWhitening(...(zca.workerSpec().args as [object]));
    for (const device of devices) {
      const x = images().narrow(0, 0, 4).to({ device });
      const expected = zca.forward(x);
      assert.equal(expected.device, x.device);
      assert.ok(restored.forward(x).equal(expected) && rebuilt.forward(x).equal(expected));
    }
    const batch = images().narrow(0, 0, 8);
    zca.forward(batch).dispose();
    const before = torch.memory().numTensors;
    for (let k = 0; k < 10; k++) zca.forward(batch).dispose();
    assert.equal(torch.memory().numTensors, before);
    torch.dispose([zca, restored, rebuilt].map((t) => t.stateDict()));
  }));

  test('refuses to run before fit, on other shapes, and bad options', () => torch.tidy(() => {
    assert.throws(() => new ZCAWhitening().forward(torch.zeros([3, 8, 8])), /ZCAWhitening: call fit\(trainingImages\) first/);
    const zca = new ZCAWhitening().fit(images());
    assert.throws(() => zca.forward(torch.zeros([1, 8, 8])), /ZCAWhitening: fitted on 3-channel 8×8 images, got an image of shape \[1, 8, 8\]/);
    assert.throws(() => new ZCAWhitening({ epsilon: -1 }), /ZCAWhitening: epsilon must be a non-negative number, got -1/);
    assert.throws(() => new ZCAWhitening({ maxDim: 2 }).fit(images()), /ZCAWhitening: maxDim 2 is less than the 3 channels of one pixel/);
    assert.throws(() => new ZCAWhitening().loadStateDict({ mean: torch.zeros([3, 2, 2]), components: torch.zeros([4, 4]) }), /ZCAWhitening: loadStateDict\(\) needs a mean C×ph×pw and components D×D/);
    assert.equal(new ZCAWhitening().toString(), 'ZCAWhitening(epsilon=1e-06, max_dim=3072)');
    zca.dispose();
  }));
});

describe('fitted statistics in DataLoader worker threads', { skip: noReference }, () => {
  test('the fitted state travels with the workerSpec: workers give what the main thread gives', async () => {
    const x = images();
    const labels = torch.zeros([400]);
    for (const transform of [new FeaturewiseStandardization({ mode: 'pixel' }).fit(x), new ZCAWhitening().fit(x)]) {
      const dataset = new TransformedDataset(new TensorDataset(x.narrow(0, 0, 20), labels.narrow(0, 0, 20)), transform);
      const load = async (numWorkers: number) => {
        const out: Tensor[] = [];
        for await (const batch of new DataLoader(dataset, { batchSize: 8, numWorkers })) out.push(batch.inputs), batch.targets.dispose();
        return out;
      };
      const [here, there] = [await load(0), await load(1)];
      here.forEach((batch, k) => assert.ok(batch.equal(there[k]), `${transform}: batch ${k}`));
      // One image at a time and a whole batch may take different BLAS paths: equal to rounding.
      assert.ok(here[0].allclose(transform.forward(x.narrow(0, 0, 8)), 1e-5, 1e-5));
      torch.dispose([here, there]);
      transform.dispose();
    }
    torch.dispose([x, labels]);
  });
});
