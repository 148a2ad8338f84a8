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
import { isolatedSilos, type RoundState, type SiloPair } from './round-state.js';
import { maxComputeMs, transmissionMs, type SiloTimes } from '../timing/delay-model.js';
import { misraGriesEdgeColoring, roundRobinEdgeColoring } from '../graph/edge-coloring.js';
import { optimalMixingAlpha } from './matcha-mixing.js';
import { DENSE_EIGEN_MAX_SILOS, optimizeActivationProbabilities, type ActivationOptions } from './matcha-probabilities.js';
import { edgeDelaysMs, overlayFromPairs, type Overlay } from './overlay.js';

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

/**
 * One of MATCHA's sampled rounds as its published estimate sees it: the round's graph
 * (without transfers), its time (the largest delay of its edges) and the running sum of
 * round times. A plan on these rounds gets the same round ends from the max-plus clock
 * (barrier rounds, `timing/clock.ts`).
 */
export interface MatchaRound extends Omit<RoundState, 'exchanges'> {
  /** The round's time (ms). */
  durationMs: number;
  /** The running sum of round times at its end (ms). */
  endMs: number;
}

/** MATCHA with its sampled rounds. */
export interface MatchaResult extends MatchaPlan {
  /** The first `rounds` rounds. */
  rounds: MatchaRound[];
  /** Sum of the first `cycleTimeRounds` round times / (cycleTimeRounds − 1) (ms). */
  cycleTimeMs: number;
  /** Mean round time over those rounds (ms). */
  meanRoundMs: number;
  /** Mean number of active matchings per round over those rounds. */
  meanActiveMatchings: number;
  /** Rounds the cycle time was computed over. */
  cycleTimeRounds: number;
}

/**
 * The base graph's undirected edges: the underlay's links, or every pair of silos. With
 * routers, the underlay's base joins two silos when a link or a path through routers only
 * joins them (each pair once, in the order the silos' searches find them).
 */
