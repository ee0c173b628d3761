// The engine's global state: seeding, threads, CUDA and the libtorch version.
import { checkInt } from './check.js';
import { native } from './native.js';
import { Tensor } from './tensor.js';

/** Seeds libtorch's generators (CPU and CUDA): the same seed gives PyTorch's numbers. */
export function manualSeed(seed: number): void {
  checkInt(seed, 'seed', 'manualSeed()', 0);
  native.manualSeed(seed);
}
/** The CPU generator's state as a uint8 tensor, for resuming a run. */
export const getRngState = (): Tensor => new Tensor(native.getRngState());
export const setRngState = (state: Tensor): void => native.setRngState(state.handle);

export function setNumThreads(n: number): void {
  checkInt(n, 'n', 'setNumThreads()', 1);
  native.setNumThreads(n);
}
export const getNumThreads = (): number => native.getNumThreads();
/**
 * libtorch's intra-op threads for the calling thread alone (a worker thread), where setNumThreads also changes the
 * count that threads not yet started on libtorch take up. false where libtorch has one pool for the whole process.
 */
export function setThreadNumThreads(n: number): boolean {
  checkInt(n, 'n', 'setThreadNumThreads()', 1);
  return native.setThreadNumThreads(n);
}

/** The version of the libtorch cnnkit was built against, e.g. '1.13.0'. */
export const version: string = native.version();

export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  /** Waits for all queued CUDA work (for timing). */
  synchronize: (): void => native.cudaSynchronize(),
};

/**
 * Whether the addon keeps freed memory in the process (glibc's malloc with its mmap and trim thresholds raised once at
 * load, so that a training step does not re-fault the pages of the last one), or why not: not glibc, or the user's own
 * GLIBC_TUNABLES / MALLOC_*_ settings, which win.
 */
export function mallocTuning(): { tuned: true } | { tuned: false; reason: string } {
  const [tuned, reason] = native.mallocTuned();
  return tuned ? { tuned } : { tuned, reason };
}
