/**
 * MATCHA and MATCHA(+) (J. Wang, A. K. Sahu, Z. Yang, G. Joshi, S. Kar, "MATCHA:
 * Speeding Up Decentralized SGD via Matching Decomposition Sampling", 2019), as timed by
 * Marfoq et al. (NeurIPS 2020) and Do et al. (ICCV 2023); see
 * `../shared/spec/cycle-time-model.md`, section 5.
 *
 * 1. Decompose a base graph into matchings by edge colouring (Misra & Gries 1992,
 *    ≤ Δ+1 colours): MATCHA uses the underlay's links, MATCHA(+) the connectivity graph
 *    (the complete graph on the silos).
 * 2. Activation probabilities maximising λ₂(Σ p_m L_m) with Σ p ≤ B·M
 *    ({@link optimizeActivationProbabilities}); the mixing α minimising
 *    ‖E[WᵀW] − J‖₂ ({@link optimalMixingAlpha}).
 * 3. Rounds: each matching is active independently with its probability (drawn again
 *    when none is); the round's overlay is the union of the active matchings with the
 *    connectivity graph's latency and bandwidth, both directions; the round time is the
 *    largest section-3 delay over its edges. The published cycle time is the sum of
 *    1,000 round times divided by 999.
 *
 * The catalogue entries `matcha` and `matcha+` are in `./topologies/matcha.ts`.
 */
import { DflsimInputError } from '../errors.js';
import type { ConnectivityGraph } from '../network/connectivity.js';
import type { Underlay } from '../network/underlay.js';
import { createRng, type Rng } from '../random.js';
import { isolatedSilos, type RoundState, type SiloPair } from '../timing/graph-state.js';
import type { DelayConstants } from '../timing/workload.js';
import { misraGriesEdgeColoring } from '../graph/edge-coloring.js';
import { optimalMixingAlpha } from './matcha-mixing.js';
import { optimizeActivationProbabilities, type ActivationOptions } from './matcha-probabilities.js';
import { edgeDelaysMs, exchangeDelayMs, overlayFromPairs, type Overlay } from '../timing/delay-model.js';

/** Which graph MATCHA decomposes: the underlay's links (MATCHA) or the connectivity graph (MATCHA(+)). */
export type MatchaBase = 'underlay' | 'connectivity';

/** Options of {@link buildMatcha}. */
export interface MatchaOptions {
  /** Communication budget B in (0, 1]: Σ p ≤ B · (number of matchings). */
  budget: number;
  /** Seed of the round sampling (used when `rng` is not given). */
  seed: number;
  /** Round states to emit (0: none, only the cycle time). */
  rounds: number;
  /** Rounds whose times make the published cycle time (sum / (rounds − 1)). */
  cycleTimeRounds: number;
  /** A random source for the round sampling, instead of `createRng(seed)`. */
  rng?: Rng;
  /** Tuning of the probability optimisation. */
  activation?: Partial<ActivationOptions>;
}

/** Defaults: budget 0.5, seed 0, 1,000 rounds, 1,000-round cycle time (as published). */
export const DEFAULT_MATCHA_OPTIONS: Readonly<MatchaOptions> = Object.freeze({
  budget: 0.5,
  seed: 0,
  rounds: 1000,
  cycleTimeRounds: 1000,
});

/** The round-independent part of MATCHA: matchings, probabilities, α. */
export interface MatchaPlan {
  /** `matcha` or `matcha+`. */
  topology: string;
  base: MatchaBase;
  /** Number of silos. */
  n: number;
  /** Maximum degree Δ of the base graph. */
  maxDegree: number;
  /** The matchings (undirected silo pairs), one per colour. */
  matchings: [number, number][][];
  /** Activation probability of each matching. */
  probabilities: number[];
  /** λ₂(Σ p_m L_m) at the optimised probabilities. */
  lambda2: number;
  /** λ₂ at uniform probabilities B (for comparison). */
  uniformLambda2: number;
  /** Mixing parameter α of W = I − α L. */
  alpha: number;
  /** ρ(α) = ‖E[WᵀW] − J‖₂. */
  rho: number;
  /** Communication budget used. */
  budget: number;
}

/** MATCHA with its sampled rounds. */
export interface MatchaResult extends MatchaPlan {
  /** The first `rounds` round states. */
  rounds: RoundState[];
  /** Sum of the first `cycleTimeRounds` round times / (cycleTimeRounds − 1) (ms). */
  cycleTimeMs: number;
  /** Mean round time over those rounds (ms). */
  meanRoundMs: number;
  /** Mean number of active matchings per round over those rounds. */
  meanActiveMatchings: number;
  /** Rounds the cycle time was computed over. */
  cycleTimeRounds: number;
}

