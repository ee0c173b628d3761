// CSVLogger: one row per epoch (metrics.csv), rewritten atomically each epoch so a crash leaves a whole file.
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Callback } from './callback.js';
import { CSV_COLUMNS, type EpochLogs } from './logs.js';
import type { Trainer } from './trainer.js';

const row = (logs: EpochLogs) => CSV_COLUMNS.map((c) => (logs[c] === undefined ? '' : String(logs[c]))).join(',');

export class CSVLogger implements Callback {
  private rows: string[] = [];

  constructor(readonly path: string) {}

  /** Starts from the trainer's history, so a resumed run keeps the epochs it already did. */
  onTrainBegin(trainer: Trainer): void {
    this.rows = [CSV_COLUMNS.join(','), ...trainer.history.map(row)];
  }

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    this.rows.push(row(logs));
    writeFileAtomic(this.path, [Buffer.from(`${this.rows.join('\n')}\n`)]);
  }
}
