// Callbacks: code that runs at points of training (Keras' and fastai's hooks).
import type { EpochLogs } from './logs.js';
import type { Trainer } from './trainer.js';

export interface Callback {
  onTrainBegin?(trainer: Trainer): void | Promise<void>;
  onEpochBegin?(epoch: number, trainer: Trainer): void | Promise<void>;
  onBatchEnd?(batch: number, logs: { loss: number; size: number }, trainer: Trainer): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, trainer: Trainer): void | Promise<void>;
  onTrainEnd?(trainer: Trainer): void | Promise<void>;
}

export type Mode = 'min' | 'max' | 'auto';

/** Watches one logged value and says when it improved (min for losses, max for accuracies with 'auto'). */
export class Monitor {
  readonly mode: 'min' | 'max';
  best: number;

  constructor(readonly monitor: string, mode: Mode = 'auto', readonly minDelta = 0) {
    this.mode = mode === 'auto' ? (/acc/.test(monitor) ? 'max' : 'min') : mode;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** The monitored value in logs; a clear error when it is not logged. */
  read(logs: EpochLogs): number {
    const value = logs[this.monitor];
    if (typeof value !== 'number') {
      throw new Error(`cannot monitor '${this.monitor}': it is not logged (logged: ${Object.keys(logs).join(', ')}); give validation data or monitor another value`);
    }
    return value;
  }

  /** Records the value and says whether it beat the best by more than minDelta. */
  improved(value: number): boolean {
    const better = this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta;
    if (better) this.best = value;
    return better;
  }
}
