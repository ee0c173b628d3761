// Options objects of optimizers and schedulers: unknown keys are refused with the valid ones listed,
// and each value is checked with a message naming it and the range it must be in.
import { checkNumber, describe } from '../torch/check.js';

/** True for `{...}` literals (not arrays, tensors or class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * `defaults` overridden by the defined values of `options`, after refusing keys that are not in `defaults`
 * and `required` keys left undefined.
 */
export function withDefaults<T extends object>(options: unknown, defaults: T, where: string, required: (keyof T)[] = []): T {
  if (options === undefined) options = {};
  if (!isPlainObject(options)) throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  const valid = Object.keys(defaults);
  const unknown = Object.keys(options).filter((key) => !valid.includes(key));
  if (unknown.length > 0) {
    const names = unknown.map((key) => `'${key}'`).join(', ');
    throw new TypeError(`${where}: unknown option${unknown.length > 1 ? 's' : ''} ${names}; valid options are ${valid.join(', ')}`);
  }
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value;
  for (const key of required) {
    if (merged[key as string] === undefined) throw new TypeError(`${where}: ${String(key)} is required`);
  }
  return merged as T;
}

export interface Interval {
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
}

/** A number in an interval, closed unless minOpen/maxOpen say otherwise. */
export function checkRange(value: unknown, name: string, where: string, interval: Interval): number {
  const { min = -Infinity, max = Infinity, minOpen = false, maxOpen = false } = interval;
  const x = checkNumber(value, name, where);
  if ((minOpen ? x > min : x >= min) && (maxOpen ? x < max : x <= max)) return x;
  const range = max === Infinity && min === 0
    ? (minOpen ? 'a positive number' : 'a non-negative number')
    : `in ${minOpen ? '(' : '['}${min}, ${max}${maxOpen ? ')' : ']'}`;
  throw new RangeError(`${where}: ${name} must be ${range}, got ${x}`);
}

export const checkNonNegative = (value: unknown, name: string, where: string): number => checkRange(value, name, where, { min: 0 });

export function checkBoolean(value: unknown, name: string, where: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${name} must be true or false, got ${describe(value)}`);
  return value;
}

export function checkChoice<T extends string>(value: unknown, name: string, where: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    throw new RangeError(`${where}: ${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** One number for every parameter group, from a number or an array with one per group. */
export function perGroup(value: unknown, name: string, where: string, groups: number, check: (x: unknown, name: string) => number): number[] {
  if (!Array.isArray(value)) return new Array(groups).fill(check(value, name));
  if (value.length !== groups) throw new RangeError(`${where}: ${name} has ${value.length} values but the optimizer has ${groups} parameter groups`);
  return value.map((x, i) => check(x, `${name}[${i}]`));
}
