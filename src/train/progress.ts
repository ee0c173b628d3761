// Progress output: a live bar on a terminal, plain lines otherwise, JSON lines for scripts, or nothing.
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
  private lastDraw = 0;

  constructor(readonly mode: ProgressMode = process.stdout.isTTY ? 'bar' : 'lines', private readonly out: NodeJS.WritableStream = process.stdout) {}

  /** Redraws the bar (at most 10 times a second). */
  batch(s: BatchStatus): void {
    if (this.mode !== 'bar') return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && s.batch < s.batches) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.round((width * s.batch) / s.batches);
    const bar = '='.repeat(Math.max(0, filled - 1)) + (filled ? '>' : '') + ' '.repeat(width - filled);
    this.out.write(`\repoch ${s.epoch}/${s.epochs} [${bar}] ${s.batch}/${s.batches}  loss ${s.loss.toFixed(4)}  acc ${(100 * s.accuracy).toFixed(1)}%  ` +
      `${Math.round(s.imagesPerSecond)} img/s  ETA ${clock(s.secondsLeft)}\x1b[K`);
  }

  epoch(logs: EpochLogs, epochs: number): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'json') {
      this.out.write(`${JSON.stringify(logs)}\n`);
      return;
    }
    const val = logs.val_loss === undefined ? '' : `  val_loss ${logs.val_loss.toFixed(4)}  val_acc ${(100 * logs.val_acc!).toFixed(2)}%`;
    const penalty = logs.penalty ? `  penalty ${logs.penalty.toFixed(4)}` : '';
    this.out.write(`${this.mode === 'bar' ? '\r' : ''}epoch ${logs.epoch}/${epochs}  loss ${logs.train_loss.toFixed(4)}${penalty}  acc ${(100 * logs.train_acc).toFixed(2)}%${val}` +
      `  lr ${logs.lr.toPrecision(3)}  ${logs.seconds.toFixed(1)} s${this.mode === 'bar' ? '\x1b[K' : ''}\n`);
  }

  message(text: string): void {
    if (this.mode !== 'quiet' && this.mode !== 'json') this.out.write(`${text}\n`);
  }
}
