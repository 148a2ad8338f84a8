/**
 * The cycle time of a clock as its own asymptotic rate (ms per round), measured on the
 * clock's rounds, and the exact max-plus rate of a periodic plan to check it against.
 *
 * **Deterministic clocks: the periodic regime.** Under fixed sharing, with no stragglers
 * and no failures, the per-silo clock is a max-plus linear recursion whose graph changes
 * with a period P (1 for a static overlay, the number of graph states otherwise): round
 * k's starts t(k+1) are maxima of earlier starts t(k−L..k) plus constants (L the launch
 * lag: the multigraph's largest multiplicity − 1). When the plan's graph over a period is
 * strongly connected, such a recursion becomes periodic after a finite transient N
 * (Cohen, Dubois, Quadrat and Viot 1985; Baccelli, Cohen, Olsder and Quadrat 1992,
 * "Synchronization and Linearity", chapter 3): for some cyclicity c (a multiple of P)
 *
 *   t(k + c) = t(k) + c·λ·1   for every k >= N,
 *
 * and λ is the maximum cycle mean (Karp's value for a static overlay; when the graph is not
 * strongly connected, parts may grow at different rates and no such c may exist: the
 * search then ends without a regime). {@link periodicRegime}
 * finds the first N and the smallest such c by comparing the lifted state
 * (t(m−L), …, t(m)) with (t(m−c−L), …, t(m−c)) for every c = P, 2P, … up to m, shifted by
 * the difference of their maxima, and returns λ = (max t(N+c) − max t(N))/c. The rounds
 * ending before N are the transient that `end of round K / K` would include.
 *
 * Floating point: the clocks add the same constants in the same order round after round,
 * so in the periodic regime the two states differ by their shift up to the rounding of
 * about 2c additions, at most `2c·ε·|t|` (ε = 2⁻⁵²). The comparison's tolerance is
 * {@link PERIODIC_TOLERANCE_ULPS}·(c+1)·ε·max|t(m)|. A max-plus map is monotone and
 * homogeneous, hence non-expansive in the sup norm, so a state that repeats to within δ
 * gives λ to within δ/c: at most 2·{@link PERIODIC_TOLERANCE_ULPS}·ε·max|t| ≈ 3.6e-15·m·λ
 * after m rounds (below 4e-11 relative for m <= 10,000). Fair sharing is deterministic and
 * homogeneous too (shifting every start shifts every event), so an exactly repeated state
 * repeats forever; but it is not monotone, so the same test is a detection to floating-point
 * tolerance without that bound.
 *
 * **Random clocks: batch means.** With stragglers or random failures (or a sampled graph
 * sequence) the round durations are a stationary-after-warm-up random sequence; the cycle
 * time is its long-run mean, estimated by {@link batchMeans}: drop a warm-up, split the
 * rest into B contiguous batches of equal length, and take the mean of the batch means
 * with a 95% Student-t interval on B − 1 degrees of freedom (the method of batch means:
 * Law and Kelton, "Simulation Modeling and Analysis", section 9.5.3).
 *
 * **Exact max-plus rate of a periodic plan.** {@link exchangeCycleMean} builds the plan's
 * time-expanded graph over one period (node (r, j): silo j's start of a round ≡ r mod P)
 * and returns its maximum cycle mean per round with Karp's algorithm (`./karp.ts`): the
 * max-plus clock's own rate, with no simulation.
 */
import type { SiloTimes } from './delay-model.js';
import { fixedTransferMs, type RoundClock, type RoundExchanges } from './exchanges.js';
import { prepareMaxCycleMean } from './karp.js';

/** Round bound of the periodic-regime search (documented default of {@link PeriodicSearchOptions.maxRounds}). */
export const DEFAULT_PERIODIC_SEARCH_ROUNDS = 10_000;

/** Tolerance of the periodic-state comparison, in units of (c+1)·ε·max|t| (see the file comment). */
export const PERIODIC_TOLERANCE_ULPS = 8;

/** Default number of batches of {@link batchMeans}. */
export const DEFAULT_BATCHES = 20;

/** Default warm-up of {@link batchMeans}: this fraction of the rounds, at least one round. */
export const DEFAULT_WARMUP_FRACTION = 0.1;

