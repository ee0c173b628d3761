// The Trainer: fits a model with a loss, an optimizer, an optional scheduler, regularizers, gradient clipping,
// metrics and callbacks; every step runs in a tidy scope, so memory stays flat across epochs.
import { GradScaler } from '../amp/grad-scaler.js';
import { autocastDtypeOf, deviceTypeOf, type Precision } from '../amp/precision.js';
import type { Batch } from '../data/dataset.js';
import { Random, seedFromTorch, withRandom } from '../torch/random.js';
import type { Module } from '../nn/module.js';
import type { Regularizer } from '../nn/regularizers.js';
import { clipGradNorm_, clipGradValue_ } from '../nn/clip-grad.js';
import { ReduceLROnPlateau, type LRScheduler } from '../optim/lr-scheduler/index.js';
import type { Optimizer } from '../optim/optimizer.js';
import { autocast } from '../torch/autocast.js';
import type { ProcessGroup } from '../torch/distributed.js';
import type { DType } from '../torch/dtype.js';
import { dispose, tidy } from '../torch/scope.js';
import { getRngState, manualSeed, setRngState } from '../torch/runtime.js';
import type { Tensor } from '../torch/tensor.js';
import type { MixingTransform } from '../transforms/transform.js';
import type { Callback } from './callback.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointInfo } from './checkpoint.js';
import type { EpochLogs } from './logs.js';
import { accuracyKs, defaultLoss, evaluate, type Evaluation } from './evaluate.js';
import { RunningMean, topkCorrect } from './metrics.js';
import { Progress, type ProgressMode } from './progress.js';
import { sumOverRanks } from './sum-over-ranks.js';

/** A learning-rate scheduler: stepped per epoch (or per batch), or with the monitored value for ReduceLROnPlateau. */
export type Scheduler = LRScheduler | ReduceLROnPlateau;

/** Batches, one epoch per iteration; DataLoader is one. */
export type Batches = (AsyncIterable<Batch> | Iterable<Batch>) & { length?: number; epoch?: number };

export interface TrainerOptions {
  model: Module;
  optimizer: Optimizer;
  /** Default: cross entropy (class indices or class probabilities). */
  loss?: (output: Tensor, target: Tensor) => Tensor;
  scheduler?: Scheduler | null;
  /** When the scheduler steps: after each epoch (default), or after each batch (OneCycleLR). */
  schedulerInterval?: 'epoch' | 'batch';
  /** ReduceLROnPlateau reads this logged value (default val_loss, else train_loss). */
  schedulerMonitor?: string;
  /** Also report top-k accuracy as `top${k}_acc` (e.g. 5). */
  topK?: number;
  /** Where the model and batches go ('cpu', 'cuda', 'cuda:1'); batches reach CUDA from pinned memory without blocking. */
  device?: string;
  /**
   * '32' (default): float32 throughout. 'bf16': the forward pass and loss under autocast to bfloat16 (CPU and CUDA).
   * 'fp16': autocast to float16 with a GradScaler (CUDA only). The weights stay float32 in every case.
   */
  precision?: Precision;
  /** The loss scaler of fp16 training (default: a new GradScaler with PyTorch's settings); saved with checkpoints. */
  gradScaler?: GradScaler;
  /** Model and input batches in channels_last (NHWC) memory format, which convolutions on CUDA (and oneDNN) run faster in. */
  channelsLast?: boolean;
  /**
   * Gradient accumulation: the optimizer steps once every N batches, each batch's loss divided by the batches of its
   * step, so for a mean loss a step equals one on a batch N times larger (batch norm aside, which sees each batch
   * alone). The last batches of an epoch make a shorter step of their own. Per-batch schedulers step with the optimizer.
   */
  accumulate?: number;
  /** Seeds libtorch's generator when fit() starts. */
  seed?: number;
  clipGradNorm?: number;
  clipGradValue?: number;
  regularizers?: Regularizer[];
  /**
   * Applied in order to each training batch on the device, before the forward pass (mixup, cutmix, …); batch b of
   * epoch e draws from Random(seed, e, b), so a seeded run augments the same way every time. Not applied to validation.
   */
  mixingTransforms?: MixingTransform[];
  callbacks?: Callback[];
  progress?: ProgressMode | Progress;
  /** Saved with checkpoints, so a run can be rebuilt from its files (model name and options, …). */
  config?: Record<string, unknown>;
  /**
   * Data-parallel training: `model` (a DistributedDataParallel around the trainer's model) runs the training forward
   * passes, and the logged metrics (training and evaluation) are tallies summed over `group`'s ranks, so every rank
   * logs those of all ranks' data. Checkpoints, evaluation and callbacks use the trainer's own (plain) model.
   */
  distributed?: { model: Module; group: ProcessGroup };
}

