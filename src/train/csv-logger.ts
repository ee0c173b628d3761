// CSVLogger: one row per epoch (metrics.csv), rewritten atomically each epoch so a crash leaves a whole file.
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Callback } from './callback.js';
import { CSV_COLUMNS, type EpochLogs } from './logs.js';

export class CSVLogger implements Callback {
  private readonly rows: string[] = [CSV_COLUMNS.join(',')];

  constructor(readonly path: string) {}

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    this.rows.push(CSV_COLUMNS.map((c) => (logs[c] === undefined ? '' : String(logs[c]))).join(','));
    writeFileAtomic(this.path, [Buffer.from(`${this.rows.join('\n')}\n`)]);
  }
}
