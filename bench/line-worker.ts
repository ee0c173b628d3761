// A child process that the benchmark drives one stdin line at a time and that answers in JSON lines (the PyTorch
// worker of the step cases, the ranks of the data-parallel cases). Output that is not JSON is skipped; an exit before
// the awaited answer is an Error carrying the child's stderr.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export class LineWorker {
  private stderr = '';
  private readonly lines: AsyncIterator<string>;
  private readonly command: string;

  private constructor(private readonly child: ChildProcessWithoutNullStreams, file: string, args: string[]) {
    this.command = `${file} ${args.join(' ')}`;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (this.stderr += chunk));
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts file with args; resolves once the process runs. what names it in the error if it cannot start. */
  static async start(file: string, args: string[], what: string, env: NodeJS.ProcessEnv = process.env): Promise<LineWorker> {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new Error(`could not start ${what} (${e.message})`)));
    });
    return new LineWorker(child, file, args);
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Sends the last line and closes the child's stdin. */
  end(line: string): void {
    this.child.stdin.end(`${line}\n`);
  }

  /** The next JSON line that has key. */
  async next(key: string): Promise<Record<string, unknown>> {
    for (;;) {
      const { value, done } = await this.lines.next();
      if (done) {
        await new Promise((resolve) => (this.child.exitCode === null ? this.child.once('exit', resolve) : resolve(null)));
        throw new Error(`${this.command} ended with status ${this.child.exitCode} before '${key}':\n${this.stderr.trim()}`);
      }
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(value);
      } catch {
        continue; // a stray print, not ours
      }
      if (parsed !== null && typeof parsed === 'object' && key in parsed) return parsed;
    }
  }

  /** Resolves with the exit status once the process has ended. */
  exited(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}
