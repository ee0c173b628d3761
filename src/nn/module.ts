// nn.Module: parameters, buffers and submodules found among a module's own properties, with PyTorch's dotted names.
import { noGrad } from '../torch/autograd.js';
import { dtypes, isFloatingPoint } from '../torch/dtype.js';
import type { StateDict } from '../torch/serialization.js';
import { Tensor, type MemoryFormat } from '../torch/tensor.js';
import { Buffer, Parameter } from './parameter.js';

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Called after a module's forward with its inputs and output; a Tensor it returns replaces the output. */
export type ForwardHook = (module: Module, inputs: Tensor[], output: Tensor) => Tensor | void;

/** What registerForwardHook returns: remove() unregisters the hook (PyTorch's RemovableHandle). */
export interface RemovableHandle {
  remove(): void;
}

// Kept outside the instances, so that hooks are never mistaken for state or submodules.
const forwardHooks = new WeakMap<Module, { hook: ForwardHook }[]>();

export abstract class Module {
  /** True in training mode (dropout active, batch norm uses batch statistics). */
  training = true;

  /** The computation. Call submodules' forward from it. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /** The class name, as PyTorch prints it. */
  get typeName(): string {
    return this.constructor.name;
  }

  // ---- structure ----
  private own<T>(kind: abstract new (...args: never[]) => T): [string, T][] {
    return Object.entries(this).filter((entry): entry is [string, T] => entry[1] instanceof kind);
  }
  namedChildren(): [string, Module][] {
    return this.own(Module);
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  /** This module and every module below it, each once, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    const walk = (module: Module, name: string) => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([name, module]);
      for (const [child, m] of module.namedChildren()) walk(m, name ? `${name}.${child}` : child);
    };
    walk(this, prefix);
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }
  private namedTensors<T extends Tensor>(kind: abstract new (...args: never[]) => T, recurse: boolean): [string, T][] {
    const seen = new Set<T>();
    const out: [string, T][] = [];
    for (const [prefix, module] of recurse ? this.namedModules() : [['', this] as [string, Module]]) {
      for (const [name, t] of module.own(kind)) {
        if (seen.has(t)) continue; // a tensor shared by two modules counts once, as in PyTorch
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }
  namedParameters(recurse = true): [string, Parameter][] {
    return this.namedTensors(Parameter, recurse);
  }
  parameters(recurse = true): Parameter[] {
    return this.namedParameters(recurse).map(([, p]) => p);
  }
  namedBuffers(recurse = true): [string, Buffer][] {
    return this.namedTensors(Buffer, recurse);
  }
  buffers(recurse = true): Buffer[] {
    return this.namedBuffers(recurse).map(([, b]) => b);
  }
  /** How many numbers the parameters hold (only the trainable ones with onlyTrainable). */
  numParameters(onlyTrainable = false): number {
    return this.parameters().filter((p) => !onlyTrainable || p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
  }

  // ---- modes ----
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  /** Calls fn on every submodule, then on this one (as PyTorch's apply). */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }
  /** Moves or casts every parameter and buffer in place (same objects, so an optimizer made before still holds them). */
  to(target: string): this {
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        // A dtype casts floating-point tensors only (num_batches_tracked stays int64), as in PyTorch.
        if ((dtypes as readonly string[]).includes(target) && !isFloatingPoint(t.dtype)) continue;
        const moved = t.to(target);
        t.setData_(moved);
        moved.dispose();
      }
    });
    return this;
  }

  /**
   * Lays out the 4-d parameters and buffers (conv weights; 5-d for channels_last_3d) in `memoryFormat`, in place, as
   * PyTorch's module.to(memory_format=…): with channels_last inputs, convolutions then run on NHWC data throughout.
   */
  toMemoryFormat(memoryFormat: MemoryFormat): this {
    const ranks = memoryFormat === 'channels_last' ? [4] : memoryFormat === 'channels_last_3d' ? [5] : [4, 5];
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        if (!ranks.includes(t.dim()) || t.isContiguous(memoryFormat)) continue;
        const laidOut = t.contiguous(memoryFormat);
        t.setData_(laidOut);
        laidOut.dispose();
      }
    });
    return this;
  }

  // ---- state ----
  /** Parameters then buffers of each module in turn, by dotted name: the order of PyTorch's state_dict. */
  private namedState(): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, t] of [...module.own(Parameter), ...module.own(Buffer)] as [string, Tensor][]) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }
  /** Parameters and buffers by dotted name; new handles sharing the module's memory (dispose them, or use tidy). */
  stateDict(): StateDict {
    return Object.fromEntries(this.namedState().map(([name, t]) => [name, t.detach()]));
  }
  /** Copies values in. strict (default) refuses missing or unexpected keys; a shape mismatch is always refused. */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    const own = new Map<string, Tensor>(this.namedState());
    const missingKeys = [...own.keys()].filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !own.has(k));
    const problems: string[] = [];
    if (strict && unexpectedKeys.length) problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (strict && missingKeys.length) problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    for (const [key, target] of own) {
      const source = state[key];
      if (!source) continue;
      if (!(source instanceof Tensor)) problems.push(`"${key}" is not a tensor.`);
      else if (source.shape.join() !== target.shape.join()) {
        problems.push(`size mismatch for ${key}: copying a param with shape [${source.shape.join(', ')}] from checkpoint, the shape in current model is [${target.shape.join(', ')}].`);
      }
    }
    if (problems.length) throw new Error(`Error(s) in loading state_dict for ${this.typeName}:\n\t${problems.join('\n\t')}`);
    noGrad(() => {
      for (const [key, target] of own) if (state[key]) target.copy_(state[key]);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- hooks ----
  /**
   * Calls hook after every forward of this module, as PyTorch's register_forward_hook. While a hook is registered this
   * instance's forward is wrapped (callers call forward directly, there is no __call__), and unwrapped after the last
   * remove(), so modules without hooks run exactly as before.
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    if (typeof hook !== 'function') throw new TypeError(`${this.typeName}.registerForwardHook: hook must be a function, got ${typeof hook}`);
    let hooks = forwardHooks.get(this);
    if (!hooks) {
      const registered: { hook: ForwardHook }[] = (hooks = []);
      const forward = this.forward;
      forwardHooks.set(this, registered);
      Object.defineProperty(this, 'forward', {
        configurable: true, writable: true, enumerable: false,
        value: (...inputs: Tensor[]): Tensor => {
          let output = forward.apply(this, inputs);
          // a copy, so that a hook removing itself does not skip the next one
          for (const { hook: h } of [...registered]) output = h(this, inputs, output) ?? output;
          return output;
        },
      });
    }
    const entry = { hook };
    hooks.push(entry);
    return {
      remove: () => {
        const registered = forwardHooks.get(this);
        const at = registered?.indexOf(entry) ?? -1;
        if (at < 0) return;
        registered!.splice(at, 1);
        if (registered!.length === 0) {
          forwardHooks.delete(this);
          delete (this as { forward?: unknown }).forward; // the class's own forward shows through again
        }
      },
    };
  }

  /** Frees every parameter and buffer now. */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.dispose();
  }

  /** Extra text inside the printed form, e.g. 'in_features=4, out_features=2' as PyTorch's extra_repr. */
  extraRepr(): string {
    return '';
  }
  toString(): string {
    const children = this.namedChildren();
    if (children.length === 0) return `${this.typeName}(${this.extraRepr()})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().replace(/\n/g, '\n  ')}`);
    return `${this.typeName}(\n${lines.join('\n')}\n)`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
