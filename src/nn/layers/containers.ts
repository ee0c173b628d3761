// Containers: Sequential, ModuleList, ModuleDict. Children are properties named '0', '1', … or by key.
import type { Tensor } from '../../torch/tensor.js';
import { Module } from '../module.js';

function checkModule(m: unknown, where: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${where}: expected an nn.Module, got ${m === null ? 'null' : typeof m}`);
  return m;
}

abstract class IndexedModules extends Module {
  protected constructor(modules: Module[]) {
    super();
    modules.forEach((m) => this.append(m));
  }
  get length(): number {
    return this.children().length;
  }
  /** The module at i (negative counts from the end). */
  at(i: number): Module {
    const index = i < 0 ? this.length + i : i;
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`${this.typeName}: index ${i} is out of range for ${this.length} modules`);
    }
    return (this as unknown as Record<string, Module>)[String(index)];
  }
  /** Replaces the module at i, keeping its name: seq.set(1, new nn.Linear(1280, 2)). */
  set(i: number, module: Module): this {
    this.at(i);
    (this as unknown as Record<string, Module>)[String(i < 0 ? this.length + i : i)] = checkModule(module, `${this.typeName}.set`);
    return this;
  }
  append(module: Module): this {
    (this as unknown as Record<string, Module>)[String(this.length)] = checkModule(module, `${this.typeName}.append`);
    return this;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
}

/** Runs its modules in order, each on the previous one's output. */
export class Sequential extends IndexedModules {
  constructor(...modules: Module[]) {
    super(modules);
  }
  forward(input: Tensor): Tensor {
    let x = input;
    for (const m of this.children()) {
      const y = m.forward(x);
      // An intermediate's handle goes as soon as the next layer has used it, as Python drops its reference:
      // autograd keeps what backward needs, and the rest of the memory is freed now rather than at the end of
      // the step's tidy scope (a lower peak, and fewer pages the allocator hands back and faults in again).
      if (x !== input && x !== y) x.dispose();
      x = y;
    }
    return x;
  }
}

/** Holds modules in a list; its owner decides how to call them. */
export class ModuleList extends IndexedModules {
  constructor(modules: Module[] = []) {
    super(modules);
  }
  forward(): Tensor {
    throw new Error('ModuleList has no forward; call its modules from the module that holds it');
  }
}

/** Holds modules by name. */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> = {}) {
    super();
    for (const [key, m] of Object.entries(modules)) this.set(key, m);
  }
  get(key: string): Module | undefined {
    return this.namedChildren().find(([k]) => k === key)?.[1];
  }
  set(key: string, module: Module): this {
    if (key in Module.prototype || key === 'training') throw new TypeError(`ModuleDict: '${key}' is a reserved name`);
    (this as unknown as Record<string, Module>)[key] = checkModule(module, 'ModuleDict.set');
    return this;
  }
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }
  forward(): Tensor {
    throw new Error('ModuleDict has no forward; call its modules from the module that holds it');
  }
}
