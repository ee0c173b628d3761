// ModelCheckpoint: keeps best.safetensors (the best epoch's weights by a monitored value) and last.safetensors
// (everything needed to resume) in a run folder; each is written atomically, so a crash never leaves a broken file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { Monitor, type Callback, type Mode } from './callback.js';
import type { EpochLogs } from './logs.js';
import type { Trainer } from './trainer.js';

export interface ModelCheckpointOptions {
  monitor?: string;
  mode?: Mode;
  saveBest?: boolean;
  saveLast?: boolean;
}

export class ModelCheckpoint implements Callback {
  private readonly watch: Monitor;
  readonly bestPath: string;
  readonly lastPath: string;

  constructor(readonly dir: string, readonly options: ModelCheckpointOptions = {}) {
    this.watch = new Monitor(options.monitor ?? 'val_loss', options.mode);
    this.bestPath = join(dir, 'best.safetensors');
    this.lastPath = join(dir, 'last.safetensors');
    mkdirSync(dir, { recursive: true });
  }

  onEpochEnd(_epoch: number, logs: EpochLogs, trainer: Trainer): void {
    if ((this.options.saveBest ?? true) && this.watch.improved(this.watch.read(logs))) {
      trainer.saveCheckpoint(this.bestPath, { withTrainingState: false });
    }
    if (this.options.saveLast ?? true) trainer.saveCheckpoint(this.lastPath);
  }
}
