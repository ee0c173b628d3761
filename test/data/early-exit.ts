// Run as a child process by the DataLoader tests: iteration with workers is broken off, fails, is left unfinished,
// or keeps its workers, and then the process must exit by itself.
import { DataLoader, TensorDataset } from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';
import { FailingDataset } from './worker-datasets.js';

const how = process.argv[2];
const loader = new DataLoader(new TensorDataset(torch.randn([256, 8]), torch.arange(256)), { batchSize: 4, numWorkers: 2, prefetch: 8 });
if (how === 'abandon') {
  // Neither finished nor broken off: the workers live on, idle, and must not keep the process alive.
  const { value } = await loader[Symbol.asyncIterator]().next();
  console.log(`left after a batch of ${value!.inputs.shape[0]}`);
} else if (how === 'break') {
  let seen = 0;
  for await (const batch of loader) {
    torch.dispose(batch);
    if (++seen === 2) break;
  }
  console.log(`broke off after ${seen} batches`);
} else if (how === 'persistent') {
  // One batch for two kept workers: the worker that never got a batch must not keep the process alive either.
  const kept = new DataLoader(new TensorDataset(torch.randn([4, 8]), torch.arange(4)), { batchSize: 4, numWorkers: 2, persistentWorkers: true });
  let seen = 0;
  for await (const batch of kept) seen += batch.inputs.shape[0];
  console.log(`kept the workers after ${seen} samples`);
} else {
  try {
    for await (const batch of new DataLoader(new FailingDataset(64, 9), { batchSize: 4, numWorkers: 2 })) torch.dispose(batch);
  } catch (error) {
    console.log((error as Error).message);
  }
}
