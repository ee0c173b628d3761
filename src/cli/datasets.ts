// The data sets the command line knows by name.
import type { Dataset } from '../data/dataset.js';
import { FashionMNIST, MNIST } from '../data/mnist.js';
import { UsageError } from './usage-error.js';

export interface NamedDataset {
  train: Dataset;
  test: Dataset;
  classes: readonly string[];
  channels: number;
  size: [number, number];
}

const datasets: Record<string, (root?: string) => NamedDataset> = {
  'fashion-mnist': (root) => mnistLike(FashionMNIST, root),
  mnist: (root) => mnistLike(MNIST, root),
};

function mnistLike(Kind: typeof MNIST, root?: string): NamedDataset {
  const train = new Kind({ train: true, root });
  return { train, test: new Kind({ train: false, root }), classes: train.classes, channels: 1, size: [28, 28] };
}

export const datasetNames = (): string[] => Object.keys(datasets);

export function openDataset(name: string, root?: string): NamedDataset {
  const open = datasets[name];
  if (!open) throw new UsageError(`unknown data set '${name}'; available: ${datasetNames().join(', ')}`);
  return open(root);
}