/** How a cycle time was obtained from a clock's rounds. */
export type CycleTimeEstimate =
  /** The periodic regime was found: the rate is the clock's exact asymptotic rate. */
  | {
      method: 'periodic';
      cycleTimeMs: number;
      transientRounds: number;
      cyclicity: number;
      roundsSimulated: number;
      sharing: 'fixed' | 'fair';
    }
  /** Deterministic, but no periodic regime within the bound: the mean round over the last whole periods. */
  | { method: 'tail-mean'; cycleTimeMs: number; fromRound: number; toRound: number; roundsSimulated: number; period: number }
  /** Random: the mean round after a warm-up, with a 95% confidence interval by batch means. */
  | {
      method: 'batch-means';
      cycleTimeMs: number;
      halfWidthMs: number;
      fromRound: number;
      toRound: number;
      batches: number;
      batchRounds: number;
    }
  /** The mean round over rounds 0..toRound (end of round K / K), when no rate is sought (scheduled failures, or too few rounds). */
  | { method: 'mean'; cycleTimeMs: number; fromRound: 0; toRound: number; reason: string };

/**
 * A cycle-time estimate in words, for results and reports:
 * `exact: periodic regime after N rounds, cyclicity c` or
 * `estimate: mean round over rounds a..b, 95% CI ±x ms (batch means, B batches of m rounds)`.
 * Round indices are 0-based, as in configs.
 */
export function describeCycleTimeEstimate(e: CycleTimeEstimate): string {
  const ms = (x: number): string => (Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3));
  const rounds = (k: number): string => `${k} round${k === 1 ? '' : 's'}`;
  switch (e.method) {
    case 'periodic':
      return e.sharing === 'fixed'
        ? `exact: periodic regime after ${rounds(e.transientRounds)}, cyclicity ${e.cyclicity}`
        : `periodic regime after ${rounds(e.transientRounds)}, cyclicity ${e.cyclicity} (fair sharing: states repeat to floating-point tolerance)`;
    case 'tail-mean':
      return `estimate: no periodic regime within ${e.roundsSimulated} rounds; mean round over rounds ${e.fromRound}..${e.toRound} (whole periods of ${e.period})`;
    case 'batch-means':
      return `estimate: mean round over rounds ${e.fromRound}..${e.toRound}, 95% CI ±${ms(e.halfWidthMs)} ms (batch means, ${e.batches} batches of ${e.batchRounds} rounds)`;
    case 'mean':
      return `mean round over rounds 0..${e.toRound} (end of round ${e.toRound + 1} / ${e.toRound + 1}; ${e.reason})`;
  }
}

/** Options of {@link periodicRegime}. */
export interface PeriodicSearchOptions {
  /** P: the plan's graph states repeat every P rounds (1 when static); the cyclicity is a multiple of P. */
  period: number;
  /** L: a transfer of round k may start at the end of round k − L's compute (default 0). */
  lagRounds?: number;
  /** Rounds simulated at most (default {@link DEFAULT_PERIODIC_SEARCH_ROUNDS}). */
  maxRounds?: number;
}

/** A periodic regime of a clock. */
export interface PeriodicRegime {
  /** λ: ms per round in the periodic regime. */
  rateMs: number;
  /** N: the regime holds from the start of round N on. */
  transientRounds: number;
  /** c: the smallest multiple of the period after which the state repeats (shifted by c·λ). */
  cyclicity: number;
  /** Rounds the clock simulated to find it (N + c). */
  roundsSimulated: number;
}

/**
 * The periodic regime of a deterministic clock (see the file comment), or undefined when
 * none is found within `maxRounds` rounds (or a silo's time is not finite).
 * @param clock a per-silo clock (rounds are simulated as they are asked for)
 */