export function matchaBaseEdges(base: MatchaBase, underlay: Underlay, cg: ConnectivityGraph): [number, number][] {
  if (base === 'underlay') {
    if (underlay.silos.length !== cg.n)
      throw new DflsimInputError('underlay', `has ${underlay.silos.length} silos but the connectivity graph has ${cg.n}`);
    if (!underlay.routers?.length) return underlay.links.map((l) => (l.a < l.b ? [l.a, l.b] : [l.b, l.a]));
    return siloLinksThroughRouters(underlay);
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
  // MATCHA(+)'s base graph is complete: above DENSE_EIGEN_MAX_SILOS (128) silos its
  // colouring is the round-robin 1-factorisation (n−1 or n matchings, O(n²)); up to 128
  // silos (every shared network) Misra-Gries, as before, so those results do not change.
  const coloring =
    base === 'connectivity' && cg.n > DENSE_EIGEN_MAX_SILOS ? roundRobinEdgeColoring(cg.n, edges) : misraGriesEdgeColoring(cg.n, edges);
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
  if (!probabilities.some((p) => p > 0))
    throw new DflsimInputError('probabilities', 'every activation probability is 0: no round can be drawn');
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

/**
 * The round time of an overlay: its largest section-3 delay (ms); C when it has no edge.
 * With a silo profile the round is a barrier over every silo: also at least max_j C_j.
 */
export function roundTimeMs(overlay: Overlay, k: SiloTimes): number {
  const d = edgeDelaysMs(overlay, k);
  let t = k.profile || overlay.edges.length === 0 ? maxComputeMs(k) : -Infinity;
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
 * Per-matching tables for {@link matchaRoundTimes}: each directed edge a→b of a matching
 * with `base = C + latency(a,b)` and `s = M / bandwidth(a,b)` (so that its section-3
 * delay is `base + max(outdeg(a)·up, indeg(b)·down, s)`, the same floating-point
 * operations as `exchangeDelayMs`), and the edges sorted by `s` with a prefix maximum of
 * `base` and a suffix maximum of `base + s`. For a degree term G,
 * `bound(G) = max(max{base : s < G} + G, max{base + s : s ≥ G})` is then the largest
 * `base + max(G, s)` over the matching, found by binary search: an upper bound of every
 * delay in the matching when G ≥ every edge's degree term, and exactly its largest delay
 * when every edge's degree term is G.
 */
interface MatchingDelayTable {
  /** Directed edges: tail and head of edge e at [2e], [2e+1]. */
  ends: Int32Array;
  base: Float64Array;
  /** bandwidth(a,b) (bit/ms) and s = M / bandwidth(a,b). */
  bw: Float64Array;
  s: Float64Array;
  sortedS: Float64Array;
  prefixMaxBase: Float64Array;
  suffixMaxBaseS: Float64Array;
  /** Silos the matching covers (`covers`) or misses (`!covers`), whichever list is shorter. */
  silos: Int32Array;
  covers: boolean;
}

function matchingDelayTable(pairs: ReadonlyArray<readonly [number, number]>, cg: ConnectivityGraph, k: SiloTimes): MatchingDelayTable {
  const n = cg.n;
  const E = 2 * pairs.length;
  const ends = new Int32Array(2 * E),
    base = new Float64Array(E),
    bw = new Float64Array(E),
    s = new Float64Array(E);
  const covered = new Uint8Array(n);
  pairs.forEach(([a, b], i) => {
    covered[a] = 1;
    covered[b] = 1;
    for (const [e, x, y] of [
      [2 * i, a, b],
      [2 * i + 1, b, a],
    ] as const) {
      ends[2 * e] = x;
      ends[2 * e + 1] = y;
      base[e] = k.computeMs[x] + cg.latencyMs[x * n + y];
      bw[e] = cg.bandwidthBitsPerMs[x * n + y];
      s[e] = k.modelSizeBits / bw[e];
    }
  });
  const order = Array.from({ length: E }, (_, e) => e).sort((x, y) => s[x] - s[y]);
  const sortedS = new Float64Array(E),
    prefixMaxBase = new Float64Array(E),
    suffixMaxBaseS = new Float64Array(E);
  let m = -Infinity;
  order.forEach((e, i) => {
    sortedS[i] = s[e];
    m = Math.max(m, base[e]);
    prefixMaxBase[i] = m;
  });
  m = -Infinity;
  for (let i = E - 1; i >= 0; i--) {
    const e = order[i];
    m = Math.max(m, base[e] + s[e]);
    suffixMaxBaseS[i] = m;
  }
  const coveredCount = 2 * pairs.length;
  const covers = coveredCount <= n - coveredCount;
  const silos: number[] = [];
  for (let v = 0; v < n; v++) if ((covered[v] === 1) === covers) silos.push(v);
  return { ends, base, bw, s, sortedS, prefixMaxBase, suffixMaxBaseS, silos: Int32Array.from(silos), covers };
}

/** `max over the matching of base + max(g, s)` (see {@link MatchingDelayTable}). */
function delayBound(t: MatchingDelayTable, g: number): number {
  const S = t.sortedS;
  let lo = 0,
    hi = S.length; // first index with S[i] >= g
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (S[mid] < g) lo = mid + 1;
    else hi = mid;
  }
  let out = -Infinity;
  if (lo > 0) out = t.prefixMaxBase[lo - 1] + g;
  if (lo < S.length && t.suffixMaxBaseS[lo] > out) out = t.suffixMaxBaseS[lo];
  return out;
}

/**
 * MATCHA's round times as a stream, computed straight from the active matchings (each
 * silo's degree is the number of active matchings that touch it), without building each
 * round's overlay; equal to {@link roundTimeMs} of {@link matchaRoundOverlay} (the same
 * delays, the same floating-point operations, their exact maximum).
 *
 * Per round: the silos' degrees from per-matching silo lists (the covered silos, or the
 * missed ones for near-perfect matchings); with D the largest degree and
 * G = max(D·up, D·down), each active matching's {@link delayBound}(G) bounds its delays
 * from above. When every silo with an edge has degree D (e.g. the perfect matchings of
 * MATCHA(+) on an even number of silos) the bounds are the delays' maxima and the round
 * time is their maximum (O(log edges) per matching); otherwise the matchings are scanned
 * edge by edge in decreasing order of bound until the bound is no larger than the
 * maximum so far.
 *
 * With a silo profile (per-silo compute and access links) the bounds do not hold: every
 * active edge's delay is computed directly, and the round (a barrier over every silo)
 * lasts at least max_j C_j.
 */
export function* matchaRoundTimes(
  plan: MatchaPlan,
  cg: ConnectivityGraph,
  k: SiloTimes,
  rng: Rng,
  count: number,
): Generator<MatchaRoundTime> {
  const n = cg.n;
  const deg = new Int32Array(n);
  const tables = plan.matchings.map((m) => matchingDelayTable(m, cg, k));
  // without a profile every silo has the same access links
  const up = k.uploadMs[0],
    down = k.downloadMs[0];
  const bounds = new Float64Array(tables.length);
  let clockMs = 0;
  for (let r = 0; r < count; r++) {
    const active = sampleActiveMatchings(plan.probabilities, rng);
    let complements = 0,
      edges = 0;
    for (const m of active) if (!tables[m].covers) complements++;
    deg.fill(complements);
    for (const m of active) {
      const tb = tables[m];
      edges += tb.base.length;
      const sl = tb.silos,
        d = tb.covers ? 1 : -1;
      for (let i = 0; i < sl.length; i++) deg[sl[i]] += d;
    }
    let dMax = 0,
      uniform = true;
    for (let v = 0; v < n; v++) {
      const x = deg[v];
      if (x > dMax) {
        if (dMax > 0) uniform = false;
        dMax = x;
      } else if (x > 0 && x < dMax) uniform = false;
    }
    const g = Math.max(dMax * up, dMax * down);
    let t = edges === 0 ? maxComputeMs(k) : -Infinity;
    if (k.profile) {
      t = maxComputeMs(k);
      for (const m of active) {
        const { ends, base, bw } = tables[m];
        for (let e = 0; e < base.length; e++) {
          const a = ends[2 * e],
            b = ends[2 * e + 1];
          const x = base[e] + transmissionMs(k, a, b, bw[e], deg[a], deg[b]);
          if (x > t) t = x;
        }
      }
    } else if (uniform) {
      for (const m of active) {
        const b = delayBound(tables[m], g);
        if (b > t) t = b;
      }
    } else {
      for (const m of active) bounds[m] = delayBound(tables[m], g);
      const order = active.slice().sort((x, y) => bounds[y] - bounds[x]);
      for (const m of order) {
        if (bounds[m] <= t) break;
        const { ends, base, s } = tables[m];
        for (let e = 0; e < base.length; e++) {
          const x = base[e] + Math.max(deg[ends[2 * e]] * up, deg[ends[2 * e + 1]] * down, s[e]);
          if (x > t) t = x;
        }
      }
    }
    clockMs += t;
    yield { round: r, active, durationMs: t, endMs: clockMs };
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
  k: SiloTimes,
  options: Partial<MatchaOptions> = {},
): MatchaResult {
  const opt = { ...DEFAULT_MATCHA_OPTIONS, ...options };
  if (!Number.isInteger(opt.rounds) || opt.rounds < 0)
    throw new DflsimInputError('rounds', `must be a non-negative integer, got ${opt.rounds}`);
  if (!Number.isInteger(opt.cycleTimeRounds) || opt.cycleTimeRounds < 2)
    throw new DflsimInputError('cycleTimeRounds', `must be an integer of at least 2, got ${opt.cycleTimeRounds}`);
  if (!Number.isFinite(opt.seed)) throw new DflsimInputError('seed', `must be a finite number, got ${opt.seed}`);
  const plan = planMatcha(base, underlay, cg, opt.budget, opt.activation);
  const rng = opt.rng ?? createRng(opt.seed);
  const rounds: MatchaRound[] = [];
  let sumMs = 0,
    active = 0;
  const total = Math.max(opt.rounds, opt.cycleTimeRounds);
  for (const rt of matchaRoundTimes(plan, cg, k, rng, total)) {
    if (rt.round < opt.cycleTimeRounds) {
      sumMs += rt.durationMs;
      active += rt.active.length;
    }
    if (rt.round < opt.rounds) {
      const strong: SiloPair[] = [];
      for (const m of rt.active) for (const [a, b] of plan.matchings[m]) strong.push([a, b], [b, a]);
      rounds.push({
        round: rt.round,
        state: rt.round,
        strong,
        weak: [],
        isolated: isolatedSilos(cg.n, strong),
        durationMs: rt.durationMs,
        endMs: rt.endMs,
        extra: { activeMatchings: rt.active, alpha: plan.alpha },
      });
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

/** Pairs of silos joined by a link or by a path whose inner nodes are all routers (each pair once, lower index first). */
function siloLinksThroughRouters(u: Underlay): [number, number][] {
  const n = u.silos.length;
  const total = n + (u.routers?.length ?? 0);
  const nbrs: number[][] = Array.from({ length: total }, () => []);
  for (const l of u.links) {
    nbrs[l.a].push(l.b);
    nbrs[l.b].push(l.a);
  }
  const out: [number, number][] = [];
  for (let s = 0; s < n; s++) {
    // search from silo s through routers; every silo reached is a neighbour
    const seen = new Uint8Array(total);
    seen[s] = 1;
    const queue = [s];
    for (let q = 0; q < queue.length; q++) {
      for (const v of nbrs[queue[q]]) {
        if (seen[v]) continue;
        seen[v] = 1;
        if (v < n) {
          if (v > s) out.push([s, v]);
        } else queue.push(v);
      }
    }
  }
  return out;
}
