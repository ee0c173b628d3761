// Checks of argument and option values shared by torch, the optimizers, the schedulers and the transforms (so nothing
// here imports them): unknown keys are refused with the valid ones listed, and each value is checked with a message
// naming it and the range it must be in.
import { UsageError } from './usage-error.js';

/** A value as messages name it: `null`, `an array of 3`, `a Tensor`, `"text"`, `1.5`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `a ${(value as object).constructor?.name ?? 'object'}`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

export function checkInt(value: unknown, name: string, where: string, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${where}: ${name} must be an integer, got ${describe(value)}`);
  }
  if (value < min) throw new RangeError(`${where}: ${name} must be at least ${min}, got ${value}`);
  return value;
}

export function checkNumber(value: unknown, name: string, where: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${where}: ${name} must be a number, got ${describe(value)}`);
  return value;
}

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

export interface RangePairOptions {
  /** Bounds of both ends. */
  min?: number;
  max?: number;
  /** A single number d stands for [-d, d] (torchvision's _setup_angle); otherwise only a pair is taken. */
  symmetric?: boolean;
}

/** [min, max] with min ≤ max, each end within the bounds; from a pair, or from a symmetric bound d (→ [-d, d], d ≥ 0). */
export function checkRangePair(value: unknown, name: string, where: string, options: RangePairOptions = {}): [number, number] {
  const { min = -Infinity, max = Infinity, symmetric = false } = options;
  if (typeof value === 'number' && symmetric) {
    if (!(value >= 0)) throw new RangeError(`${where}: ${name} as a single number must be non-negative, got ${value}`);
    return [-value, value];
  }
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(`${where}: ${name} must be ${symmetric ? 'a number or ' : ''}a pair [min, max], got ${describe(value)}`);
  }
  const [a, b] = value.map((v) => checkRange(v, name, where, { min, max }));
  if (a > b) throw new RangeError(`${where}: ${name} must be [min, max] with min ≤ max, got [${a}, ${b}]`);
  return [a, b];
}

/** A fill value: a finite number or a non-empty array of them (one per channel). */
export function checkFill(value: unknown, name: string, where: string): number | number[] {
  const ok = typeof value === 'number' ? Number.isFinite(value) : Array.isArray(value) && value.length > 0 && value.every((v) => Number.isFinite(v));
  if (!ok) throw new TypeError(`${where}: ${name} must be a number or an array of numbers (one per channel), got ${describe(value)}`);
  return value as number | number[];
}

/** Python's round(): halves go to the even neighbour, so sizes computed from fractions match torchvision's. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** An option a user sets (a flag of the command line): an integer in [min, max], else a UsageError naming it. */
export function checkCount(value: unknown, name: string, where: string, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${where}: ${name} must be an integer from ${min}${max < Infinity ? ` to ${max}` : ' up'}, got ${describe(value)}`);
  }
  return value;
}
