// Photo-sized JPEGs made for the photo cases (bench/make_photos.py, in Debian's Python with PIL): sizes drawn from
// 300–500 × 240–500, 40–60 KB each at quality 90, in 4 class folders of a temporary folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PYTHON } from './pytorch.js';

const SCRIPT = fileURLToPath(new URL('../../bench/make_photos.py', import.meta.url));

/** The folder, and what the files came out as: KB [min, mean, max], pixels [min, max]. */
export function makePhotoFolder(count: number, seed = 0): { root: string; kb: number[]; pixels: number[] } {
  const root = mkdtempSync(join(tmpdir(), 'cnnkit-bench-photos-'));
  const run = spawnSync(PYTHON, [SCRIPT, root, String(count), String(seed)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`making the photo JPEGs failed: ${run.stderr.trim().split('\n').pop()}`);
  const made = JSON.parse(run.stdout);
  return { root, kb: made.kb, pixels: made.pixels };
}
