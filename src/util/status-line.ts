// The one progress bar: a status line redrawn in place on a terminal, at most ten times a second, for the Trainer's
// batches, a download and `cnnkit augment`. On a stream that is not a terminal it writes nothing; callers print
// plain lines there instead.

/** Keras' bar: `[=====>    ]` for a fraction in [0, 1]. */
export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * width);
  return `[${'='.repeat(Math.max(0, filled - 1))}${filled ? '>' : ''}${' '.repeat(width - filled)}]`;
}

export class StatusLine {
  private lastDraw = 0;
  private shown = false;

  constructor(private readonly out: NodeJS.WritableStream = process.stderr, readonly live = Boolean((out as { isTTY?: boolean }).isTTY)) {}

  /** Redraws the line with `text()`, unless it was drawn less than 100 ms ago and `force` is not set. */
  draw(text: () => string, force = false): void {
    if (!this.live) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.out.write(`\r${text()}\x1b[K`);
    this.shown = true;
  }

  /** Erases the line, so that what is written next takes its place. */
  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }

  /** Leaves the line as it stands and moves below it. */
  end(): void {
    if (this.shown) this.out.write('\n');
    this.shown = false;
  }
}
