// The addon's c10d face: a TCPStore, a Gloo process group and its collectives, DDP's gradient reducer, and the
// process group that collectives use by default (torch.distributed's "default group").
// Collectives block the calling thread until every rank has taken part or the group's timeout has passed; a failure
// (a lost rank, a timeout) is an Error naming the collective and the lost ranks.
import { native, type Handle } from './native.js';
import type { ProcessGroupHandle, ReducerHandle, StoreHandle } from './native-api.js';
import { Tensor } from './tensor.js';

/** A key-value store all ranks share (c10d::TCPStore): the master serves it, the others connect to it. */
export class Store {
  constructor(readonly handle: StoreHandle) {}
  set(key: string, value: string): void { native.storeSet(this.handle, key, value); }
  /** The value of key, waiting up to timeoutMs for a rank to set it. */
  get(key: string, timeoutMs: number): string { return native.storeGet(this.handle, key, timeoutMs); }
  /** Adds amount to the integer at key (0 when unset) and returns the sum. */
  add(key: string, amount: number): number { return native.storeAdd(this.handle, key, amount); }
  has(key: string): boolean { return native.storeCheck(this.handle, key); }
}

export interface TcpStoreOptions {
  /** The master (rank 0) serves the store and waits for the other worldSize - 1 ranks to connect. */
  isServer: boolean;
  worldSize: number;
  timeoutMs: number;
}

/** Serves or connects to the store at host:port; libtorch's errors (port in use, no master) pass through. */
export function tcpStore(host: string, port: number, options: TcpStoreOptions): Store {
  return new Store(native.tcpStore(host, port, options.isServer, options.worldSize, options.timeoutMs));
}

export interface GlooDeviceOptions {
  /** Bind Gloo's transport to this network interface (as GLOO_SOCKET_IFNAME). */
  iface?: string;
  /** Bind it to the address this host name resolves to; neither: this machine's host name, else loopback. */
  hostname?: string;
}

/** A set of ranks that run collectives together. */
export class ProcessGroup {
  constructor(readonly handle: ProcessGroupHandle, readonly store: Store, readonly rank: number, readonly worldSize: number,
    readonly backend: string, readonly timeoutMs: number) {}
}

/** Joins the Gloo process group of worldSize ranks that meet on store (every rank calls it; it returns when all have). */
export function newGlooGroup(store: Store, rank: number, worldSize: number, timeoutMs: number, device: GlooDeviceOptions = {}): ProcessGroup {
  const handle = native.processGroupGloo(store.handle, rank, worldSize, timeoutMs, device.iface, device.hostname);
  return new ProcessGroup(handle, store, rank, worldSize, 'gloo', timeoutMs);
}

/** Whether this libtorch was built with NCCL (CUDA collectives). */
export const ncclIsAvailable = (): boolean => native.ncclIsAvailable();

let current: ProcessGroup | null = null;

/** The group collectives use when none is given; set by distributed.initProcessGroup. */
export function defaultGroup(): ProcessGroup {
  if (!current) throw new Error('torch.distributed: no process group; call distributed.initProcessGroup() first');
  return current;
}
export const isInitialized = (): boolean => current !== null;
export function setDefaultGroup(group: ProcessGroup | null): void { current = group; }

/** Leaves the group: its connections and store close; further collectives on it throw. */
export function destroyGroup(group: ProcessGroup): void {
  native.destroyProcessGroup(group.handle);
  if (current === group) current = null;
}

export type ReduceOp = 'sum' | 'avg' | 'product' | 'min' | 'max';
const reduceOps: ReduceOp[] = ['sum', 'avg', 'product', 'min', 'max'];

/** Reduces tensor over all ranks in place (every rank ends with the result) and returns it. */
export function allReduce(tensor: Tensor, op: ReduceOp = 'sum', group: ProcessGroup = defaultGroup()): Tensor {
  if (!reduceOps.includes(op)) throw new TypeError(`allReduce: op must be one of ${reduceOps.join(', ')}, got '${String(op)}'`);
  if (op === 'avg' && !/float/.test(tensor.dtype)) throw new TypeError(`allReduce: op 'avg' needs a floating-point tensor, got ${tensor.dtype}`);
  // Gloo has no average: a sum, divided here.
  native.allReduce(group.handle, [tensor.handle], op === 'avg' ? 'sum' : op);
  if (op === 'avg') native.div_(tensor.handle, group.worldSize);
  return tensor;
}

function checkRank(rank: number, group: ProcessGroup, where: string): void {
  if (!Number.isInteger(rank) || rank < 0 || rank >= group.worldSize) {
    throw new RangeError(`${where}: src must be a rank in 0..${group.worldSize - 1}, got ${String(rank)}`);
  }
}

/** Copies src's tensor into every other rank's tensor (same shape and dtype everywhere), in place. */
export function broadcast(tensor: Tensor, src = 0, group: ProcessGroup = defaultGroup()): Tensor {
  checkRank(src, group, 'broadcast');
  native.broadcast(group.handle, [tensor.handle], src);
  return tensor;
}

/** Broadcasts many tensors from src in flat buffers of at most bufferBytes (fewer, larger messages). */
export function broadcastCoalesced(tensors: Tensor[], bufferBytes: number, src = 0, group: ProcessGroup = defaultGroup()): void {
  checkRank(src, group, 'broadcastCoalesced');
  if (tensors.length > 0) native.broadcastCoalesced(group.handle, tensors.map((t) => t.handle), bufferBytes, src);
}

/** Every rank's tensor (same shape on each), in rank order. */
export function allGather(tensor: Tensor, group: ProcessGroup = defaultGroup()): Tensor[] {
  return native.allGather(group.handle, tensor.handle).map((h: Handle) => new Tensor(h));
}

/** Returns once every rank has reached it. */
export function barrier(group: ProcessGroup = defaultGroup()): void {
  native.barrier(group.handle);
}

/** The sum of x over all ranks, as a new tensor that autograd differentiates (the gradient is summed over ranks too). */
export function allReduceSumDifferentiable(x: Tensor, group: ProcessGroup = defaultGroup()): Tensor {
  return new Tensor(native.allReduceSumDifferentiable(group.handle, x.handle));
}

/**
 * DDP's engine: averages the parameters' gradients over the group's ranks in buckets of about bucketBytes, each
 * all-reduced as soon as its gradients are ready during backward. prepareForBackward() arms it for the next backward.
 */
export class Reducer {
  private readonly handle: ReducerHandle;
  constructor(params: Tensor[], bucketBytes: number, readonly group: ProcessGroup = defaultGroup()) {
    this.handle = native.reducer(group.handle, params.map((p) => p.handle), bucketBytes);
  }
  prepareForBackward(): void { native.reducerPrepareForBackward(this.handle); }
}
