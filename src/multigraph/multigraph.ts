/**
 * The multigraph topology (Do et al., "Reducing Training Time in Cross-Silo Federated
 * Learning using Multigraph Topology", ICCV 2023), per `../shared/spec/cycle-time-model.md`
 * section 6: every overlay edge becomes `m(e)` parallel edges (one strong, `m(e) - 1`
 * weak), the multigraph is parsed into `S = lcm(m)` simple graph states, and in each
 * state a silo whose edges are all weak is isolated: it aggregates without waiting.
 *
 * It reads its base overlay as directed edges with their paths ({@link MultigraphBase}, which
 * an overlay is) and takes every delay from the delay model: the multigraph topology
 * (`overlay/topologies/multigraph.ts`) builds on it, not the other way round.
 */
import { exchangeDelayMs, type SiloTimes } from '../timing/delay-model.js';

/** Default maximum number of edges between two silos (t in Table 3). */
export const DEFAULT_T_MAX = 5;

/** One graph state of the multigraph. */
export interface MultigraphState {
  /** State index s (0 <= s < S). */
  index: number;
  /** Indices of the base overlay's edges that are strong in this state. */
  strongEdges: number[];
  /** Indices of the base overlay's edges that are weak in this state. */
  weakEdges: number[];
  /** Silos whose edges are all weak. */
  isolated: number[];
}

/** What a multigraph reads of its base overlay (an `Overlay` is one): silos and directed edges with their paths. */
export interface MultigraphBase {
  /** Silo names (indices refer to these). */
  silos: readonly string[];
  /** Directed edges with the latency (ms) and bandwidth (bit/ms) of their paths. */
  edges: readonly { from: number; to: number; latencyMs: number; bandwidthBitsPerMs: number }[];
}

/** A multigraph built on an overlay. */
export interface Multigraph<O extends MultigraphBase = MultigraphBase> {
  /** The overlay it is built on. */
  base: O;
  /** t: the cap on edges between two silos. */
  tMax: number;
  /** `d1(e)` of each base edge (ms), the delay without degree factors. */
  d1Ms: Float64Array;
  /** Section-3 delay `d(e)` of each base edge (ms), degrees over the whole overlay. */
  delayMs: Float64Array;
  /** Multiplicity m(e) of each base edge. */
  multiplicity: Int32Array;
  /** The S graph states. */
  states: MultigraphState[];
}

/** Python-style rounding: to the nearest integer, halves to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Least common multiple of positive integers. */
export function lcmAll(xs: ArrayLike<number>): number {
  let l = 1;
  for (let i = 0; i < xs.length; i++) l = (l / gcd(l, xs[i])) * xs[i];
  return l;
}

/**
 * Edge multiplicities: `m(e) = min(t, round(d1(e) / dmin))`, halves to even.
 */
export function edgeMultiplicities(d1: ArrayLike<number>, tMax: number): Int32Array {
  let dmin = Infinity;
  for (let i = 0; i < d1.length; i++) dmin = Math.min(dmin, d1[i]);
  const m = new Int32Array(d1.length);
  for (let i = 0; i < d1.length; i++) m[i] = Math.max(1, Math.min(tMax, roundHalfEven(d1[i] / dmin)));
  return m;
}

/**
 * Build the multigraph on an overlay.
 * @param base the overlay (RING, MST, δ-MBST, STAR or a user's)
 * @param k delay constants of the workload
 * @param tMax t, the maximum number of edges between two silos (>= 1)
 */
export function buildMultigraph<O extends MultigraphBase>(base: O, k: SiloTimes, tMax = DEFAULT_T_MAX): Multigraph<O> {
  const n = base.silos.length;
  // d1 without degree factors; d at the overlay's degrees (every edge, strong or weak, counts)
  const out = new Int32Array(n),
    inn = new Int32Array(n);
  for (const e of base.edges) {
    out[e.from]++;
    inn[e.to]++;
  }
  const d1 = Float64Array.from(base.edges, (e) => exchangeDelayMs(k, e.from, e.to, e.latencyMs, e.bandwidthBitsPerMs, 1, 1));
  const delayMs = Float64Array.from(base.edges, (e) =>
    exchangeDelayMs(k, e.from, e.to, e.latencyMs, e.bandwidthBitsPerMs, out[e.from], inn[e.to]),
  );
  const multiplicity = edgeMultiplicities(d1, tMax);
  const S = base.edges.length ? lcmAll(multiplicity) : 1;
  const states: MultigraphState[] = [];
  for (let s = 0; s < S; s++) {
    const strongEdges: number[] = [];
    const weakEdges: number[] = [];
    for (let e = 0; e < base.edges.length; e++) (s % multiplicity[e] === 0 ? strongEdges : weakEdges).push(e);
    // isolated: no strong edge in either direction
    const touched = new Uint8Array(n);
    for (const e of strongEdges) {
      touched[base.edges[e].from] = 1;
      touched[base.edges[e].to] = 1;
    }
    const isolated: number[] = [];
    for (let i = 0; i < n; i++) if (!touched[i]) isolated.push(i);
    states.push({ index: s, strongEdges, weakEdges, isolated });
  }
  return { base, tMax, d1Ms: d1, delayMs, multiplicity, states };
}
