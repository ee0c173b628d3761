// A finished run opened again from one of its checkpoints: its configuration and its model with the checkpoint's
// weights, in eval mode, ready to score data or predict.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

import { getModel } from '../models/index.js';
import type { Module } from '../nn/module.js';
import { dispose } from '../torch/scope.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { UsageError } from '../util/usage-error.js';
import { parseRunConfig, type RunConfig } from './config.js';

export interface OpenedRun {
  config: RunConfig;
  model: Module;
  /** The run folder: the checkpoint's folder, where its statistics are. */
  dir: string;
  /** The epoch whose weights the checkpoint holds. */
  epoch: number;
}

/** Opens the run that wrote `checkpoint` (a best.safetensors or last.safetensors). `command` names the caller in messages. */
export function openRun(checkpoint: string, command = 'open'): OpenedRun {
  if (!existsSync(checkpoint)) throw new UsageError(`${command}: the checkpoint ${checkpoint} does not exist`);
  const saved = loadCheckpoint(checkpoint);
  try {
    const config = parseRunConfig(saved.info.config, `${command}: ${checkpoint}`);
    const model = getModel(config.model, config.modelOptions);
    model.loadStateDict(saved.weights);
    model.eval();
    return { config, model, dir: dirname(checkpoint), epoch: saved.info.epoch };
  } finally {
    dispose(saved);
  }
}
