// Loss scaling for float16 training, with the behaviour of PyTorch's torch.cuda.amp.GradScaler: the loss is multiplied
// by a scale before backward so small float16 gradients do not flush to zero; before the optimizer steps the gradients
// are divided back, and a step whose gradients hold an inf or a NaN is skipped and the scale backed off.
import type { Optimizer } from '../optim/optimizer.js';
import { ampForeachNonFiniteCheckAndUnscale_, ampUpdateScale_ } from '../torch/amp-kernels.js';
import { full } from '../torch/creation.js';
import { dispose, keep, tidy } from '../torch/scope.js';
import type { Tensor } from '../torch/tensor.js';

export interface GradScalerOptions {
  /** Default 2^16. */
  initScale?: number;
  /** The scale × this after growthInterval good steps in a row (default 2). */
  growthFactor?: number;
  /** The scale × this after a step with inf/NaN gradients (default 0.5). */
  backoffFactor?: number;
  /** Default 2000. */
  growthInterval?: number;
  /** false makes every method a pass-through (scale 1, the optimizer always steps), as in PyTorch. Default true. */
  enabled?: boolean;
}

/** What stateDict() gives and loadStateDict() takes: PyTorch's keys, plain JSON. */
export type GradScalerState = {
  scale: number;
  growth_factor: number;
  backoff_factor: number;
  growth_interval: number;
  _growth_tracker: number;
};

/** Where an optimizer is between two update() calls. */
interface OptimizerStage {
  stage: 'unscaled' | 'stepped';
  foundInf: Tensor;
}

export class GradScaler {
  private initScale: number;
  private growthFactor: number;
  private backoffFactor: number;
  private growthInterval: number;
  private initGrowthTracker = 0;
  readonly enabled: boolean;
  /** Made on the loss's device at the first scale(), as PyTorch does. */
  private scaleTensor: Tensor | null = null;
  private growthTracker: Tensor | null = null;
  private stages = new Map<Optimizer, OptimizerStage>();

  constructor(options: GradScalerOptions = {}) {
    this.initScale = positive(options.initScale ?? 2 ** 16, 'initScale');
    this.growthFactor = positive(options.growthFactor ?? 2, 'growthFactor');
    this.backoffFactor = positive(options.backoffFactor ?? 0.5, 'backoffFactor');
    this.growthInterval = options.growthInterval ?? 2000;
    if (!Number.isInteger(this.growthInterval) || this.growthInterval < 1) throw new RangeError(`GradScaler: growthInterval must be a positive integer, got ${this.growthInterval}`);
    if (this.growthFactor <= 1) throw new RangeError(`GradScaler: growthFactor must be above 1, got ${this.growthFactor}`);
    if (this.backoffFactor >= 1) throw new RangeError(`GradScaler: backoffFactor must be below 1, got ${this.backoffFactor}`);
    this.enabled = options.enabled ?? true;
  }

  /** The loss times the current scale (the loss itself when disabled); call backward() on it. */
  scale(loss: Tensor): Tensor {
    if (!this.enabled) return loss;
    if (!this.scaleTensor) this.initTensors(loss.device);
    return loss.mul(this.scaleTensor!.to(loss.device));
  }

  /**
   * Divides the optimizer's gradients by the scale in place (for clipping them, say, before step()); at most once
   * between two update() calls, and before step().
   */
  unscale_(optimizer: Optimizer): void {
    if (!this.enabled) return;
    const stage = this.stages.get(optimizer);
    if (stage?.stage === 'unscaled') throw new Error('GradScaler: unscale_() has already been called on this optimizer since the last update()');
    if (stage?.stage === 'stepped') throw new Error('GradScaler: unscale_() is being called after step()');
    const scale = this.checkInitialized('unscale_');
    const foundInf = keep(full([1], 0, { device: scale.device }));
    tidy(() => {
      const invScale = scale.to('float64').reciprocal().to('float32');
      // Grouped by device, as PyTorch's kernel wants one device per call.
      const byDevice = new Map<string, Tensor[]>();
      for (const group of optimizer.paramGroups) {
        for (const p of group.params) {
          const grad = p.grad;
          if (!grad) continue;
          if (grad.dtype === 'float16') throw new TypeError('GradScaler: attempting to unscale float16 gradients; keep the parameters in float32 (autocast casts them per op)');
          byDevice.set(grad.device, [...(byDevice.get(grad.device) ?? []), grad]);
        }
      }
      for (const [device, grads] of byDevice) {
        const found = device === foundInf.device ? foundInf : full([1], 0, { device });
        ampForeachNonFiniteCheckAndUnscale_(grads, found, invScale.to(device));
        if (found !== foundInf) foundInf.copy_(found.maximum(foundInf.to(device)).to(foundInf.device));
      }
    });
    this.stages.set(optimizer, { stage: 'unscaled', foundInf });
  }