/** The base graph's undirected edges: the underlay's links, or every pair of silos. */
export function matchaBaseEdges(base: MatchaBase, underlay: Underlay, cg: ConnectivityGraph): [number, number][] {
  if (base === 'underlay') {
    if (underlay.silos.length !== cg.n) throw new DflsimInputError('underlay', `has ${underlay.silos.length} silos but the connectivity graph has ${cg.n}`);
    return underlay.links.map((l) => (l.a < l.b ? [l.a, l.b] : [l.b, l.a]));
  }
  if (base !== 'connectivity') throw new DflsimInputError('base', `expected "underlay" or "connectivity", got ${JSON.stringify(base)}`);
  const out: [number, number][] = [];
  for (let i = 0; i < cg.n; i++) for (let j = i + 1; j < cg.n; j++) out.push([i, j]);
  return out;
}

/**
 * Matchings, activation probabilities and α of MATCHA on a base graph.
 * @param base `underlay` (MATCHA) or `connectivity` (MATCHA(+))
 * @param budget communication budget B in (0, 1]
 */
export function planMatcha(
  base: MatchaBase,
  underlay: Underlay,
  cg: ConnectivityGraph,
  budget: number = DEFAULT_MATCHA_OPTIONS.budget,
  activation: Partial<ActivationOptions> = {},
): MatchaPlan {
  if (!(budget > 0 && budget <= 1)) throw new DflsimInputError('budget', `the communication budget must be in (0, 1], got ${budget}`);
  if (cg.n < 2) throw new DflsimInputError('network', `MATCHA needs at least two silos, got ${cg.n}`);
  const edges = matchaBaseEdges(base, underlay, cg);
  if (edges.length === 0) throw new DflsimInputError('network', 'the base graph has no links to decompose into matchings');
  const coloring = misraGriesEdgeColoring(cg.n, edges);
  const matchings = coloring.classes.map((cls) => cls.map((e) => [edges[e][0], edges[e][1]] as [number, number]));
  const act = optimizeActivationProbabilities(cg.n, matchings, budget, activation);
  const mix = optimalMixingAlpha(cg.n, matchings, act.probabilities);
  return {
    topology: base === 'underlay' ? 'matcha' : 'matcha+',
    base,
    n: cg.n,
    maxDegree: coloring.maxDegree,
    matchings,
    probabilities: Array.from(act.probabilities),
    lambda2: act.lambda2,
    uniformLambda2: act.uniformLambda2,
    alpha: mix.alpha,
    rho: mix.rho,
    budget,
  };
}

/**
 * Draw one round's activations: each matching independently with its probability,
 * drawn again until at least one is active.
 * @returns indices of the active matchings, ascending
 */
export function sampleActiveMatchings(probabilities: ReadonlyArray<number>, rng: Rng): number[] {
  if (!probabilities.some((p) => p > 0)) throw new DflsimInputError('probabilities', 'every activation probability is 0: no round can be drawn');
  for (;;) {
    const active: number[] = [];
    for (let m = 0; m < probabilities.length; m++) if (rng.next() < probabilities[m]) active.push(m);
    if (active.length > 0) return active;
  }
}

/** One round's overlay: the union of the active matchings, both directions, with the connectivity graph's latency and bandwidth. */
export function matchaRoundOverlay(plan: MatchaPlan, cg: ConnectivityGraph, active: ReadonlyArray<number>): Overlay {
  const pairs: [number, number][] = [];
  for (const m of active) for (const e of plan.matchings[m]) pairs.push(e);
  return overlayFromPairs(plan.topology, cg, pairs, true);
}

/** The round time of an overlay: its largest section-3 delay (ms); C when it has no edge. */
export function roundTimeMs(overlay: Overlay, k: DelayConstants): number {
  const d = edgeDelaysMs(overlay, k);
  let t = overlay.edges.length === 0 ? k.computeMs : -Infinity;
  for (const x of d) if (x > t) t = x;
  return t;
}

/** One sampled MATCHA round without its pair lists: the active matchings and the clock. */
export interface MatchaRoundTime {
  round: number;
  /** Indices of the active matchings, ascending. */
  active: number[];
  /** The round's time: the largest section-3 delay over its edges (ms). */
  durationMs: number;
  /** Cumulative clock at the end of the round (ms). */
  endMs: number;
}

/**
 * MATCHA's round times as a stream, computed straight from the active matchings (each
 * silo's degree is the number of active matchings that touch it), without building each
 * round's overlay; equal to {@link roundTimeMs} of {@link matchaRoundOverlay}.
 */
