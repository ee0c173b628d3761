// The base of the optimizers (torch.optim.Optimizer): parameter groups, per-parameter state, zeroGrad,
// stateDict/loadStateDict and dispose. Subclasses give the update of one parameter.
import { noGrad } from '../torch/autograd.js';
import { checkInt, describe } from '../torch/check.js';
import { zerosLike } from '../torch/creation.js';
import { keep, tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';
import { checkNonNegative, isPlainObject, withDefaults } from './options.js';

/** Options every optimizer has. */
export interface OptimizerOptions {
  lr: number;
}

/** A parameter group: its tensors and its options. Schedulers write `lr` and remember the first one in `initialLr`. */
export type ParamGroup<O extends OptimizerOptions = OptimizerOptions> = O & { params: Tensor[]; initialLr?: number };

/** A parameter group as given to a constructor: options it leaves out come from the optimizer's options. */
export type ParamGroupInput<O extends OptimizerOptions = OptimizerOptions> = Partial<O> & { params: Tensor[] };

/** What an optimizer trains: tensors, or parameter groups with their own options (e.g. their own lr). */
export type Params<O extends OptimizerOptions = OptimizerOptions> = Tensor[] | ParamGroupInput<O>[];

/** Per-parameter state: counters (such as `step`) and buffers (tensors the optimizer owns). */
export type ParamState = Record<string, number | Tensor>;

/**
 * An optimizer's state, for resuming training. `paramGroups` and `state` are plain JSON; `tensors` are the
 * buffers, so a checkpoint can be one safetensors file:
 *
 *     torch.save(sd.tensors, path, { optimizer: JSON.stringify({ paramGroups: sd.paramGroups, state: sd.state }) })
 *
 * Parameters are numbered 0, 1, … across the groups in order (as in PyTorch's state_dict).
 * - `paramGroups[g]`: group g's options (`lr`, `betas`, …, and `initialLr` once a scheduler set it) and
 *   `params`, the indices of its parameters.
 * - `state[i]`: parameter i's counters, e.g. `{step: 10}` (Adam, AdamW, RMSprop); absent before its first update.
 * - `tensors['state.<i>.<buffer>']`: parameter i's buffers, e.g. `state.0.expAvg` (Adam: expAvg, expAvgSq,
 *   maxExpAvgSq; SGD: momentumBuffer; RMSprop: squareAvg, momentumBuffer, gradAvg). They are copies that
 *   belong to the caller: dispose them, or call stateDict() inside torch.tidy.
 */
export interface OptimizerStateDict {
  paramGroups: (Record<string, unknown> & { params: number[] })[];
  state: Record<string, Record<string, number>>;
  tensors: Record<string, Tensor>;
}

/** What a subclass declares about itself. */
export interface OptimizerSpec<O extends OptimizerOptions> {
  /** The class name, for messages. */
  name: string;
  /** Every option with its default (`lr: undefined` where it has none and must be given). */
  defaults: Omit<O, 'lr'> & { lr: number | undefined };
  /** The per-parameter state: counters are saved as JSON numbers, buffers as tensors. */
  state: Record<string, 'counter' | 'buffer'>;
}

export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions> {
  /** The options of groups that do not give their own (PyTorch's optimizer.defaults). */
  readonly defaults: Readonly<Partial<O>>;
  /** The parameter groups; schedulers (or you) may change each group's `lr` and other options between steps. */
  readonly paramGroups: ParamGroup<O>[] = [];
  protected readonly state = new Map<Tensor, ParamState>();
  private readonly spec: OptimizerSpec<O>;
  private disposed = false;

  protected constructor(params: Params<O>, options: Partial<O> | undefined, spec: OptimizerSpec<O>) {
    this.spec = spec;
    const where = spec.name;
    this.defaults = withDefaults(options, spec.defaults, where) as Partial<O>;
    if (this.defaults.lr !== undefined) checkNonNegative(this.defaults.lr, 'lr', where);
    this.checkOptions(this.defaults as O, where);
    if (params instanceof Tensor || !Array.isArray(params)) {
      throw new TypeError(`${where}: params must be an array of tensors or of parameter groups {params, lr?, …}, got ${describe(params)}`);
    }
    if (params.length === 0) throw new RangeError(`${where}: got an empty parameter list`);
    if (isPlainObject(params[0])) {
      params.forEach((group, i) => this.add(group as ParamGroupInput<O>, `${where} (parameter group ${i})`));
    } else {
      this.add({ params: params as Tensor[] } as ParamGroupInput<O>, where);
    }
  }

  /** Adds a group of parameters, e.g. layers unfrozen while fine-tuning, with options of its own. */
  addParamGroup(group: ParamGroupInput<O>): void {
    this.add(group, `${this.spec.name}.addParamGroup`);
  }

  /** One update of every parameter that has a gradient; parameters whose grad is null are left alone. */
  step(): void {
    this.checkAlive('step()');
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const param of group.params) {
          // One scope per parameter frees its temporaries before the next parameter's are made.
          tidy(() => {
            const grad = param.grad;
            if (grad === null) return;
            let state = this.state.get(param);
            if (state === undefined) this.state.set(param, (state = {}));
            this.update(param, grad, group, state);
          });
        }
      }
    });
  }

  /** Clears the gradients: sets them to null (the default, as PyTorch 2), or to zeros in place. */
  zeroGrad(setToNone = true): void {
    tidy(() => {
      for (const group of this.paramGroups) {
        for (const param of group.params) {
          if (setToNone) {
            param.grad = null;
            continue;
          }
          const grad = param.grad;
          if (grad === null) continue;
          if (grad.gradFn !== '') grad.detach_();
          else grad.requiresGrad_(false);
          grad.zero_();
        }
      }
    });
  }

  /** The state for resuming: see OptimizerStateDict for the layout. */
  stateDict(): OptimizerStateDict {
    this.checkAlive('stateDict()');
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map(({ params, ...options }) => ({
      ...copyArrays(options),
      params: params.map((p) => {
        index.set(p, index.size);
        return index.size - 1;
      }),
    }));
    const state: OptimizerStateDict['state'] = {};
    const tensors: OptimizerStateDict['tensors'] = {};
    for (const [param, entries] of this.state) {
      const i = index.get(param)!;
      for (const [key, value] of Object.entries(entries)) {
        if (value instanceof Tensor) tensors[`state.${i}.${key}`] = value.clone();
        else (state[i] ??= {})[key] = value;
      }
    }
    return { paramGroups, state, tensors };
  }

  /**
   * Restores a stateDict() (from this optimizer class, on the same parameters in the same order): the group
   * options and the per-parameter state, whose buffers are copied to each parameter's dtype and device.
   * Nothing changes if the state dict does not fit.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    this.checkAlive('loadStateDict()');
    const where = `${this.spec.name}.loadStateDict`;
    if (!isPlainObject(stateDict) || !Array.isArray(stateDict.paramGroups) || !isPlainObject(stateDict.state) || !isPlainObject(stateDict.tensors)) {
      throw new TypeError(`${where}: expected {paramGroups, state, tensors} as stateDict() returns, got ${describe(stateDict)}`);
    }
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw new RangeError(`${where}: the state dict has ${saved.length} parameter groups, this optimizer ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    const groups = saved.map((group, g) => {
      const groupWhere = `${where} (parameter group ${g})`;
      const current = this.paramGroups[g];
      if (!isPlainObject(group) || !Array.isArray(group.params)) throw new TypeError(`${groupWhere}: expected {params: number[], …options}`);
      if (group.params.length !== current.params.length) {
        throw new RangeError(`${groupWhere}: the state dict has ${group.params.length} parameters, this optimizer ${current.params.length}`);
      }
      group.params.forEach((i, k) => byIndex.set(checkInt(i, `params[${k}]`, groupWhere, 0), current.params[k]));
      const { params: _, initialLr, ...options } = group;
      const merged = this.merge(options, current, groupWhere);
      return initialLr === undefined ? merged : { ...merged, initialLr: checkNonNegative(initialLr, 'initialLr', groupWhere) };
    });
    const state = tidy(() => {
      const loaded = new Map<Tensor, ParamState>();
      const entry = (i: string, name: string): [Tensor, ParamState] => {
        const param = byIndex.get(Number(i));
        if (param === undefined) throw new RangeError(`${where}: ${name} is for parameter ${i}, which no group has`);
        if (!loaded.has(param)) loaded.set(param, {});
        return [param, loaded.get(param)!];
      };
      const checkKey = (key: string, kind: 'counter' | 'buffer', name: string) => {
        if (this.spec.state[key] === kind) return;
        const valid = Object.keys(this.spec.state).filter((k) => this.spec.state[k] === kind);
        throw new RangeError(`${where}: ${name} is not a ${kind} of ${this.spec.name}; its ${kind}s are ${valid.join(', ') || 'none'}`);
      };
      for (const [i, counters] of Object.entries(stateDict.state)) {
        if (!isPlainObject(counters)) throw new TypeError(`${where}: state[${i}] must be an object of counters, got ${describe(counters)}`);
        const [, paramState] = entry(i, `state[${i}]`);
        for (const [key, value] of Object.entries(counters)) {
          checkKey(key, 'counter', `state[${i}].${key}`);
          paramState[key] = checkInt(value, `state[${i}].${key}`, where, 0);
        }
      }
      for (const [name, tensor] of Object.entries(stateDict.tensors)) {
        const match = /^state\.(\d+)\.(\w+)$/.exec(name);
        if (match === null) throw new RangeError(`${where}: tensor '${name}' is not named state.<index>.<buffer>`);
        if (!(tensor instanceof Tensor)) throw new TypeError(`${where}: '${name}' is not a tensor`);
        checkKey(match[2], 'buffer', `'${name}'`);
        const [param, paramState] = entry(match[1], `'${name}'`);
        if (tensor.shape.join() !== param.shape.join()) {
          throw new RangeError(`${where}: '${name}' has shape [${tensor.shape.join(', ')}] but its parameter has shape [${param.shape.join(', ')}]`);
        }
        paramState[match[2]] = tensor.to({ dtype: param.dtype, device: param.device, copy: true });
      }
      return loaded;
    });
    this.disposeState();
    for (const [param, paramState] of state) {
      Object.values(paramState).forEach((value) => value instanceof Tensor && keep(value));
      this.state.set(param, paramState);
    }
    groups.forEach((group, g) => Object.assign(this.paramGroups[g], group));
  }

  /** Frees the state tensors (momentum buffers, moments); the optimizer cannot be used afterwards. */
  dispose(): void {
    this.disposeState();
    this.disposed = true;
  }
  [Symbol.dispose](): void { this.dispose(); }

  /** Checks a group's options other than lr, which the base class checks. */
  protected abstract checkOptions(options: O, where: string): void;

  /** Updates one parameter in place; runs in noGrad and in a tidy scope of its own. */
  protected abstract update(param: Tensor, grad: Tensor, group: ParamGroup<O>, state: ParamState): void;

  /** The named buffer of a parameter's state, made as zeros on first use; the optimizer owns it. */
  protected buffer(state: ParamState, name: string, like: Tensor): Tensor {
    return (state[name] ??= keep(zerosLike(like))) as Tensor;
  }

  private add(group: ParamGroupInput<O>, where: string): void {
    if (!isPlainObject(group) || !Array.isArray(group.params)) {
      throw new TypeError(`${where}: a parameter group must be an object {params: Tensor[], …options}, got ${describe(group)}`);
    }
    const { params, ...options } = group;
    const seen = new Map<Tensor, string>();
    this.paramGroups.forEach((g, i) => g.params.forEach((p) => seen.set(p, `parameter group ${i}`)));
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${where}: params[${i}] is not a tensor, got ${describe(p)}`);
      if (!p.isLeaf) throw new TypeError(`${where}: params[${i}] is not a leaf tensor (it was computed from others); optimize the leaves it came from`);
      if (seen.has(p)) throw new RangeError(`${where}: params[${i}] is already in ${seen.get(p)}; a parameter can be optimized once only`);
      seen.set(p, `this group (params[${i}])`);
    });
    this.paramGroups.push({ ...this.merge(options, this.defaults, where), params: [...params] });
  }

  /** `base` overridden by `options`, checked; arrays are copied so the caller's cannot change the group. */
  private merge(options: object, base: object, where: string): O {
    const defaults = Object.fromEntries(Object.keys(this.spec.defaults).map((key) => [key, (base as Record<string, unknown>)[key]]));
    const merged = copyArrays(withDefaults(options, defaults, where)) as unknown as O;
    if (merged.lr === undefined) throw new TypeError(`${where}: lr is required; give it in the options or in every parameter group`);
    checkNonNegative(merged.lr, 'lr', where);
    this.checkOptions(merged, where);
    return merged;
  }

  private disposeState(): void {
    for (const paramState of this.state.values()) {
      Object.values(paramState).forEach((value) => value instanceof Tensor && value.dispose());
    }
    this.state.clear();
  }

  private checkAlive(what: string): void {
    if (this.disposed) throw new Error(`${this.spec.name}: ${what} after dispose()`);
  }
}

function copyArrays<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).map(([key, value]) => [key, Array.isArray(value) ? [...value] : value])) as T;
}
