// Argument checks that give a clear message before a value reaches C++.

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

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `a ${(value as object).constructor?.name ?? 'object'}`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
