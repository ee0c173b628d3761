// Runs a reference script of this folder with Debian's PyTorch and torchvision (or the Python named by
// CNNKIT_REFERENCE_PYTHON, e.g. on a GPU machine whose torch lives elsewhere) and hands its JSON to the tests.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The script's JSON output, or why there is none (then the tests that need it are skipped with that reason). */
export function pythonReference(script: string): { reference: Record<string, any> | null; noReference: string | false } {
  const path = fileURLToPath(new URL(`../../../test/transforms/${script}`, import.meta.url));
  const python = process.env.CNNKIT_REFERENCE_PYTHON || '/usr/bin/python3';
  const run = spawnSync(python, [path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status === 0) return { reference: JSON.parse(run.stdout), noReference: false };
  return { reference: null, noReference: `no torchvision for ${python}: ${(run.stderr || String(run.error)).trim().split('\n').pop()}` };
}