export function* matchaRoundTimes(plan: MatchaPlan, cg: ConnectivityGraph, k: DelayConstants, rng: Rng, count: number): Generator<MatchaRoundTime> {
  const n = cg.n;
  const deg = new Int32Array(n);
  // each matching's pairs flattened [a0, b0, a1, b1, ...], with the latency and bandwidth
  // of a->b and b->a beside them (read in sequence rather than from the n x n tables)
  const flat = plan.matchings.map((m) => Int32Array.from(m.flat()));
  const latency = flat.map((f) => { const x = new Float64Array(f.length); for (let e = 0; e < f.length; e += 2) { x[e] = cg.latencyMs[f[e] * n + f[e + 1]]; x[e + 1] = cg.latencyMs[f[e + 1] * n + f[e]]; } return x; });
  const bandwidth = flat.map((f) => { const x = new Float64Array(f.length); for (let e = 0; e < f.length; e += 2) { x[e] = cg.bandwidthBitsPerMs[f[e] * n + f[e + 1]]; x[e + 1] = cg.bandwidthBitsPerMs[f[e + 1] * n + f[e]]; } return x; });
  let clockMs = 0;
  for (let r = 0; r < count; r++) {
    const active = sampleActiveMatchings(plan.probabilities, rng);
    deg.fill(0);
    let edges = 0;
    for (const m of active) {
      const f = flat[m];
      for (let e = 0; e < f.length; e += 2) { deg[f[e]]++; deg[f[e + 1]]++; edges++; }
    }
    let t = edges === 0 ? k.computeMs : -Infinity;
    for (const m of active) {
      const f = flat[m], lat = latency[m], bw = bandwidth[m];
      for (let e = 0; e < f.length; e += 2) {
        const a = f[e], b = f[e + 1];
        const ab = exchangeDelayMs(k, lat[e], bw[e], deg[a], deg[b]);
        if (ab > t) t = ab;
        const ba = exchangeDelayMs(k, lat[e + 1], bw[e + 1], deg[b], deg[a]);
        if (ba > t) t = ba;
      }
    }
    clockMs += t;
    yield { round: r, active, durationMs: t, endMs: clockMs };
  }
}

/**
 * MATCHA's rounds as a stream of {@link RoundState}s (strong = the round's directed
 * pairs, weak = [], extra = { activeMatchings, alpha }), with a cumulative clock.
 * @param count number of rounds
 * @param rng random source of the activations (advanced by the stream)
 */
export function* matchaRounds(plan: MatchaPlan, cg: ConnectivityGraph, k: DelayConstants, rng: Rng, count: number): Generator<RoundState> {
  for (const rt of matchaRoundTimes(plan, cg, k, rng, count)) {
    const strong: SiloPair[] = [];
    for (const m of rt.active) for (const [a, b] of plan.matchings[m]) strong.push([a, b], [b, a]);
    yield {
      round: rt.round,
      state: rt.round,
      strong,
      weak: [],
      isolated: isolatedSilos(cg.n, strong),
      durationMs: rt.durationMs,
      endMs: rt.endMs,
      extra: { activeMatchings: rt.active, alpha: plan.alpha },
    };
  }
}

/**
 * MATCHA (base `underlay`) or MATCHA(+) (base `connectivity`): matchings, activation
 * probabilities, α, sampled rounds and the published-style cycle time.
 * @param base `underlay` for MATCHA, `connectivity` for MATCHA(+)
 * @param underlay the underlay (its links are MATCHA's base graph)
 * @param cg the connectivity graph (latency, bandwidth; MATCHA(+)'s base graph)
 * @param k delay constants of the workload (ms, bits)
 */
export function buildMatcha(
  base: MatchaBase,
  underlay: Underlay,
  cg: ConnectivityGraph,
  k: DelayConstants,
  options: Partial<MatchaOptions> = {},
): MatchaResult {
  const opt = { ...DEFAULT_MATCHA_OPTIONS, ...options };
  if (!Number.isInteger(opt.rounds) || opt.rounds < 0) throw new DflsimInputError('rounds', `must be a non-negative integer, got ${opt.rounds}`);
  if (!Number.isInteger(opt.cycleTimeRounds) || opt.cycleTimeRounds < 2) throw new DflsimInputError('cycleTimeRounds', `must be an integer of at least 2, got ${opt.cycleTimeRounds}`);
  if (!Number.isFinite(opt.seed)) throw new DflsimInputError('seed', `must be a finite number, got ${opt.seed}`);
  const plan = planMatcha(base, underlay, cg, opt.budget, opt.activation);
  const rng = opt.rng ?? createRng(opt.seed);
  const rounds: RoundState[] = [];
  let sumMs = 0, active = 0;
  const total = Math.max(opt.rounds, opt.cycleTimeRounds);
  for (const rt of matchaRoundTimes(plan, cg, k, rng, total)) {
    if (rt.round < opt.cycleTimeRounds) {
      sumMs += rt.durationMs;
      active += rt.active.length;
    }
    if (rt.round < opt.rounds) {
      const strong: SiloPair[] = [];
      for (const m of rt.active) for (const [a, b] of plan.matchings[m]) strong.push([a, b], [b, a]);
      rounds.push({ round: rt.round, state: rt.round, strong, weak: [], isolated: isolatedSilos(cg.n, strong), durationMs: rt.durationMs, endMs: rt.endMs, extra: { activeMatchings: rt.active, alpha: plan.alpha } });
    }
  }
  return {
    ...plan,
    rounds,
    cycleTimeMs: sumMs / (opt.cycleTimeRounds - 1),
    meanRoundMs: sumMs / opt.cycleTimeRounds,
    meanActiveMatchings: active / opt.cycleTimeRounds,
    cycleTimeRounds: opt.cycleTimeRounds,
  };
}
