// One process of the data-parallel cases (bench/ddp.ts): a rank of a DistributedDataParallel group on loopback, or
// (worldSize 1) one process training alone, both with the same model, SGD and step as PyTorch's bench/pytorch_ddp.py.
//   node dist/bench/ddp-worker.js RANK WORLD_SIZE PORT THREADS BATCH WARMUP STEPS
// It warms up, prints {"ready": true}, then obeys one stdin line at a time: `block` times STEPS steps and answers
// {"block_ms": mean ms per step}; `done` (or the end of input) leaves the group and exits.
import { createInterface } from 'node:readline';

import { distributed as dist, F, models, nn, optim, torch } from '../src/index.js';
import { LR, MOMENTUM } from './cases.js';

/** The lecture CNN at 64×64, 2 classes: bench/cases.ts's lecture_cnn_train_step as an nn.Module (DDP wraps one). */
export const INPUT_SIZE = 64;
const CLASSES = 2;

const say = (obj: object) => process.stdout.write(`${JSON.stringify(obj)}\n`);

async function main(): Promise<void> {
  const [rank, worldSize, port, threads, batch, warmup, steps] = process.argv.slice(2).map(Number);
  torch.setNumThreads(threads);
  if (worldSize > 1) dist.initProcessGroup({ initMethod: `tcp://127.0.0.1:${port}`, rank, worldSize, timeout: 120_000 });
  torch.manualSeed(0);
  // Built in a scope, so that the tensors its parameters were made from are freed now, not in the timed loop.
  const model = torch.tidy(() => models.lectureCnn({ inputSize: INPUT_SIZE, numClasses: CLASSES }));
  const net: nn.Module = worldSize > 1 ? new nn.parallel.DistributedDataParallel(model) : model;
  const optimizer = new optim.SGD(model.parameters(), { lr: LR, momentum: MOMENTUM });
  // Each rank its own share of data, made before any timing.
  torch.manualSeed(1000 + rank);
  const x = torch.randn([batch, 3, INPUT_SIZE, INPUT_SIZE]);
  const y = torch.randint(0, CLASSES, [batch]);
  const step = () => torch.tidy(() => {
    F.crossEntropy(net.forward(x), y).backward();
    optimizer.step();
    optimizer.zeroGrad();
  });
  for (let i = 0; i < warmup; i++) step();
  say({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    const command = line.trim();
    if (command === 'done') break;
    if (command !== 'block') throw new Error(`ddp-worker: unknown command '${command}'`);
    const start = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) step();
    say({ block_ms: Number(process.hrtime.bigint() - start) / 1e6 / steps });
  }
  if (worldSize > 1) dist.destroyProcessGroup();
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
