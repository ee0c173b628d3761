import assert from 'node:assert/strict';
import { test } from 'node:test';

import { F, torch } from '../../src/index.js';

const skip = torch.cuda.isAvailable() ? false : 'CUDA is not available to this libtorch';

test('without CUDA, moving a tensor there fails with a JS Error', { skip: !skip }, () => {
  assert.equal(torch.cuda.deviceCount(), 0);
  assert.throws(() => torch.zeros([2], { device: 'cuda' }), Error);
});

test('on CUDA: ops, conv training step and autograd match the CPU', { skip }, () => {
  torch.manualSeed(0);
  torch.tidy(() => {
    const x = torch.randn([8, 3, 16, 16]);
    const w = torch.randn([4, 3, 3, 3]);
    const y = torch.randint(0, 4, [8]);
    const run = (device: string) => {
      const wd = w.detach().to(device).requiresGrad_(true); // a fresh leaf on each device
      const out = F.conv2d(x.to(device), wd, null, { padding: 1 });
      const logits = F.adaptiveAvgPool2d(F.batchNorm(out, null, null, { training: true }).relu(), 1).flatten(1);
      const loss = F.crossEntropy(logits, y.to(device), { labelSmoothing: 0.1 });
      loss.backward();
      return { loss: loss.item() as number, grad: wd.grad!.cpu() };
    };
    const cpu = run('cpu');
    const gpu = run('cuda');
    assert.ok(Math.abs(cpu.loss - gpu.loss) < 1e-4, `${cpu.loss} vs ${gpu.loss}`);
    assert.ok(cpu.grad.allclose(gpu.grad, 1e-3, 1e-4));
    const onGpu = torch.ones([2], { device: 'cuda:0' });
    assert.equal(onGpu.device, 'cuda:0');
    assert.equal(onGpu.toString(), "tensor([1., 1.], device='cuda:0')");
    assert.deepEqual(onGpu.mul(3).tolist(), [3, 3]);
    torch.cuda.synchronize();
  });
});