export class Trainer {
  readonly model: Module;
  readonly optimizer: Optimizer;
  readonly scheduler: Scheduler | null;
  readonly progress: Progress;
  readonly history: EpochLogs[] = [];
  /** Set by a callback (EarlyStopping) to end fit() after the current epoch. */
  stopTraining = false;
  /** Epochs completed; fit() continues from here (after resume()). */
  epoch = 0;
  private readonly loss: (output: Tensor, target: Tensor) => Tensor;
  /** The autocast dtype of the precision, null for float32. */
  private readonly autocastDtype: DType | null;
  private readonly accumulate: number;
  /** The fp16 loss scaler, or null. */
  readonly gradScaler: GradScaler | null;
  /** Seeds the mixing transforms' generators: the seed option, or one drawn from torch's generator when fit() first needs it. */
  private batchSeed: number | undefined;

  constructor(readonly options: TrainerOptions) {
    this.model = options.model;
    this.optimizer = options.optimizer;
    this.scheduler = options.scheduler ?? null;
    this.loss = options.loss ?? defaultLoss;
    this.progress = options.progress instanceof Progress ? options.progress : new Progress(options.progress);
    if (options.device) this.model.to(options.device);
    this.autocastDtype = autocastDtypeOf(options.precision ?? '32', options.device);
    this.gradScaler = options.precision === 'fp16' ? options.gradScaler ?? new GradScaler() : null;
    if (options.gradScaler && options.precision !== 'fp16') throw new TypeError("Trainer: gradScaler goes with precision 'fp16'");
    this.accumulate = options.accumulate ?? 1;
    if (!Number.isInteger(this.accumulate) || this.accumulate < 1) throw new RangeError(`Trainer: accumulate must be a positive integer, got ${String(options.accumulate)}`);
    if (options.channelsLast) this.model.toMemoryFormat('channels_last');
    const mixingTransforms = options.mixingTransforms ?? [];
    if (!Array.isArray(mixingTransforms) || mixingTransforms.some((t) => typeof t?.forward !== 'function')) {
      throw new TypeError(`Trainer: mixingTransforms must be an array of mixing transforms (Mixup, CutMix, …), got ${String(mixingTransforms)}`);
    }
  }

  private get callbacks(): Callback[] {
    return this.options.callbacks ?? [];
  }

