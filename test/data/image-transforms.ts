// A transform that DataLoader worker threads can rebuild, for the image dataset tests.
import type { WorkerSpec } from '../../src/data/dataset.js';
import type { Tensor } from '../../src/torch/tensor.js';

/** 1 - x. */
export class Invert {
  forward(x: Tensor): Tensor {
    return x.neg().add_(1);
  }

  workerSpec(): WorkerSpec {
    return { module: import.meta.url, name: 'Invert', args: [] };
  }
}
