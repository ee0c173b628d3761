// initProcessGroup: the rendezvous of torch.distributed.init_process_group (env:// as torchrun sets it, or
// tcp://host:port), a TCPStore on the master (rank 0), and a Gloo process group made the default one.
import {
  defaultGroup, destroyGroup, isInitialized, ncclIsAvailable, newGlooGroup, setDefaultGroup, tcpStore, type ProcessGroup, type Store,
} from '../torch/distributed.js';
import { version } from '../torch/runtime.js';

export interface InitOptions {
  /** 'gloo' (CPU tensors). 'nccl' needs a libtorch built with NCCL. */
  backend?: 'gloo' | 'nccl';
  /** 'env://' (default: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT from the environment) or 'tcp://host:port'. */
  initMethod?: string;
  /** This process's rank in 0..worldSize-1; default: the RANK environment variable. */
  rank?: number;
  /** How many ranks; default: WORLD_SIZE. */
  worldSize?: number;
  /** Milliseconds any rendezvous or collective may take before it fails (default 30 minutes, as PyTorch's). */
  timeout?: number;
  /** The network interface Gloo uses (default: GLOO_SOCKET_IFNAME, else loopback for a loopback master, else the host name's address). */
  glooInterface?: string;
  /**
   * The address of this host that Gloo binds to and the other ranks reach it at (default: the LOCAL_ADDR environment
   * variable, which `cnnkit train --local-addr` sets; else as glooInterface says). For more than one node on a host
   * or a host with several addresses.
   */
  localAddr?: string;
}

const defaultTimeoutMs = 30 * 60 * 1000;

interface Rendezvous {
  host: string;
  port: number;
  rank: number;
  worldSize: number;
}

function fromEnv(name: string, where: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`initProcessGroup: ${where} needs the ${name} environment variable (torchrun and 'cnnkit train --nproc-per-node' set it) or the option`);
  }
  return value;
}

function integer(value: number | string, name: string, min: number): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new RangeError(`initProcessGroup: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  return n;
}

function rendezvous(options: InitOptions): Rendezvous {
  const method = options.initMethod ?? 'env://';
  let host: string;
  let port: number;
  if (method === 'env://') {
    host = fromEnv('MASTER_ADDR', 'env://');
    port = integer(fromEnv('MASTER_PORT', 'env://'), 'MASTER_PORT', 0);
  } else {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(method);
    if (!m) throw new TypeError(`initProcessGroup: initMethod must be 'env://' or 'tcp://host:port', got '${method}'`);
    host = m[1].replace(/^\[|\]$/g, '');
    port = integer(m[2], 'the port', 0);
  }
  if (port > 65535) throw new RangeError(`initProcessGroup: the master port must be in 0..65535, got ${port}`);
  const worldSize = integer(options.worldSize ?? fromEnv('WORLD_SIZE', method), 'worldSize', 1);
  const rank = integer(options.rank ?? fromEnv('RANK', method), 'rank', 0);
  if (rank >= worldSize) throw new RangeError(`initProcessGroup: rank ${rank} is out of range for worldSize ${worldSize}`);
  return { host, port, rank, worldSize };
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/** The store on the master; libtorch's errors said in one line each. */
function openStore({ host, port, rank, worldSize }: Rendezvous, timeoutMs: number): Store {
  const where = `${host}:${port}`;
  try {
    return tcpStore(host, port, { isServer: rank === 0, worldSize, timeoutMs });
  } catch (error) {
    const message = (error as Error).message;
    if (rank === 0 && /in use|EADDRINUSE|errno: 98/i.test(message)) {
      throw new Error(`initProcessGroup: port ${port} on ${host} is in use; choose another master port (MASTER_PORT)`);
    }
    if (rank === 0 && /waiting for (clients|workers)|timed out/i.test(message)) {
      const joined = /(\d+\/\d+)/.exec(message)?.[1];
      throw new Error(`initProcessGroup: ${joined ? `only ${joined} ranks` : 'not every rank'} joined the master at ${where} within ${timeoutMs / 1000} s ` +
        `(is worldSize ${worldSize} right on every rank?)`);
    }
    if (rank !== 0) throw new Error(`initProcessGroup: cannot reach the master at ${where} within ${timeoutMs / 1000} s (${firstLine(message)})`);
    throw new Error(`initProcessGroup: cannot serve the store at ${where}: ${firstLine(message)}`);
  }
}

const firstLine = (message: string) => message.split('\n')[0].trim();

/** Every rank states its world size and rank on the store; rank 0 reads them all, so a mismatch fails on each side. */
function checkAgreement(store: Store, { rank, worldSize }: Rendezvous, timeoutMs: number): void {
  if (store.add(`cnnkit/rank/${rank}`, 1) > 1) throw new Error(`initProcessGroup: rank ${rank} is already taken by another process`);
  store.set(`cnnkit/world_size/${rank}`, String(worldSize));
  const read = (r: number) => {
    try {
      return Number(store.get(`cnnkit/world_size/${r}`, timeoutMs));
    } catch {
      throw new Error(`initProcessGroup: rank ${r} did not join within ${timeoutMs / 1000} s`);
    }
  };
  const mismatch = (r: number, theirs: number) =>
    new Error(`initProcessGroup: world size mismatch: rank ${r} says ${theirs}, this rank (${rank}) says ${worldSize}`);
  if (rank !== 0) {
    const master = read(0);
    if (master !== worldSize) throw mismatch(0, master);
    return;
  }
  for (let r = 1; r < worldSize; r++) {
    const theirs = read(r);
    if (theirs !== worldSize) throw mismatch(r, theirs);
  }
}

/**
 * Joins the process group (as torch.distributed.init_process_group): every rank calls it, and it returns once all
 * worldSize ranks have met at the master (rank 0 listens on the master port). Collectives then use this group.
 */
export function initProcessGroup(options: InitOptions = {}): ProcessGroup {
  const backend = options.backend ?? 'gloo';
  if (backend === 'nccl') {
    throw new Error(ncclIsAvailable()
      ? "initProcessGroup: backend 'nccl' is not supported by cnnkit yet; use backend 'gloo'"
      : `initProcessGroup: backend 'nccl' needs a libtorch built with NCCL; this one (${version}) has none; use backend 'gloo'`);
  }
  if (backend !== 'gloo') throw new TypeError(`initProcessGroup: backend must be 'gloo' or 'nccl', got '${String(backend)}'`);
  if (isInitialized()) throw new Error('initProcessGroup: the process group is already initialized; call destroyProcessGroup() first');
  const timeoutMs = options.timeout ?? defaultTimeoutMs;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`initProcessGroup: timeout must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  const where = rendezvous(options);
  const store = openStore(where, timeoutMs);
  checkAgreement(store, where, timeoutMs);
  const iface = options.glooInterface ?? (process.env.GLOO_SOCKET_IFNAME || undefined);
  const localAddr = options.localAddr ?? (process.env.LOCAL_ADDR || undefined);
  const group = newGlooGroup(store, where.rank, where.worldSize, timeoutMs,
    localAddr ? { hostname: localAddr } : iface ? { iface } : isLoopback(where.host) ? { hostname: '127.0.0.1' } : {});
  setDefaultGroup(group);
  return group;
}

/** Leaves the default process group (torch.distributed.destroy_process_group). */
export function destroyProcessGroup(group: ProcessGroup = defaultGroup()): void {
  destroyGroup(group);
}

export const getRank = (group: ProcessGroup = defaultGroup()): number => group.rank;
export const getWorldSize = (group: ProcessGroup = defaultGroup()): number => group.worldSize;
