import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Random, withRandom } from '../../src/torch/random.js';
import { ReLU } from '../../src/nn/layers/activation.js';
import { BatchNorm2d } from '../../src/nn/layers/batchnorm.js';
import { Sequential } from '../../src/nn/layers/containers.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { AdaptiveAvgPool2d } from '../../src/nn/layers/pooling.js';
import { Flatten } from '../../src/nn/layers/reshape.js';
import { Module } from '../../src/nn/module.js';
import { lectureCnn } from '../../src/models/lecture-cnn.js';
import { resnet20 } from '../../src/models/resnet-cifar.js';
import * as F from '../../src/nn/functional.js';
import * as torch from '../../src/torch/index.js';
import { AdversarialErasing, classActivationMap, gradCam } from '../../src/transforms/adversarial-erasing.js';
import { assertValues } from '../helpers.js';

const script = fileURLToPath(new URL('../../../test/transforms/adversarial_erasing_reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8', maxBuffer: 64 << 20 });
const reference = run.status === 0 ? JSON.parse(run.stdout) : null;
const noReference = reference ? false : `no PyTorch for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;

/** The reference script's network: conv-bn-relu-conv-relu, global average pooling, Linear. */
class Net extends Module {
  features = new Sequential(new Conv2d(3, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new Conv2d(4, 6, 3, { padding: 1, stride: 2 }), new ReLU());
  pool = new AdaptiveAvgPool2d(1);
  fc = new Linear(6, 3);
  forward(x: torch.Tensor): torch.Tensor {
    return torch.tidy(() => this.fc.forward(this.pool.forward(this.features.forward(x)).flatten(1)));
  }
}

function referenceNet(): Net {
  const net = new Net();
  torch.tidy(() => net.loadStateDict(Object.fromEntries(Object.entries(reference.state as Record<string, unknown>).map(([k, v]) =>
    [k, torch.tensor(v as number[], k.endsWith('num_batches_tracked') ? { dtype: 'int64' } : { dtype: 'float32' })]))));
  return net;
}

/** A model whose CAM for class 0 is the image itself: 1×1 conv of weight 1, ReLU, pooling, Linear [[1], [−1]]. */
class BrightSpot extends Module {
  conv = new Conv2d(1, 1, 1);
  relu = new ReLU();
  pool = new AdaptiveAvgPool2d(1);
  fc = new Linear(1, 2);
  constructor() {
    super();
    torch.noGrad(() => {
      this.conv.weight.fill_(1);
      this.conv.bias!.fill_(0);
      this.fc.weight.copy_(torch.tidy(() => torch.tensor([[1], [-1]], { dtype: 'float32' })));
      this.fc.bias!.fill_(0);
    });
  }
  forward(x: torch.Tensor): torch.Tensor {
    return torch.tidy(() => this.fc.forward(this.pool.forward(this.relu.forward(this.conv.forward(x))).flatten(1)));
  }
}

describe('AdversarialErasing', () => {
  test('erases exactly the bright square that the CAM fires on', () => torch.tidy(() => {
    const images = torch.full([2, 1, 10, 10], 0.1);
    images.indexPut_([0, 0, '2:5', '3:7'], 1);
    images.indexPut_([1, 0, '6:9', '0:2'], 1);
    const erasing = new AdversarialErasing({ p: 1 });
    const out = erasing.forward({ inputs: images, targets: torch.tensor([0, 0]) }, { model: new BrightSpot() });
    const expected = images.clone();
    expected.indexPut_([0, 0, '2:5', '3:7'], 0);
    expected.indexPut_([1, 0, '6:9', '0:2'], 0);
    assert.ok(out.inputs.equal(expected));
    // Soft targets pick the class by argmax; class 1's map (−image) has no positive peak, so nothing is erased.
    const soft = erasing.forward({ inputs: images, targets: torch.tensor([[0.9, 0.1], [0.2, 0.8]]) }, { model: new BrightSpot() });
    assert.ok(soft.inputs.select(0, 0).equal(expected.select(0, 0)));
    assert.ok(soft.inputs.select(0, 1).equal(images.select(0, 1)));
    const filled = new AdversarialErasing({ p: 1, fill: 'mean' }).forward({ inputs: images, targets: torch.tensor([0, 0]) }, { model: new BrightSpot() });
    assertValues(filled.inputs.index(0, 0, 3, 4), images.select(0, 0).mean().item(), 1e-6);
  }));

  test('Grad-CAM and CAM equal PyTorch on the same model', { skip: noReference }, () => torch.tidy(() => {
    const net = referenceNet();
    const images = torch.tensor(reference.images);
    for (const layer of ['features.4', 'features.3']) assertValues(gradCam(net, images, reference.classes, layer), reference.gradcam[layer], 1e-4);
    assertValues(classActivationMap(net, images, reference.classes), reference.cam, 1e-4);
    assertValues(classActivationMap(net, images, torch.tensor(reference.classes), 'features'), reference.cam, 1e-4);
    const erasing = new AdversarialErasing({ p: 1, mode: 'gradcam', layer: 'features.4' });
    assertValues(erasing.forward({ inputs: images, targets: torch.tensor(reference.classes) }, { model: net }).inputs, reference.erased_gradcam, 0);
    if (torch.cuda.isAvailable()) {
      net.to('cuda');
      assertValues(gradCam(net, images.cuda(), reference.classes, 'features.4').cpu(), reference.gradcam['features.4'], 1e-4);
      const onCuda = erasing.forward({ inputs: images.cuda(), targets: torch.tensor(reference.classes).cuda() }, { model: net });
      assertValues(onCuda.inputs.cpu(), reference.erased_gradcam, 0);
    }
  }));

  test('leaves the model as it was: parameters, gradients, mode, buffers, forward', { skip: noReference }, () => torch.tidy(() => {
    const net = referenceNet();
    net.train();
    net.features.at(2).train(false);
    const images = torch.tensor(reference.images);
    net.forward(images).sum().backward(); // a gradient in place, as mid-step
    const state = net.stateDict();
    const before = Object.fromEntries(Object.entries(state).map(([k, t]) => [k, t.clone()]));
    const grads = net.parameters().map((p) => p.grad!.clone());
    for (const mode of ['cam', 'gradcam'] as const) {
      new AdversarialErasing({ p: 1, mode, layer: 'features.4' }).forward({ inputs: images, targets: torch.tensor(reference.classes) }, { model: net });
    }
    for (const [k, t] of Object.entries(net.stateDict())) assert.ok(t.equal(before[k]), `${k} changed`);
    net.parameters().forEach((p, i) => assert.ok(p.grad!.equal(grads[i]), `gradient ${i} changed`));
    assert.deepEqual(net.modules().map((m) => m.training), [true, true, true, true, false, true, true, true, true]);
    assert.ok(!Object.hasOwn(net.features.at(4), 'forward') && !Object.hasOwn(net.pool, 'forward'));
  }));

  test('each image is erased with probability p, reproducibly; memory stays flat', { skip: noReference }, () => {
    const net = referenceNet();
    const images = torch.tensor(reference.images).repeat([4, 1, 1, 1]);
    const targets = torch.tensor([...reference.classes, ...reference.classes, ...reference.classes, ...reference.classes]);
    const erasing = new AdversarialErasing({ p: 0.5, mode: 'gradcam', layer: 'features.4' });
    torch.tidy(() => {
      const out = withRandom(new Random(3), () => erasing.forward({ inputs: images, targets }, { model: net }));
      const unchanged = out.inputs.unbind(0).map((image, i) => image.equal(images.select(0, i)));
      assert.ok(unchanged.some((u) => u) && unchanged.some((u) => !u));
      assert.ok(withRandom(new Random(3), () => erasing.forward({ inputs: images, targets }, { model: net })).inputs.equal(out.inputs));
    });
    for (const mode of ['cam', 'gradcam'] as const) {
      const transform = new AdversarialErasing({ p: 1, mode, layer: 'features.4' });
      torch.dispose(transform.forward({ inputs: images, targets }, { model: net }));
      const count = torch.memory().numTensors;
      for (let i = 0; i < 5; i++) torch.dispose(transform.forward({ inputs: images, targets }, { model: net }));
      assert.equal(torch.memory().numTensors, count, mode);
    }
  });

  test('works on the built-in models: CAM on resnet_cifar, Grad-CAM on lecture_cnn', () => torch.tidy(() => {
    const images = torch.rand([2, 3, 16, 16], { seed: 2 });
    const targets = torch.tensor([1, 0]);
    const resnet = resnet20({ numClasses: 3 });
    const cam = classActivationMap(resnet, images, [1, 0]);
    assert.deepEqual(cam.shape, [2, 16, 16]);
    // By hand: the features entering the pool, weighted by the Linear layer's rows of each class. For this head, Grad-CAM's
    // weights are those rows divided by the 4×4 positions.
    resnet.eval();
    const features = resnet.layer3.forward(resnet.layer2.forward(resnet.layer1.forward(resnet.relu.forward(resnet.bn1.forward(resnet.conv1.forward(images))))));
    const weighted = resnet.fc.weight.indexSelect(0, torch.tensor([1, 0])).view([2, 64, 1, 1]).mul(features).sum(1, true);
    const up = (maps: torch.Tensor) => F.interpolate(maps, { size: [16, 16], mode: 'bilinear', alignCorners: false }).squeeze(1);
    assert.ok(cam.allclose(up(weighted), 1e-4, 1e-5));
    assert.ok(gradCam(resnet, images, [1, 0], 'layer3').allclose(up(weighted.div(16).relu()), 1e-4, 1e-6));
    // A module called twice (each block's ReLU) gives its last call: the block's output, here layer3's.
    const before = torch.memory().numTensors;
    assert.ok(gradCam(resnet, images, [1, 0], 'layer3.2.relu').allclose(gradCam(resnet, images, [1, 0], 'layer3'), 1e-5, 1e-7));
    assert.ok(classActivationMap(resnet, images, [1, 0], 'layer3.2.relu').allclose(cam, 1e-5, 1e-6));
    assert.equal(torch.memory().numTensors, before + 3);
    const lecture = lectureCnn({ inputSize: 16, numClasses: 2 });
    assert.throws(() => classActivationMap(lecture, images, [1, 0]), /classActivationMap: CAM needs a head of global average pooling/);
    const out = new AdversarialErasing({ p: 1, mode: 'gradcam', layer: 'features.2' }).forward({ inputs: images, targets }, { model: lecture });
    assert.deepEqual(out.inputs.shape, [2, 3, 16, 16]);
    resnet.dispose();
    lecture.dispose();
  }));

  test('refuses what it cannot work with', () => torch.tidy(() => {
    const images = torch.rand([2, 1, 8, 8]);
    const targets = torch.tensor([0, 1]);
    assert.throws(() => new AdversarialErasing({ p: 1 }).forward({ inputs: images, targets }), /AdversarialErasing: needs the model being trained as context.model/);
    const flat = new Sequential(new Conv2d(1, 2, 3), new Flatten(), new Linear(72, 2));
    assert.throws(() => new AdversarialErasing({ p: 1 }).forward({ inputs: images, targets }, { model: flat }), /classActivationMap: CAM needs a head of global average pooling .* use Grad-CAM/);
    assert.throws(() => new AdversarialErasing({ p: 1, mode: 'gradcam', layer: 'nope' }).forward({ inputs: images, targets }, { model: flat }), /gradCam: the model has no module 'nope'; its modules are 0, 1, 2/);
    assert.throws(() => new AdversarialErasing({ mode: 'gradcam' }), /AdversarialErasing: mode 'gradcam' needs layer/);
    assert.throws(() => new AdversarialErasing({ threshold: 2 }), /AdversarialErasing: threshold is a fraction .* got 2/);
    assert.throws(() => new AdversarialErasing({ p: 1 }).forward({ inputs: images, targets: torch.tensor([0, 1, 1]) }, { model: new BrightSpot() }),
      /AdversarialErasing: targets must be 2 class indices or 2×K class probabilities/);
    assert.equal(new AdversarialErasing().toString(), 'AdversarialErasing(threshold=0.8, mode=cam, fill=0, p=0.5)');
  }));
});
