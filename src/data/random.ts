// A small seeded generator (xoshiro128**) for shuffles and splits: reproducible, and independent of torch's global RNG.
import { randint } from '../torch/creation.js';
import { tidy } from '../torch/scope.js';

/** murmur3's finalizer: spreads every input bit over the 32 output bits. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export function checkSeed(seed: unknown, where: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw new TypeError(`${where}: seed must be an integer, got ${String(seed)}`);
  return seed;
}

export class Random {
  private readonly state = new Uint32Array(4);

  /** Seeded by one or more integers: (seed, epoch) gives each epoch its own stream. */
  constructor(...seeds: number[]) {
    let h = 0x9e3779b9;
    for (const seed of seeds) {
      // Both 32-bit halves of a safe integer count, so seeds above 2^32 differ too.
      h = mix32(h ^ mix32(seed >>> 0));
      h = mix32(h ^ mix32(Math.floor(seed / 2 ** 32) >>> 0));
    }
    for (let k = 0; k < 4; k++) this.state[k] = h = mix32(h + 0x9e3779b9 * (k + 1));
    if (this.state.every((s) => s === 0)) this.state[0] = 1;
  }

  nextUint32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** An integer in [0, n), without modulo bias. */
  below(n: number): number {
    const limit = 2 ** 32 - (2 ** 32 % n);
    let r: number;
    do r = this.nextUint32();
    while (r >= limit);
    return r % n;
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A seed drawn from torch's global generator, so that torch.manualSeed makes unseeded shuffles reproducible, as in PyTorch. */
export function seedFromTorch(): number {
  return tidy(() => Number(randint(0, 2 ** 31 - 1, [1]).item()));
}
