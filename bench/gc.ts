// Counts V8 garbage collections (and their pause time) while a piece of the benchmark runs, for --profile.
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export interface GcCount { major: number; minor: number; incremental: number; pauseMs: number }

export class GcCounter {
  private readonly entries: PerformanceEntry[] = [];
  private readonly observer = new PerformanceObserver((list) => this.entries.push(...list.getEntries()));

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Stops counting; the GCs seen so far (observer callbacks arrive asynchronously, so this waits a tick). */
  async stop(): Promise<GcCount> {
    await new Promise((resolve) => setImmediate(resolve));
    this.entries.push(...this.observer.takeRecords());
    this.observer.disconnect();
    const kindOf = (e: PerformanceEntry) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    const count = (kind: number) => this.entries.filter((e) => kindOf(e) === kind).length;
    return {
      major: count(constants.NODE_PERFORMANCE_GC_MAJOR),
      minor: count(constants.NODE_PERFORMANCE_GC_MINOR),
      incremental: count(constants.NODE_PERFORMANCE_GC_INCREMENTAL),
      pauseMs: this.entries.reduce((sum, e) => sum + e.duration, 0),
    };
  }
}
