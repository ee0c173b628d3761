// A run folder's metrics.csv (written by CSVLogger, one row per epoch) read back as the epochs' logs, for the
// learning curves of a report made after training.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { EpochLogs } from '../train/logs.js';

export const METRICS_FILE = 'metrics.csv';

/** The epochs of the run in `dir`, oldest first; none when it has no metrics.csv. */
export function readMetrics(dir: string): EpochLogs[] {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return [];
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header.split(',');
  return rows.filter((row) => row !== '').map((row) => {
    const cells = row.split(',');
    // An empty cell is a value the epoch did not have (no validation): left out, as in the logs.
    return Object.fromEntries(columns.flatMap((column, i) => (cells[i] === undefined || cells[i] === '' ? [] : [[column, Number(cells[i])]]))) as EpochLogs;
  });
}