export function periodicRegime(clock: Pick<RoundClock, 'silos'>, opts: PeriodicSearchOptions): PeriodicRegime | undefined {
  const P = opts.period,
    L = opts.lagRounds ?? 0,
    maxRounds = opts.maxRounds ?? DEFAULT_PERIODIC_SEARCH_ROUNDS;
  if (!Number.isInteger(P) || P < 1) throw new RangeError(`periodicRegime: period must be a positive integer, got ${P}`);
  if (!Number.isInteger(L) || L < 0) throw new RangeError(`periodicRegime: lagRounds must be a non-negative integer, got ${L}`);
  // the recursion is regular (every transfer launched L rounds back at most) from round L + 1 on
  const first = L > 0 ? L + 1 : 0;
  /** t[m] = t(m), the starts of round m (t(0) = 0). */
  const t: Float64Array[] = [clock.silos(0).startMs];
  const maxOf: number[] = [max(t[0])];
  for (let m = 1; m <= maxRounds; m++) {
    const tm = clock.silos(m - 1).endMs;
    const top = max(tm);
    if (!Number.isFinite(top) || !tm.every(Number.isFinite)) return undefined;
    t.push(tm);
    maxOf.push(top);
    let scale = 1;
    for (let j = 0; j < tm.length; j++) scale = Math.max(scale, Math.abs(tm[j]));
    for (let c = P; m - c >= first; c += P) {
      const shift = top - maxOf[m - c];
      const tol = PERIODIC_TOLERANCE_ULPS * (c + 1) * Number.EPSILON * scale;
      if (repeats(t, m, c, L, shift, tol)) {
        return { rateMs: shift / c, transientRounds: m - c, cyclicity: c, roundsSimulated: m };
      }
    }
  }
  return undefined;
}

/** Whether t(m−q) − t(m−c−q) = shift (to tol) for q = 0..L and every silo. */
function repeats(t: readonly Float64Array[], m: number, c: number, L: number, shift: number, tol: number): boolean {
  for (let q = 0; q <= L; q++) {
    const a = t[m - q],
      b = t[m - c - q];
    for (let j = 0; j < a.length; j++) if (Math.abs(a[j] - b[j] - shift) > tol) return false;
  }
  return true;
}

function max(a: ArrayLike<number>): number {
  let m = -Infinity;
  for (let j = 0; j < a.length; j++) if (a[j] > m) m = a[j];
  return a.length ? m : 0;
}

/** Two-sided 95% quantiles of Student's t with ν = 1..29 degrees of freedom. */
const T975 = [
  12.7062047, 4.30265273, 3.18244631, 2.77644511, 2.57058184, 2.44691185, 2.36462425, 2.30600414, 2.26215716, 2.22813885, 2.20098516,
  2.17881283, 2.16036866, 2.14478669, 2.13144955, 2.1199053, 2.10981558, 2.10092204, 2.09302405, 2.08596345, 2.07961384, 2.07387307,
  2.06865761, 2.06389856, 2.05953855, 2.05552944, 2.05183052, 2.04840714, 2.04522964,
];

/** Options of {@link batchMeans}. */
export interface BatchMeansOptions {
  /** K: rounds 0..K−1 are available. */
  rounds: number;
  /** Rounds dropped at the start (default max(1, round(K · {@link DEFAULT_WARMUP_FRACTION}))). */
  warmupRounds?: number;
  /** B, 2..30 (default {@link DEFAULT_BATCHES}, fewer when the rounds after the warm-up are fewer). */
  batches?: number;
}

/**
 * The mean round duration after a warm-up, with a 95% confidence interval by batch means:
 * rounds a..b (a = the warm-up) are split into B batches of m rounds each (b = a + B·m − 1;
 * a remainder of fewer than B rounds at the end is left out); batch i's mean is
 * (end(a + (i+1)m − 1) − end(a + i·m − 1)) / m; the estimate is their mean (the mean round
 * over a..b) and the half-width t(0.975, B−1) · s / √B, s the batch means' standard
 * deviation. Undefined when fewer than 2 rounds follow the warm-up.
 * @param roundEndMs the end of round k (ms), k >= 0
 */
export function batchMeans(
  roundEndMs: (round: number) => number,
  opts: BatchMeansOptions,
): Extract<CycleTimeEstimate, { method: 'batch-means' }> | undefined {
  const K = opts.rounds;
  const warm = opts.warmupRounds ?? Math.max(1, Math.round(K * DEFAULT_WARMUP_FRACTION));
  const left = K - warm;
  if (left < 2) return undefined;
  const B = Math.min(opts.batches ?? DEFAULT_BATCHES, left, T975.length + 1);
  if (B < 2) throw new RangeError(`batchMeans: need at least 2 batches, got ${B}`);
  const m = Math.floor(left / B);
  const a = warm,
    b = warm + B * m - 1;
  const endBefore = (k: number): number => (k > 0 ? roundEndMs(k - 1) : 0);
  const means: number[] = [];
  for (let i = 0; i < B; i++) means.push((endBefore(a + (i + 1) * m) - endBefore(a + i * m)) / m);
  const mean = (endBefore(b + 1) - endBefore(a)) / (B * m);
  let ss = 0;
  for (const y of means) ss += (y - mean) ** 2;
  const s = Math.sqrt(ss / (B - 1));
  return {
    method: 'batch-means',
    cycleTimeMs: mean,
    halfWidthMs: (T975[B - 2] * s) / Math.sqrt(B),
    fromRound: a,
    toRound: b,
    batches: B,
    batchRounds: m,
  };
}

