// `cnnkit info`: what cnnkit runs on.
import { cpus } from 'node:os';

import * as torch from '../torch/index.js';
import { parseFlags } from './args.js';

export function info(args: string[]): void {
  parseFlags('info', args, {});
  console.log(`libtorch ${torch.version}`);
  console.log(`cpu      ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), ${torch.getNumThreads()} libtorch threads`);
  console.log(`cuda     ${torch.cuda.isAvailable() ? `${torch.cuda.deviceCount()} device(s)` : 'not available'}`);
}
