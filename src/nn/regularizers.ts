// L1, L2 and ElasticNet (L1_L2) weight penalties as Keras names them, attached to chosen parameters;
// the trainer adds penalty(model) to the data loss and reports the two apart.
import { checkNumber } from '../torch/check.js';
import { zeros } from '../torch/creation.js';
import type { Tensor } from '../torch/tensor.js';
import { Conv2d } from './layers/conv.js';
import { Linear } from './layers/linear.js';
import type { Module } from './module.js';
import type { Parameter } from './parameter.js';

export type ParameterFilter = (name: string, parameter: Parameter, module: Module) => boolean;
/**
 * Which parameters a penalty applies to: 'weights' (default: the weights of Conv2d and Linear layers, Keras'
 * kernel_regularizer), 'all', a RegExp on the dotted name, a list of layer classes (their weights), or a function.
 */
export type Selection = 'weights' | 'all' | RegExp | (abstract new (...args: never[]) => Module)[] | ParameterFilter;

function filterOf(select: Selection): ParameterFilter {
  if (select === 'all') return () => true;
  if (select === 'weights') return (name, _, module) => name.endsWith('weight') && (module instanceof Conv2d || module instanceof Linear);
  if (select instanceof RegExp) return (name) => select.test(name);
  if (Array.isArray(select)) return (name, _, module) => name.endsWith('weight') && select.some((type) => module instanceof type);
  if (typeof select === 'function') return select;
  throw new TypeError(`regularizer: select must be 'weights', 'all', a RegExp, a list of layer classes or a function, got ${JSON.stringify(select)}`);
}

export class Regularizer {
  private readonly filter: ParameterFilter;

  constructor(readonly l1: number, readonly l2: number, readonly select: Selection = 'weights') {
    for (const [name, rate] of [['l1', l1], ['l2', l2]] as const) {
      checkNumber(rate, name, 'regularizer');
      if (rate < 0) throw new RangeError(`regularizer: ${name} must not be negative, got ${rate}`);
    }
    this.filter = filterOf(select);
  }

  /** The penalized parameters of a model, by dotted name. */
  targets(model: Module): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [prefix, module] of model.namedModules()) {
      for (const [name, p] of module.namedParameters(false)) {
        const full = prefix ? `${prefix}.${name}` : name;
        if (this.filter(full, p, module)) out.push([full, p]);
      }
    }
    return out;
  }

  /** l1 · Σ|w| + l2 · Σw² over the targets (Keras' convention: no factor ½). */
  penalty(model: Module): Tensor {
    const targets = this.targets(model);
    if (targets.length === 0) throw new Error(`regularizer: selects no parameter of ${model.typeName}; check its select option (${String(this.select)})`);
    let total = zeros([], { device: targets[0][1].device });
    for (const [, p] of targets) {
      if (this.l1) total = total.add(p.abs().sum(), this.l1);
      if (this.l2) total = total.add(p.square().sum(), this.l2);
    }
    return total;
  }

  toString(): string {
    return [this.l1 ? `L1(${this.l1})` : '', this.l2 ? `L2(${this.l2})` : ''].filter(Boolean).join(' + ');
  }
}

export const l1 = (rate = 0.01, select?: Selection): Regularizer => new Regularizer(rate, 0, select);
export const l2 = (rate = 0.01, select?: Selection): Regularizer => new Regularizer(0, rate, select);
/** Keras' l1_l2: both penalties (ElasticNet). */
export const l1L2 = (rates: { l1?: number; l2?: number } = {}, select?: Selection): Regularizer => new Regularizer(rates.l1 ?? 0.01, rates.l2 ?? 0.01, select);
export const elasticNet = l1L2;
