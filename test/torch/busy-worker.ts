// Runs in a worker thread: libtorch calls without end, until the thread is terminated.
import { parentPort } from 'node:worker_threads';

import { torch } from '../../src/index.js';

parentPort!.postMessage('started');
for (;;) torch.tidy(() => torch.randn([64, 64]).matmul(torch.randn([64, 64])).sum().item());
