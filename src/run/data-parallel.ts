// The data-parallel side of run.train: the process group that torchrun's environment (or `cnnkit train
// --nproc-per-node`) describes, the libtorch threads a rank takes, each rank's share of the scored images, and the
// best weights passed from rank 0 (the only rank that writes the run folder) to the others.
import { availableParallelism } from 'node:os';

import { Subset } from '../data/subset.js';
import type { Dataset } from '../data/dataset.js';
import { destroyProcessGroup, initProcessGroup } from '../distributed/init.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../torch/creation.js';
import { broadcast, defaultGroup, isInitialized, type ProcessGroup } from '../torch/distributed.js';
import { tidy } from '../torch/scope.js';

export interface RunGroup {
  group: ProcessGroup;
  rank: number;
  worldSize: number;
  /** Ranks on this host (LOCAL_WORLD_SIZE), which share its cores. */
  localWorldSize: number;
  /** Whether this run joined the group (and leaves it at the end), rather than finding one initialized. */
  joined: boolean;
}

const envCount = (name: string): number | undefined => {
  const value = process.env[name];
  return value !== undefined && /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : undefined;
};

/**
 * The group a training run is one rank of: the initialized default group, or, where RANK and WORLD_SIZE are set
 * (torchrun's convention, also with WORLD_SIZE 1), a Gloo group joined by env://; null for a plain run.
 */
export function joinRunGroup(): RunGroup | null {
  let joined = false;
  if (!isInitialized()) {
    if (process.env.RANK === undefined || process.env.WORLD_SIZE === undefined) return null;
    initProcessGroup({ backend: 'gloo' });
    joined = true;
  }
  const group = defaultGroup();
  return { group, rank: group.rank, worldSize: group.worldSize, localWorldSize: envCount('LOCAL_WORLD_SIZE') ?? group.worldSize, joined };
}

/** Leaves the group if the run joined it. */
export function leaveRunGroup(run: RunGroup): void {
  if (run.joined) destroyProcessGroup(run.group);
}

/** A rank's share of this host's cores, so that the ranks do not oversubscribe them (at least 1). */
export const threadsPerRank = (run: RunGroup): number => Math.max(1, Math.floor(availableParallelism() / run.localWorldSize));

/**
 * This rank's share of images that are scored: every worldSize-th from its rank, without the padding of a
 * DistributedSampler, so the tallies summed over the ranks count each image exactly once.
 */
export function shardOf<S>(dataset: Dataset<S>, run: RunGroup): Dataset<S> {
  const indices = [];
  for (let i = run.rank; i < dataset.length; i += run.worldSize) indices.push(i);
  return new Subset(dataset, indices);
}

/** Copies rank 0's parameters and buffers (and a number, e.g. the best epoch) to every rank; returns that number. */
export function fromRankZero(model: Module, value: number, run: RunGroup): number {
  // stateDict()'s tensors share the model's storage: broadcasting into them sets the model's values.
  tidy(() => {
    for (const t of Object.values(model.stateDict())) broadcast(t, 0, run.group);
  });
  const shared = tensor([value], { dtype: 'float64' });
  try {
    broadcast(shared, 0, run.group);
    return (shared.toTypedArray() as Float64Array)[0];
  } finally {
    shared.dispose();
  }
}
