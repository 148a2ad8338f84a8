/**
 * Stragglers: a random per-round multiplier of each silo's compute time, for the
 * event-driven clock (`timing/event-clock.ts`; the max-plus clock has none). Silo j's
 * compute in round k is `C_j × m_j(k)`.
 *
 * - `{ model: 'lognormal', sigma }`: `m = exp(sigma · Z)`, Z standard normal: median 1 (C_j
 *   is the median compute time), mean `exp(sigma² / 2)`.
 * - `{ model: 'two-point', p, slowdown }`: `m = slowdown` with probability p, else 1: mean
 *   `1 - p + p · slowdown`.
 * - `silos` (optional): only these silo indices straggle; the others keep `m = 1`.
 *
 * The multiplier is a pure function of (seed, silo, round): two 32-bit hashes of the
 * triple give 53 uniform bits, so it does not depend on the order in which rounds or
 * silos are asked for.
 */
import { DflsimInputError } from '../errors.js';
import { hashString } from '../random.js';

/** A straggler model (see the file comment). */
export type StragglerSpec =
  | {
      model: 'lognormal';
      /** Standard deviation of log(m) (>= 0). */ sigma: number;
      /** Silo indices that straggle (default: all). */ silos?: readonly number[];
    }
  | {
      model: 'two-point';
      /** Probability of a slow round (0..1). */ p: number;
      /** Compute multiplier of a slow round (>= 1). */ slowdown: number;
      /** Silo indices that straggle (default: all). */ silos?: readonly number[];
    };

/** Per-round compute multipliers: `multiplier(silo, round)`, and `fill(round, out)` for every silo. */
export interface Stragglers {
  /** m_j(k), the multiplier of silo j's compute in round k. */
  multiplier(silo: number, round: number): number;
  /** Write m_j(round) of every silo into `out` (length n). */
  fill(round: number, out: Float64Array): void;
  /** E[m_j], the multiplier's mean at silo j. */
  meanMultiplier(silo: number): number;
}

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A hash of (key, silo, round, stream) to 32 bits. */
function hash4(key: number, silo: number, round: number, stream: number): number {
  let h = mix32(key ^ Math.imul(silo + 1, 0x9e3779b1));
  h = mix32(h ^ Math.imul(round + 1, 0x85ebca77));
  h = mix32(h ^ Math.imul(stream + 1, 0x165667b1));
  return h;
}

/** A uniform number in (0, 1) from (keyA, keyB, silo, round, stream): 53 bits of two hashes, never 0. */
function uniformAt(keyA: number, keyB: number, silo: number, round: number, stream: number): number {
  const hi = hash4(keyA, silo, round, stream) >>> 5,
    lo = hash4(keyB, silo, round, stream) >>> 6;
  return (hi * 67108864 + lo + 0.5) / 9007199254740992;
}

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/**
 * Check a straggler spec; throws DflsimInputError naming the field (`stragglers.sigma`, ...).
 * @param n number of silos
 * @param where the spec's field path (default `stragglers`)
 */
export function validateStragglers(spec: StragglerSpec, n: number, where = 'stragglers'): void {
  if (typeof spec !== 'object' || spec === null) throw new DflsimInputError(where, 'must be an object');
  const s = spec as { model?: unknown; sigma?: unknown; p?: unknown; slowdown?: unknown; silos?: unknown };
  if (s.model === 'lognormal') {
    if (!finite(s.sigma) || s.sigma < 0)
      throw new DflsimInputError(`${where}.sigma`, `must be a finite number >= 0, got ${String(s.sigma)}`);
  } else if (s.model === 'two-point') {
    if (!finite(s.p) || s.p < 0 || s.p > 1) throw new DflsimInputError(`${where}.p`, `must be a probability in [0, 1], got ${String(s.p)}`);
    if (!finite(s.slowdown) || s.slowdown < 1)
      throw new DflsimInputError(`${where}.slowdown`, `must be a finite number >= 1, got ${String(s.slowdown)}`);
  } else {
    throw new DflsimInputError(`${where}.model`, `must be "lognormal" or "two-point", got ${JSON.stringify(s.model)}`);
  }
  if (s.silos !== undefined) {
    if (!Array.isArray(s.silos)) throw new DflsimInputError(`${where}.silos`, 'must be an array of silo indices');
    const seen = new Set<number>();
    s.silos.forEach((j: unknown, i: number) => {
      if (typeof j !== 'number' || !Number.isInteger(j) || j < 0 || j >= n)
        throw new DflsimInputError(`${where}.silos[${i}]`, `must be a silo index in [0, ${n - 1}], got ${String(j)}`);
      if (seen.has(j)) throw new DflsimInputError(`${where}.silos[${i}]`, `silo ${j} is listed twice`);
      seen.add(j);
    });
  }
}

/**
 * The per-round compute multipliers of a straggler spec (validated first).
 * @param n number of silos
 * @param seed the run's seed
 */
export function stragglers(spec: StragglerSpec, n: number, seed: number): Stragglers {
  validateStragglers(spec, n);
  const keyA = hashString('stragglers:a', (seed >>> 0) ^ Math.floor(seed / 4294967296));
  const keyB = hashString('stragglers:b', (seed >>> 0) ^ Math.floor(seed / 4294967296));
  const active = new Uint8Array(n);
  if (spec.silos) for (const j of spec.silos) active[j] = 1;
  else active.fill(1);
  let draw: (silo: number, round: number) => number;
  let mean: number;
  if (spec.model === 'lognormal') {
    const sigma = spec.sigma;
    mean = Math.exp((sigma * sigma) / 2);
    draw = (j, k) => {
      // Box-Muller from two uniforms of the (silo, round) key
      const u = uniformAt(keyA, keyB, j, k, 0),
        v = uniformAt(keyA, keyB, j, k, 1);
      return Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    };
  } else {
    const { p, slowdown } = spec;
    mean = 1 - p + p * slowdown;
    draw = (j, k) => (uniformAt(keyA, keyB, j, k, 0) < p ? slowdown : 1);
  }
  const multiplier = (silo: number, round: number): number => {
    if (!Number.isInteger(silo) || silo < 0 || silo >= n) throw new RangeError(`stragglers: silo ${silo} out of range`);
    return active[silo] ? draw(silo, round) : 1;
  };
  return {
    multiplier,
    fill(round, out) {
      for (let j = 0; j < n; j++) out[j] = active[j] ? draw(j, round) : 1;
    },
    meanMultiplier(silo) {
      return active[silo] ? mean : 1;
    },
  };
}
