// `cnnkit demo`: a short tour of the engine: tensors, autograd, and a tiny CNN trained with plain tensor ops.
import * as F from '../nn/functional.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/tensor.js';
import { parseFlags } from './args.js';

/** N 8×8 images holding a horizontal (label 0) or vertical (label 1) bar, plus noise. */
function bars(n: number): { images: Tensor; labels: Tensor } {
  return torch.tidy(() => {
    const labels = torch.randint(0, 2, [n]);
    const where = torch.randint(0, 8, [n]).view(n, 1, 1);
    const positions = torch.arange(8);
    const horizontal = positions.view(1, 8, 1).eq(where).expand(n, 8, 8);
    const vertical = positions.view(1, 1, 8).eq(where).expand(n, 8, 8);
    const bar = torch.where(labels.view(n, 1, 1).eq(1), vertical, horizontal).float();
    const images = bar.add(torch.randn([n, 8, 8]).mul(0.3)).unsqueeze(1);
    return { images, labels };
  });
}

export function demo(args: string[]): void {
  const flags = parseFlags('demo', args, {
    steps: { type: 'number', about: 'training steps of the tiny CNN (default 300)' },
    seed: { type: 'number', about: 'random seed (default 0)' },
  });
  const steps = Number(flags.steps ?? 300);
  torch.manualSeed(Number(flags.seed ?? 0));
  console.log(`cnnkit on libtorch ${torch.version}, ${torch.getNumThreads()} thread(s), CUDA ${torch.cuda.isAvailable() ? 'available' : 'not available'}\n`);

  torch.tidy(() => {
    const a = torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    console.log('a =', a.toString());
    console.log('a @ a =', a.matmul(a).toString());
    console.log('softmax(a, 1) =', a.softmax(1).toString(), '\n');

    const x = torch.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const y = x.pow(3).sum();
    y.backward();
    console.log('x =', x.toString());
    console.log('y = sum(x³) =', y.toString());
    console.log('dy/dx = 3x² =', x.grad!.toString(), '\n');
  });

  // A conv → ReLU → max-pool → linear classifier, trained with SGD and momentum, every step in a tidy scope.
  const params = [
    torch.randn([8, 1, 3, 3]).mul_(Math.sqrt(2 / 9)), torch.zeros([8]),
    torch.randn([2, 128]).mul_(Math.sqrt(1 / 128)), torch.zeros([2]),
  ].map((p) => p.requiresGrad_(true));
  const momentum = params.map((p) => torch.zerosLike(p));
  const [w1, b1, w2, b2] = params;
  const forward = (images: Tensor) => F.linear(F.maxPool2d(F.conv2d(images, w1, b1, { padding: 1 }).relu(), 2).flatten(1), w2, b2);
  console.log(`training a tiny CNN to tell horizontal from vertical bars (${steps} steps of 32 images)`);
  const start = performance.now();
  for (let step = 1; step <= steps; step++) {
    torch.tidy(() => {
      const { images, labels } = bars(32);
      const loss = F.crossEntropy(forward(images), labels);
      loss.backward();
      torch.noGrad(() => params.forEach((p, i) => {
        momentum[i].mul_(0.9).add_(p.grad!);
        p.sub_(momentum[i], 0.05);
        p.grad = null;
      }));
      if (step % Math.max(1, Math.floor(steps / 6)) === 0 || step === steps) {
        const { numTensors } = torch.memory();
        console.log(`  step ${String(step).padStart(4)}  loss ${(loss.item() as number).toFixed(4)}  live tensors ${numTensors}`);
      }
    });
  }
  const seconds = (performance.now() - start) / 1000;
  const accuracy = torch.tidy(() => torch.noGrad(() => {
    const { images, labels } = bars(1000);
    return forward(images).argmax(1).eq(labels).float().mean().item() as number;
  }));
  console.log(`done in ${seconds.toFixed(1)} s; accuracy on 1000 new images: ${(accuracy * 100).toFixed(1)} %`);
}
