// Options objects of optimizers and schedulers: the checks they share with the transforms (util/checks.ts), and the
// per-parameter-group values only optimizers have.
export { checkBoolean, checkChoice, checkNonNegative, checkRange, isPlainObject, withDefaults, type Interval } from '../util/checks.js';

/** One number for every parameter group, from a number or an array with one per group. */
export function perGroup(value: unknown, name: string, where: string, groups: number, check: (x: unknown, name: string) => number): number[] {
  if (!Array.isArray(value)) return new Array(groups).fill(check(value, name));
  if (value.length !== groups) throw new RangeError(`${where}: ${name} has ${value.length} values but the optimizer has ${groups} parameter groups`);
  return value.map((x, i) => check(x, `${name}[${i}]`));
}
