// Progress output: a live bar on a terminal, plain lines otherwise, JSON lines for scripts, or nothing.
import { bar, StatusLine } from '../util/status-line.js';
import type { EpochLogs } from './logs.js';

export type ProgressMode = 'bar' | 'lines' | 'json' | 'quiet';

export interface BatchStatus {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
  secondsLeft: number;
}

const clock = (seconds: number) => {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export class Progress {
  private readonly line: StatusLine;

  constructor(readonly mode: ProgressMode = process.stdout.isTTY ? 'bar' : 'lines', private readonly out: NodeJS.WritableStream = process.stdout) {
    this.line = new StatusLine(out, mode === 'bar');
  }

  /** Redraws the bar (at most 10 times a second, and always at an epoch's last batch). */
  batch(s: BatchStatus): void {
    this.line.draw(() => `epoch ${s.epoch}/${s.epochs} ${bar(s.batch / s.batches)} ${s.batch}/${s.batches}  loss ${s.loss.toFixed(4)}  ` +
      `acc ${(100 * s.accuracy).toFixed(1)}%  ${Math.round(s.imagesPerSecond)} img/s  ETA ${clock(s.secondsLeft)}`, s.batch >= s.batches);
  }

  epoch(logs: EpochLogs, epochs: number): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'json') {
      this.out.write(`${JSON.stringify(logs)}\n`);
      return;
    }
    const val = logs.val_loss === undefined ? '' : `  val_loss ${logs.val_loss.toFixed(4)}  val_acc ${(100 * logs.val_acc!).toFixed(2)}%`;
    const penalty = logs.penalty ? `  penalty ${logs.penalty.toFixed(4)}` : '';
    this.line.clear();
    this.out.write(`epoch ${logs.epoch}/${epochs}  loss ${logs.train_loss.toFixed(4)}${penalty}  acc ${(100 * logs.train_acc).toFixed(2)}%${val}` +
      `  lr ${logs.lr.toPrecision(3)}  ${logs.seconds.toFixed(1)} s\n`);
  }

  message(text: string): void {
    if (this.mode !== 'quiet' && this.mode !== 'json') this.out.write(`${text}\n`);
  }
}
