// DistributedDataParallel: one model replica per rank, kept equal by averaging gradients over the ranks during
// backward (torch.nn.parallel.DistributedDataParallel's guarantees, on the c10d process group).
import { isGradEnabled } from '../../torch/autograd.js';
import { broadcastCoalesced, defaultGroup, Reducer, type ProcessGroup } from '../../torch/distributed.js';
import type { Tensor } from '../../torch/tensor.js';
import { Module } from '../module.js';

export interface DistributedDataParallelOptions {
  /** Copy rank 0's buffers (batch norm statistics) to every rank at each forward (default true). */
  broadcastBuffers?: boolean;
  /** Gradients per all-reduce bucket, in MB (default 25). */
  bucketCapMb?: number;
  /** Default: the process group of distributed.initProcessGroup. */
  group?: ProcessGroup;
}

// As PyTorch's DDP: module states travel from rank 0 in messages of at most 250 MB.
const broadcastBucketBytes = 250 * 1024 * 1024;

/**
 * Wraps module so that each rank trains on its own share of every batch: parameters and buffers are copied from
 * rank 0 here; in each backward the gradients are averaged over the ranks in buckets (about bucketCapMb each, the
 * last parameters first), each all-reduced as soon as its gradients are ready while backward goes on; with
 * broadcastBuffers, rank 0's buffers are copied to every rank before each forward. Every rank then takes the same
 * optimizer step. Every parameter that requires grad must take part in each synced backward.
 */
export class DistributedDataParallel extends Module {
  readonly broadcastBuffers: boolean;
  readonly bucketCapMb: number;
  private readonly group: ProcessGroup;
  private readonly reducer: Reducer;
  private syncing = true;

  constructor(readonly module: Module, options: DistributedDataParallelOptions = {}) {
    super();
    if (!(module instanceof Module)) throw new TypeError('DistributedDataParallel: module must be an nn.Module');
    this.broadcastBuffers = options.broadcastBuffers ?? true;
    this.bucketCapMb = options.bucketCapMb ?? 25;
    if (!(this.bucketCapMb > 0)) throw new RangeError(`DistributedDataParallel: bucketCapMb must be positive, got ${String(options.bucketCapMb)}`);
    this.group = options.group ?? defaultGroup();
    broadcastCoalesced([...module.parameters(), ...module.buffers()], broadcastBucketBytes, 0, this.group);
    const trainable = module.parameters().filter((p) => p.requiresGrad);
    this.reducer = new Reducer(trainable, Math.round(this.bucketCapMb * 1024 * 1024), this.group);
  }

  forward(...inputs: Tensor[]): Tensor {
    if (this.broadcastBuffers && this.syncing) broadcastCoalesced(this.module.buffers(), broadcastBucketBytes, 0, this.group);
    const output = this.module.forward(...inputs);
    // Arms the gradient hooks for this forward's backward; inside noSync() they stay off and gradients accumulate.
    if (isGradEnabled() && this.syncing) this.reducer.prepareForBackward();
    return output;
  }

  /**
   * Runs fn (forwards and backwards) without averaging gradients: they accumulate locally, and the next synced
   * backward averages the sum, as PyTorch's no_sync() for gradient accumulation.
   */
  noSync<T>(fn: () => T): T {
    const previous = this.syncing;
    this.syncing = false;
    try {
      return fn();
    } finally {
      this.syncing = previous;
    }
  }
}