  /** Trains for `epochs` epochs in all (counting those a resumed run already did); returns the history. */
  async fit(train: Batches, options: { epochs: number; validation?: Batches }): Promise<EpochLogs[]> {
    const { epochs, validation } = options;
    if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`fit: epochs must be a positive integer, got ${epochs}`);
    if (this.options.seed !== undefined && this.epoch === 0) manualSeed(this.options.seed);
    this.stopTraining = false;
    for (const c of this.callbacks) await c.onTrainBegin?.(this);
    while (this.epoch < epochs && !this.stopTraining) {
      const epoch = this.epoch + 1;
      for (const c of this.callbacks) await c.onEpochBegin?.(epoch, this);
      const started = performance.now();
      const lr = this.optimizer.paramGroups[0].lr;
      const trained = await this.trainEpoch(train, epoch, epochs);
      const logs: EpochLogs = { epoch, train_loss: trained.loss, train_acc: trained.accuracy, penalty: trained.penalty, lr, seconds: 0, rss_mb: 0 };
      if (trained.topk !== undefined) logs[`top${this.options.topK}_acc`] = trained.topk;
      if (validation) {
        const val = await this.evaluate(validation);
        logs.val_loss = val.loss;
        logs.val_acc = val.accuracy;
        if (val.topk !== undefined) logs[`val_top${this.options.topK}_acc`] = val.topk;
      }
      logs.seconds = (performance.now() - started) / 1000;
      logs.rss_mb = Math.round(process.memoryUsage().rss / 2 ** 20);
      if (this.scheduler && (this.options.schedulerInterval ?? 'epoch') === 'epoch') this.stepScheduler(logs);
      this.epoch = epoch;
      this.history.push(logs);
      this.progress.epoch(logs, epochs);
      for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs, this);
    }
    for (const c of this.callbacks) await c.onTrainEnd?.(this);
    return this.history;
  }

  private stepScheduler(logs?: EpochLogs): void {
    if (!(this.scheduler instanceof ReduceLROnPlateau)) return this.scheduler!.step();
    const key = this.options.schedulerMonitor ?? (logs?.val_loss !== undefined ? 'val_loss' : 'train_loss');
    const value = logs?.[key];
    if (typeof value !== 'number') throw new Error(`ReduceLROnPlateau: '${key}' is not logged; set schedulerMonitor to one of ${Object.keys(logs ?? {}).join(', ')}`);
    this.scheduler.step(value);
  }

  private async trainEpoch(batches: Batches, epoch: number, epochs: number) {
    this.model.train();
    const loss = new RunningMean();
    const penalty = new RunningMean();
    let correct = 0;
    let topkCorrectCount = 0;
    let seen = 0;
    const total = batches.length ?? NaN;
    const started = performance.now();
    let index = 0;
    // Gradients of batches since the optimizer's last step.
    let pending = false;
    for await (const batch of batches) {
      index++;
      // This batch's place in its optimizer step, and the batches of that step (fewer at the end of a known length).
      const position = (index - 1) % this.accumulate;
      const stepBatches = Number.isFinite(total) ? Math.min(this.accumulate, total - (index - 1 - position)) : this.accumulate;
      const stepsNow = position === stepBatches - 1;
      // The transformed batch lives in the step's scope, so it is freed with the step.
      const step = tidy(() => {
        const { inputs, targets } = this.transformBatch({ inputs: this.toDevice(batch.inputs, true), targets: this.toDevice(batch.targets, false) }, epoch, index - 1);
        const { output, dataLoss } = this.forwardWithLoss(inputs, targets);
        const regularization = this.penalty();
        if (!pending) this.optimizer.zeroGrad();
        const objective = regularization ? dataLoss.add(regularization) : dataLoss;
        const share = stepBatches > 1 ? objective.div(stepBatches) : objective;
        (this.gradScaler ? this.gradScaler.scale(share) : share).backward();
        pending = true;
        if (stepsNow) this.optimizerStep();
        pending = !stepsNow;
        const hits = topkCorrect(output, targets, accuracyKs(this.options.topK));
        return { loss: dataLoss.item() as number, penalty: regularization ? (regularization.item() as number) : 0, size: inputs.shape[0], hits };
      });
      dispose(batch);
      if (stepsNow && this.scheduler && this.options.schedulerInterval === 'batch') this.stepScheduler();
      loss.add(step.loss, step.size);
      penalty.add(step.penalty, step.size);
      correct += step.hits[0];
      topkCorrectCount += step.hits[1] ?? 0;
      seen += step.size;
      const elapsed = (performance.now() - started) / 1000;
      this.progress.batch({ epoch, epochs, batch: index, batches: total, loss: loss.value, accuracy: correct / seen,
        imagesPerSecond: seen / elapsed, secondsLeft: (elapsed / index) * (total - index) });
      for (const c of this.callbacks) await c.onBatchEnd?.(index, { loss: step.loss, size: step.size }, this);
    }
    // Batches of unknown length can end inside a step: those gradients step too.
    if (pending) {
      tidy(() => this.optimizerStep());
      if (this.scheduler && this.options.schedulerInterval === 'batch') this.stepScheduler();
    }
    const [lossSum, count, penaltySum, allCorrect, allTopk, allSeen] =
      sumOverRanks([...loss.parts, penalty.parts[0], correct, topkCorrectCount, seen], this.options.distributed?.group);
    if (allSeen === 0) throw new Error('fit: the training data gave no batch');
    return { loss: lossSum / count, accuracy: allCorrect / allSeen, penalty: penaltySum / count, topk: this.options.topK ? allTopk / allSeen : undefined };
  }

  /** A batch tensor on the trainer's device (through pinned memory to CUDA), images in channels_last when asked. */
  private toDevice(t: Tensor, images: boolean): Tensor {
    const device = this.options.device;
    let moved = t;
    if (device && t.device !== device) {
      // Page-locked memory lets the copy run without blocking, as PyTorch's DataLoader(pin_memory=True) then .to(non_blocking=True).
      moved = device.startsWith('cuda') && t.device === 'cpu' ? t.pinMemory().to({ device, nonBlocking: true }) : t.to(device);
    }
    return images && this.options.channelsLast && moved.dim() === 4 ? moved.contiguous('channels_last') : moved;
  }

  /** The model's output and the loss, under autocast for bf16 and fp16. */
  private forwardWithLoss(inputs: Tensor, targets: Tensor): { output: Tensor; dataLoss: Tensor } {
    const run = () => {
      const output = (this.options.distributed?.model ?? this.model).forward(inputs);
      return { output, dataLoss: this.loss(output, targets) };
    };
    return this.autocastDtype ? autocast(deviceTypeOf(this.options.device), { dtype: this.autocastDtype }, run) : run();
  }

  /** Clips (unscaled gradients), steps the optimizer (unless the scaler skips it for inf/NaN) and updates the scale. */
  private optimizerStep(): void {
    const clipping = this.options.clipGradNorm !== undefined || this.options.clipGradValue !== undefined;
    if (this.gradScaler && clipping) this.gradScaler.unscale_(this.optimizer);
    if (this.options.clipGradNorm !== undefined) clipGradNorm_(this.model.parameters(), this.options.clipGradNorm);
    if (this.options.clipGradValue !== undefined) clipGradValue_(this.model.parameters(), this.options.clipGradValue);
    if (this.gradScaler) {
      this.gradScaler.step(this.optimizer);
      this.gradScaler.update();
    } else {
      this.optimizer.step();
    }
  }

  /** The batch after the mixing transforms, with epoch and batch index 0-based as the DataLoader counts them. */
  private transformBatch(batch: Batch, epoch: number, batchIndex: number): Batch {
    const transforms = this.options.mixingTransforms ?? [];
    if (transforms.length === 0) return batch;
    this.batchSeed ??= this.options.seed ?? seedFromTorch();
    const context = { model: this.model, epoch: epoch - 1 };
    return withRandom(new Random(this.batchSeed, epoch - 1, batchIndex), () => transforms.reduce((b, t) => t.forward(b, context), batch), epoch - 1);
  }

  private penalty(): Tensor | null {
    const regularizers = this.options.regularizers ?? [];
    if (regularizers.length === 0) return null;
    return regularizers.map((r) => r.penalty(this.model)).reduce((a, b) => a.add(b));
  }

  /** Loss, accuracy (and top-k) and the confusion matrix over the batches, in eval mode without gradients. */
  evaluate(batches: Batches): Promise<Evaluation> {
    return evaluate(this.model, batches, { loss: this.loss, topK: this.options.topK, device: this.options.device, group: this.options.distributed?.group });
  }

  /** Writes everything a resumed run needs: weights, optimizer and scheduler state, epoch, history and RNG state. */
  saveCheckpoint(path: string, options: { withTrainingState?: boolean } = {}): void {
    const withState = options.withTrainingState ?? true;
    tidy(() => {
      const optimizer = withState ? this.optimizer.stateDict() : null;
      const info: CheckpointInfo = {
        format: 'cnnkit-checkpoint-1', epoch: this.epoch, history: this.history, config: this.options.config,
        ...(optimizer ? { optimizer: { paramGroups: optimizer.paramGroups, state: optimizer.state } } : {}),
        ...(withState && this.scheduler ? { scheduler: this.scheduler.stateDict() } : {}),
        ...(withState && this.gradScaler ? { gradScaler: this.gradScaler.stateDict() } : {}),
      };
      saveCheckpoint(path, { weights: this.model.stateDict(), optimizerTensors: optimizer?.tensors, rng: withState ? getRngState() : undefined, info });
    });
  }

  /** Continues the run saved in `path`: same weights, optimizer, scheduler, epoch, history and random state. */
  resume(path: string, loaders: Batches[] = []): void {
    const checkpoint = loadCheckpoint(path);
    try {
      const { info } = checkpoint;
      this.model.loadStateDict(checkpoint.weights);
      if (!info.optimizer) throw new Error(`${path} holds weights only (no optimizer state); resume from a last.safetensors checkpoint`);
      this.optimizer.loadStateDict({ ...(info.optimizer as object), tensors: checkpoint.optimizerTensors } as never);
      if (this.scheduler && info.scheduler) this.scheduler.loadStateDict(info.scheduler);
      if (this.gradScaler && info.gradScaler) this.gradScaler.loadStateDict(info.gradScaler as never);
      if (checkpoint.rng) setRngState(checkpoint.rng);
      this.epoch = info.epoch;
      this.history.splice(0, this.history.length, ...info.history);
      // Shuffled loaders pick each epoch's order from (seed, epoch).
      for (const loader of loaders) if (typeof loader.epoch === 'number') loader.epoch = info.epoch;
    } finally {
      dispose(checkpoint);
    }
  }
}

/** Optimizer steps in an epoch of `batches` batches when gradients accumulate over `accumulate` of them. */
export const optimizerStepsPerEpoch = (batches: number, accumulate = 1): number => Math.ceil(batches / accumulate);
