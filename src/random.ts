/**
 * Seeded randomness. Nothing in dflsim calls `Math.random`: an {@link Rng} is passed in,
 * and `fork(label)` derives independent streams (per silo, per purpose) so that adding a
 * consumer does not shift the numbers another consumer sees.
 */

/** A seeded pseudo-random source. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** An independent stream derived from this seed and `label`. */
  fork(label: string | number): Rng;
  /** The seed this stream was created from. */
  readonly seed: number;
}

/** 32-bit FNV-1a hash of a string, mixed with a seed. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Create a seeded RNG (xoshiro128** seeded by splitmix32). The same seed gives the same
 * sequence on every platform.
 * @param seed any integer
 */
export function createRng(seed: number): Rng {
  const init = splitmix32((seed >>> 0) ^ Math.floor(seed / 2 ** 32));
  let s0 = init(),
    s1 = init(),
    s2 = init(),
    s3 = init();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  let spare: number | null = null;
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  const rng: Rng = {
    seed,
    next: () => {
      // 53 random bits
      const hi = nextU32() >>> 5,
        lo = nextU32() >>> 6;
      return (hi * 67108864 + lo) / 9007199254740992;
    },
    int: (n: number) => Math.floor(rng.next() * n),
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0,
        v = 0;
      while (u <= Number.EPSILON) u = rng.next();
      v = rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: (label: string | number) => createRng(hashString(String(label), (seed >>> 0) ^ 0x9e3779b9)),
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Fisher-Yates shuffle of a copy of `xs`. */
export function shuffled<T>(xs: readonly T[], rng: Rng): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
