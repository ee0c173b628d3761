// `cnnkit setup`: builds the addon against the libtorch it finds (LIBTORCH, LIBTORCH_USE_PYTORCH=1 or the system's),
// as npm's install step does where the project allows cnnkit's install script. It imports nothing that loads the
// addon, so it runs where the addon is missing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { parseFlags } from './args.js';

export function setup(args: string[]): void {
  parseFlags('setup', args, {});
  const script = fileURLToPath(new URL('../../../scripts/build-native.sh', import.meta.url));
  console.log('cnnkit setup: building the native addon against libtorch (a minute or two the first time)');
  const run = spawnSync('bash', [script], { stdio: 'inherit' });
  if (run.error) throw new Error(`setup: could not run bash ${script}: ${run.error.message}`);
  if (run.status !== 0) throw new Error('setup: the addon did not build; the lines above say what is missing');
  console.log('cnnkit setup: the addon is built');
}
