// One rank of the data-parallel tests (node dist/test/distributed/ddp-worker.js <scenario> <rank> <worldSize> <port>
// [timeoutMs]), and the one-process reference they are compared with. The rank prints one JSON line on success;
// on failure its message goes to stderr and it exits 1.
import { fileURLToPath } from 'node:url';

import { distributed as dist, F, nn, optim, torch, type Tensor } from '../../src/index.js';

export const steps = 6;
export const globalBatch = 8;
const lr = 0.1;

/** A small CNN with batch norm; seed decides its initial weights. */
export function buildModel(seed: number): nn.Module {
  torch.manualSeed(seed);
  return new nn.Sequential(
    new nn.Conv2d(3, 6, 3, { padding: 1 }), new nn.BatchNorm2d(6), new nn.ReLU(),
    new nn.Conv2d(6, 6, 3, { stride: 2 }), new nn.BatchNorm2d(6), new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(6, 4),
  );
}

/** The targets of a step's global batch (micro: which accumulated part); randint has no seeded form. */
function targetsOf(step: number, micro: number): Tensor {
  return torch.rand([globalBatch], { seed: 5000 + 10 * step + micro }).mul(4).floor().to('int64');
}

/** Every parameter and buffer, by name, as plain numbers. */
export function stateOf(model: nn.Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.toTypedArray() as Float32Array, Number)]));
}

/** micros batches accumulated per optimizer step (1: none). */
function train(model: nn.Module, forward: (x: Tensor) => Tensor, share: (t: Tensor) => Tensor, micros: number,
  runMicro: (last: boolean, fn: () => void) => void): void {
  const optimizer = new optim.SGD(model.parameters(), { lr, momentum: 0.9 });
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    for (let micro = 0; micro < micros; micro++) {
      runMicro(micro === micros - 1, () => torch.tidy(() => {
        const inputs = share(torch.randn([globalBatch, 3, 8, 8], { seed: 1000 + 10 * step + micro }));
        const targets = share(targetsOf(step, micro));
        F.crossEntropy(forward(inputs), targets).backward();
      }));
    }
    optimizer.step();
  }
}

/** The one-process run on whole batches, with plain batch norm. */
export function reference(micros: number): Record<string, number[]> {
  const model = buildModel(0);
  train(model, (x) => model.forward(x), (t) => t, micros, (_, fn) => fn());
  return stateOf(model);
}

/** sync false: every backward under noSync(), the control that shows the parity needs the averaging. */
function rankRun(rank: number, worldSize: number, micros: number, bucketCapMb = 25, sync = true): Record<string, number[]> {
  // Rank 0's initial weights must reach the others: they start from other ones.
  const model = nn.SyncBatchNorm.convertSyncBatchnorm(buildModel(rank === 0 ? 0 : 99));
  const ddp = new nn.parallel.DistributedDataParallel(model, { bucketCapMb });
  const per = globalBatch / worldSize;
  train(model, (x) => ddp.forward(x), (t) => t.narrow(0, rank * per, per), micros,
    (last, fn) => (last && sync ? fn() : ddp.noSync(fn)));
  return stateOf(model);
}

async function main(): Promise<void> {
  const [scenario, rankText, sizeText, portText, timeoutText] = process.argv.slice(2);
  const rank = Number(rankText);
  const worldSize = Number(sizeText);
  const timeout = Number(timeoutText ?? 20000);
  dist.initProcessGroup({ initMethod: `tcp://127.0.0.1:${portText}`, rank, worldSize, timeout });
  let result: unknown;
  if (scenario === 'parity') result = rankRun(rank, worldSize, 1);
  else if (scenario === 'nosync') result = rankRun(rank, worldSize, 2);
  // About 100 parameter values per bucket: many buckets, each launched during backward.
  else if (scenario === 'small-buckets') result = rankRun(rank, worldSize, 1, 400 / 1024 / 1024);
  else if (scenario === 'unsynced') result = rankRun(rank, worldSize, 1, 25, false);
  else if (scenario === 'collectives') result = collectives(rank);
  else if (scenario === 'die') result = dieMidRun(rank, worldSize, Number(process.argv[7]));
  else throw new Error(`unknown scenario ${scenario}`);
  dist.destroyProcessGroup();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function collectives(rank: number): Record<string, unknown> {
  const values = (t: Tensor) => Array.from(t.toTypedArray() as Float32Array, Number);
  const f = (xs: number[]) => torch.tensor(xs, { dtype: 'float32' });
  const out: Record<string, unknown> = { rank: dist.getRank(), worldSize: dist.getWorldSize() };
  for (const op of ['sum', 'avg', 'min', 'max', 'product'] as const) out[op] = values(dist.allReduce(f([rank + 1, -2 * (rank + 1)]), op));
  out.broadcast = values(dist.broadcast(f([rank * 10 + 1, rank * 10 + 2]), 1));
  out.allGather = dist.allGather(f([rank, rank + 0.5])).map(values);
  dist.barrier();
  return out;
}

/** Trains under DDP; the rank `victim` kills itself at step 3, so the others lose it in the gradients' all-reduce. */
function dieMidRun(rank: number, worldSize: number, victim: number): unknown {
  const model = buildModel(0);
  const ddp = new nn.parallel.DistributedDataParallel(model, { broadcastBuffers: false });
  const optimizer = new optim.SGD(model.parameters(), { lr });
  for (let step = 0; step < 1000; step++) {
    if (rank === victim && step === 3) process.kill(process.pid, 'SIGKILL');
    torch.tidy(() => {
      optimizer.zeroGrad();
      F.crossEntropy(ddp.forward(torch.randn([2, 3, 8, 8], { seed: step })), targetsOf(step, 0).narrow(0, 0, 2)).backward();
      optimizer.step();
    });
  }
  return { worldSize };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