/**
 * The exact max-plus rate (ms per round) of a plan's exchanges that repeat with period P:
 * the maximum cycle mean, per round, of the time-expanded graph over one period. Node
 * (r, j) stands for silo j's start of the rounds k ≡ r (mod P); for round k ≡ r:
 * - `async`: an edge (r, j) → (r+1, j) weighing C_j (its own compute), and for every
 *   transfer i → j launched in round L an edge from (L mod P, i) to (r+1, j) weighing
 *   C_i + x(i,j), spanning k + 1 − L rounds (split into that many edges through fresh
 *   nodes, the first carrying the weight, so every edge is one round);
 * - `barrier` / `round-trip`: every silo starts at the round's barrier max_i t_i(k), so
 *   an edge (r, i) → (r+1, j) for every pair, weighing silo j's duration of the round
 *   (its compute, its transfers' arrivals and answers, as in the per-silo clocks).
 * Every cycle spans a multiple of P rounds with one edge per round, so its mean per edge
 * is ms per round. A plan's first rounds may launch transfers in round 0 instead of
 * k + 1 − m (the multigraph): the rate does not depend on them.
 * @param exchanges round k's transfers (called for k = P·(L+1) .. P·(L+2) − 1, L the
 *   largest launch lag, so that every transfer follows the regular rule)
 * @param period P (>= 1)
 * @param lagRounds L, the largest launch lag (default 0)
 */
export function exchangeCycleMean(s: SiloTimes, exchanges: (round: number) => RoundExchanges, period: number, lagRounds = 0): number {
  const n = s.n,
    P = period;
  if (!Number.isInteger(P) || P < 1) throw new RangeError(`exchangeCycleMean: period must be a positive integer, got ${P}`);
  const from: number[] = [],
    to: number[] = [],
    w: number[] = [];
  let nodes = P * n;
  const node = (r: number, j: number): number => (((r % P) + P) % P) * n + j;
  const edge = (a: number, b: number, weight: number, span: number): void => {
    let prev = a;
    for (let q = 1; q < span; q++) {
      const x = nodes++;
      from.push(prev);
      to.push(x);
      w.push(q === 1 ? weight : 0);
      prev = x;
    }
    from.push(prev);
    to.push(b);
    w.push(span === 1 ? weight : 0);
  };
  const k0 = P * (lagRounds + 1);
  for (let k = k0; k < k0 + P; k++) {
    const r = exchanges(k);
    if (r.sync === 'async') {
      for (let j = 0; j < n; j++) edge(node(k, j), node(k + 1, j), s.computeMs[j], 1);
      for (let e = 0; e < r.from.length; e++) {
        const L = r.launchRound ? r.launchRound[e] : k;
        if (L > k || k - L > lagRounds)
          throw new RangeError(`exchangeCycleMean: round ${k} transfer launched in round ${L}, beyond the lag ${lagRounds}`);
        edge(node(L, r.from[e]), node(k + 1, r.to[e]), s.computeMs[r.from[e]] + fixedTransferMs(s, r, e), k + 1 - L);
      }
    } else {
      // durations from the barrier (T = 0), as the per-silo clocks compute them
      const dur = Float64Array.from(s.computeMs);
      const arrival = new Float64Array(r.from.length);
      for (let e = 0; e < r.from.length; e++) {
        const a = r.answers ? r.answers[e] : -1;
        arrival[e] = (a >= 0 ? arrival[a] : s.computeMs[r.from[e]]) + fixedTransferMs(s, r, e);
        if (arrival[e] > dur[r.to[e]]) dur[r.to[e]] = arrival[e];
      }
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) edge(node(k, i), node(k + 1, j), dur[j], 1);
    }
  }
  return prepareMaxCycleMean(nodes, Int32Array.from(from), Int32Array.from(to))(w).value;
}
