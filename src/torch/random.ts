// A small seeded generator (xoshiro128**) for shuffles, splits and random transforms: reproducible, independent of
// torch's global RNG, and set per sample by the DataLoader (withRandom) so augmentations do not depend on the thread.
import { randint } from './creation.js';
import { tidy } from './scope.js';

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

  /** Uniform on [low, high). */
  uniform(low = 0, high = 1): number {
    // 53 random bits, as Python's random.random().
    const u = ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
    return low + (high - low) * u;
  }

  /** An integer in [low, high], both ends included. */
  integer(low: number, high: number): number {
    return low + this.below(high - low + 1);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Normal with the given mean and standard deviation (Box-Muller). */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.uniform(); // (0, 1]: log(u) is finite
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Gamma(shape, 1) (Marsaglia-Tsang; shape < 1 boosted by u^(1/shape)). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      const u = 1 - this.uniform();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** Beta(a, b), as numpy's beta (mixup's λ). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }

  /** A seed for torch.rand/randn({seed}): whole-tensor draws that this generator decides. */
  seed(): number {
    return (this.nextUint32() >>> 11) * 4294967296 + this.nextUint32(); // 53 bits
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

let current: { random: Random; epoch?: number } | null = null;

/**
 * Runs fn with `random` as the generator that currentRandom() returns, and `epoch` as currentEpoch() (the DataLoader
 * sets both for each sample; the trainer for each mixing transform).
 */
export function withRandom<T>(random: Random, fn: () => T, epoch?: number): T {
  const outer = current;
  current = { random, epoch };
  try {
    return fn();
  } finally {
    current = outer;
  }
}

/**
 * The generator random transforms draw from: the one the DataLoader set for this sample (seeded by the loader's seed,
 * the epoch and the sample's index, so augmentations are the same whichever worker thread makes them), or else a fresh
 * one seeded from torch's generator, so that torch.manualSeed decides.
 */
export function currentRandom(): Random {
  return current?.random ?? new Random(seedFromTorch());
}

/** The epoch being loaded (0-based), for transforms that change over training (GridMask's ramp); undefined outside a loader. */
export function currentEpoch(): number | undefined {
  return current?.epoch;
}
