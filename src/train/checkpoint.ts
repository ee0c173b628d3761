// Checkpoints: one safetensors file. The model's state dict under its own keys (so the file loads as a plain
// state dict too), the optimizer's buffers under 'optimizer/…', the random state under 'rng/cpu', and in the
// metadata 'cnnkit' a JSON object with the epoch, history, run config, and the optimizer's and scheduler's state.
import { loadWithMetadata, save, type StateDict } from '../torch/serialization.js';
import { dispose } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';
import type { EpochLogs } from './logs.js';

export interface CheckpointInfo {
  format: 'cnnkit-checkpoint-1';
  epoch: number;
  history: EpochLogs[];
  config?: Record<string, unknown>;
  optimizer?: { paramGroups: unknown[]; state: unknown };
  scheduler?: Record<string, unknown>;
  /** The fp16 loss scaler's state (GradScaler.stateDict()). */
  gradScaler?: Record<string, unknown>;
}

export interface Checkpoint {
  weights: StateDict;
  optimizerTensors: Record<string, Tensor>;
  rng: Tensor | null;
  info: CheckpointInfo;
}

const OPTIMIZER = 'optimizer/';
const RNG = 'rng/cpu';

export function saveCheckpoint(path: string, parts: { weights: StateDict; optimizerTensors?: Record<string, Tensor>; rng?: Tensor; info: CheckpointInfo }): void {
  const tensors: StateDict = { ...parts.weights };
  for (const [k, v] of Object.entries(parts.optimizerTensors ?? {})) tensors[OPTIMIZER + k] = v;
  if (parts.rng) tensors[RNG] = parts.rng;
  save(tensors, path, { cnnkit: JSON.stringify(parts.info) });
}

/** Reads a checkpoint; a safetensors file without cnnkit's metadata reads as bare weights at epoch 0. */
export function loadCheckpoint(path: string): Checkpoint {
  const { tensors, metadata } = loadWithMetadata(path);
  let info: CheckpointInfo = { format: 'cnnkit-checkpoint-1', epoch: 0, history: [] };
  if (metadata.cnnkit) {
    try {
      info = JSON.parse(metadata.cnnkit);
    } catch (error) {
      dispose(tensors);
      throw new Error(`${path}: the checkpoint's cnnkit metadata is not JSON (${(error as Error).message})`);
    }
  }
  const weights: StateDict = {};
  const optimizerTensors: Record<string, Tensor> = {};
  let rng: Tensor | null = null;
  for (const [k, v] of Object.entries(tensors)) {
    if (k === RNG) rng = v;
    else if (k.startsWith(OPTIMIZER)) optimizerTensors[k.slice(OPTIMIZER.length)] = v;
    else weights[k] = v;
  }
  return { weights, optimizerTensors, rng, info };
}
