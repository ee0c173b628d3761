// File names in the order people count them: 2.jpg before 10.jpg (runs of digits compare as numbers, the rest by
// code point), so that prediction rows line up with Kaggle's ids 1, 2, …, 12500.

const chunks = (name: string): string[] => name.match(/\d+|\D+/g) ?? [];

/** Natural order of two names: digit runs by value (then by length, so 01 follows 1), other runs by code point. */
export function naturalCompare(a: string, b: string): number {
  const [x, y] = [chunks(a), chunks(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i], y[i]];
    if (p === q) continue;
    const numeric = /^\d/.test(p) && /^\d/.test(q);
    if (numeric) {
      const byValue = BigInt(p) < BigInt(q) ? -1 : BigInt(p) > BigInt(q) ? 1 : 0;
      if (byValue !== 0) return byValue;
      return p.length - q.length;
    }
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}
