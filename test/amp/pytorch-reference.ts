// Runs test/amp/reference.py with Debian's PyTorch once per process (-O: see the GradScaler note there) and hands its JSON to the tests.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../test/amp/reference.py', import.meta.url));
const run = spawnSync('/usr/bin/python3', ['-O', script], { encoding: 'utf8', maxBuffer: 64 << 20 });

/** The reference, or why there is none (then the tests that need it are skipped). */
export const reference: Record<string, any> | null = run.status === 0 ? JSON.parse(run.stdout) : null;
export const noReference: string | false = reference ? false : `no PyTorch for /usr/bin/python3: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`;
