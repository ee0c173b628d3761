// Writes a file so that a crash never leaves it half written: a temporary file beside it, flushed, then renamed.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** A file written piece by piece that appears at `path` only on commit(); until then it is a temporary beside it. */
export class AtomicFile {
  private readonly temporary: string;
  private readonly fd: number;
  private closed = false;

  constructor(readonly path: string) {
    this.temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
    this.fd = openSync(this.temporary, 'w');
  }

  write(chunk: Uint8Array): void {
    for (let written = 0; written < chunk.length; ) written += writeSync(this.fd, chunk, written);
  }

  /** Flushes the bytes to disk and puts the file at its path. */
  commit(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.closed = true;
    renameSync(this.temporary, this.path);
  }

  /** Removes the temporary: nothing is left at the path. */
  abort(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    rmSync(this.temporary, { force: true });
  }
}

export function writeFileAtomic(path: string, chunks: Uint8Array[]): void {
  const file = new AtomicFile(path);
  try {
    for (const chunk of chunks) file.write(chunk);
    file.commit();
  } catch (error) {
    file.abort();
    throw error;
  }
}
