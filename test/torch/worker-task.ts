// Runs in a worker thread: its own tensors, its own memory counts, its own grad mode.
import { parentPort, workerData } from 'node:worker_threads';

import { torch } from '../../src/index.js';

const { seed, size } = workerData as { seed: number; size: number };
torch.manualSeed(seed);
torch.setGradEnabled(false);
const kept = torch.ones([size]);
let total = 0;
for (let i = 0; i < 200; i++) total += torch.tidy(() => torch.arange(size).float().mul(2).sum().item() as number);
parentPort!.postMessage({ total, memory: torch.memory(), gradEnabled: torch.isGradEnabled(), kept: kept.sum().item() });
