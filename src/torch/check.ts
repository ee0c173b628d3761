// Argument checks that give a clear message before a value reaches C++; the plain number checks are util's, shared with
// the layers above.
import { describe } from '../util/checks.js';

export { checkInt, checkNumber, describe } from '../util/checks.js';

/** A shape: non-negative integer sizes. */
export function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${where}: the shape must be an array of sizes, got ${describe(shape)}`);
  shape.forEach((size, i) => {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
      throw new RangeError(`${where}: size ${i} of shape [${shape.join(', ')}] must be a non-negative integer, got ${describe(size)}`);
    }
  });
  return shape;
}
