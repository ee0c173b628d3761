// EarlyStopping: stops when the monitored value has not improved for `patience` epochs; can restore the best weights.
import { dispose, keep, tidy } from '../torch/scope.js';
import type { StateDict } from '../torch/serialization.js';
import type { Tensor } from '../torch/tensor.js';
import { Monitor, type Callback, type Mode } from './callback.js';
import type { EpochLogs } from './logs.js';
import type { Trainer } from './trainer.js';

export interface EarlyStoppingOptions {
  monitor?: string;
  mode?: Mode;
  patience?: number;
  minDelta?: number;
  restoreBestWeights?: boolean;
}

export class EarlyStopping implements Callback {
  private readonly watch: Monitor;
  private wait = 0;
  private bestWeights: StateDict | null = null;
  /** The epoch at which training stopped, or 0. */
  stoppedEpoch = 0;
  bestEpoch = 0;

  constructor(readonly options: EarlyStoppingOptions = {}) {
    this.watch = new Monitor(options.monitor ?? 'val_loss', options.mode, options.minDelta ?? 0);
  }

  onEpochEnd(epoch: number, logs: EpochLogs, trainer: Trainer): void {
    if (this.watch.improved(this.watch.read(logs))) {
      this.wait = 0;
      this.bestEpoch = epoch;
      if (this.options.restoreBestWeights) {
        if (this.bestWeights) dispose(this.bestWeights);
        // A copy, since the live weights keep changing.
        this.bestWeights = tidy(() => Object.fromEntries(Object.entries(trainer.model.stateDict()).map(([k, v]) => [k, keep((v as Tensor).clone())])));
      }
    } else if (++this.wait >= (this.options.patience ?? 0)) {
      this.stoppedEpoch = epoch;
      trainer.stopTraining = true;
    }
  }

  onTrainEnd(trainer: Trainer): void {
    if (this.bestWeights) {
      if (this.stoppedEpoch) trainer.progress.message(`early stopping at epoch ${this.stoppedEpoch}; restoring the weights of epoch ${this.bestEpoch} (${this.watch.monitor} ${this.watch.best.toFixed(4)})`);
      trainer.model.loadStateDict(this.bestWeights);
      dispose(this.bestWeights);
      this.bestWeights = null;
    } else if (this.stoppedEpoch) {
      trainer.progress.message(`early stopping at epoch ${this.stoppedEpoch}; best ${this.watch.monitor} ${this.watch.best.toFixed(4)} at epoch ${this.bestEpoch}`);
    }
  }
}
