// Timing helpers.
export const median = (values: number[]): number => {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Calls fn `steps` times; the mean ms per call. */
export function timeBlock(fn: () => void, steps: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e6 / steps;
}