  /** Unscales the gradients (unless unscale_() did) and steps the optimizer unless they hold an inf or a NaN. Returns whether it stepped. */
  step(optimizer: Optimizer): boolean {
    if (!this.enabled) {
      optimizer.step();
      return true;
    }
    if (this.stages.get(optimizer)?.stage === 'stepped') throw new Error('GradScaler: step() has already been called since the last update()');
    if (!this.stages.has(optimizer)) this.unscale_(optimizer);
    const stage = this.stages.get(optimizer)!;
    const skipped = (stage.foundInf.item() as number) !== 0;
    if (!skipped) optimizer.step();
    stage.stage = 'stepped';
    return !skipped;
  }

  /** Adjusts the scale by this iteration's steps (backoff on inf/NaN, growth after growthInterval good steps); call once per iteration after step(). */
  update(): void {
    if (!this.enabled) return;
    const scale = this.checkInitialized('update');
    const found = [...this.stages.values()].map((s) => s.foundInf);
    if (found.length === 0) throw new Error('GradScaler: no inf checks were recorded prior to update(); call step(optimizer) first');
    tidy(() => {
      const combined = found.map((f) => f.to(scale.device)).reduce((a, b) => a.add(b));
      ampUpdateScale_(scale, this.growthTracker!, combined, this.growthFactor, this.backoffFactor, this.growthInterval);
    });
    dispose(found);
    this.stages.clear();
  }

  /** The current scale (initScale before the first scale(); 1 when disabled). */
  getScale(): number {
    if (!this.enabled) return 1;
    return this.scaleTensor ? (this.scaleTensor.item() as number) : this.initScale;
  }

  getGrowthFactor(): number { return this.growthFactor; }
  getBackoffFactor(): number { return this.backoffFactor; }
  getGrowthInterval(): number { return this.growthInterval; }

  /** PyTorch's state_dict(): the scale, the factors, the interval and the count of good steps; {} when disabled. */
  stateDict(): GradScalerState | Record<string, never> {
    if (!this.enabled) return {};
    return {
      scale: this.getScale(), growth_factor: this.growthFactor, backoff_factor: this.backoffFactor, growth_interval: this.growthInterval,
      _growth_tracker: this.growthTracker ? (this.growthTracker.item() as number) : this.initGrowthTracker,
    };
  }

  loadStateDict(state: GradScalerState): void {
    if (!this.enabled) return;
    if (!state || typeof state.scale !== 'number') throw new TypeError('GradScaler.loadStateDict: the state holds no scale; it was saved by a disabled GradScaler or is not a GradScaler state');
    this.initScale = state.scale;
    this.growthFactor = state.growth_factor;
    this.backoffFactor = state.backoff_factor;
    this.growthInterval = state.growth_interval;
    this.initGrowthTracker = state._growth_tracker;
    this.scaleTensor?.fill_(state.scale);
    this.growthTracker?.fill_(state._growth_tracker);
  }

  /** Frees the scale's tensors. */
  dispose(): void {
    dispose([this.scaleTensor, this.growthTracker, ...[...this.stages.values()].map((s) => s.foundInf)].filter((t) => t !== null));
    this.scaleTensor = this.growthTracker = null;
    this.stages.clear();
  }

  private initTensors(device: string): void {
    this.scaleTensor = keep(full([1], this.initScale, { dtype: 'float32', device }));
    this.growthTracker = keep(full([1], this.initGrowthTracker, { dtype: 'int32', device }));
  }

  private checkInitialized(method: string): Tensor {
    if (!this.scaleTensor) throw new Error(`GradScaler: ${method}() before scale(loss): the scale is made on the loss's device at the first scale()`);
    return this.scaleTensor;
  }
}

function positive(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`GradScaler: ${name} must be a positive number, got ${value}`);
  return value;
}
