/**
 * The delay model (`../shared/spec/cycle-time-model.md`, section 3), in one module: the
 * overlay type it reads, the delay `d(i,j)` of a model exchange, its degree-free part
 * `d1(i,j)`, and the edge weights the builders optimise (the MST weight and δ-MBST's
 * round-trip weight). Every builder, clock and topology takes its delays from here; a
 * per-silo compute time or per-silo capacities plug in here.
 *
 *   d(i,j) = C + latency(i,j) + max(outdeg(i) · up, indeg(j) · down, M / bandwidth(i,j))
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import type { DelayConstants } from './workload.js';

/** A directed overlay edge with its path characteristics. */
export interface OverlayEdge {
  from: number;
  to: number;
  /** Latency of the exchange (ms). */
  latencyMs: number;
  /** Available bandwidth of the exchange (bit/ms). */
  bandwidthBitsPerMs: number;
}

/** A directed overlay on the silos. */
export interface Overlay {
  /** Which builder made it (`ring`, `mst`, `star`, `delta-mbst`, `overlay`, ...). */
  topology: string;
  /** Silo names (indices refer to these). */
  silos: string[];
  /** Directed edges (an undirected link appears as two edges). */
  edges: OverlayEdge[];
}

/**
 * An overlay from silo-index pairs, taking latency and bandwidth from the connectivity graph.
 * Self-pairs and repeated pairs are dropped.
 * @param bidirectional add each pair in both directions
 */
export function overlayFromPairs(
  topology: string,
  cg: ConnectivityGraph,
  pairs: ReadonlyArray<readonly [number, number]>,
  bidirectional: boolean,
): Overlay {
  const edges: OverlayEdge[] = [];
  const seen = new Set<number>();
  const add = (a: number, b: number): void => {
    const key = a * cg.n + b;
    if (a === b || seen.has(key)) return;
    seen.add(key);
    edges.push({ from: a, to: b, latencyMs: cg.latencyMs[key], bandwidthBitsPerMs: cg.bandwidthBitsPerMs[key] });
  };
  for (const [a, b] of pairs) {
    add(a, b);
    if (bidirectional) add(b, a);
  }
  return { topology, silos: cg.silos.slice(), edges };
}

/** Out- and in-degrees of an overlay's silos. */
export function degrees(o: Overlay): { out: Int32Array; in: Int32Array } {
  const out = new Int32Array(o.silos.length);
  const inn = new Int32Array(o.silos.length);
  for (const e of o.edges) { out[e.from]++; inn[e.to]++; }
  return { out, in: inn };
}

/**
 * `d = C + latency + max(outDegree · up, inDegree · down, M / bandwidth)` of one exchange (ms).
 * @param latencyMs latency of the exchange (ms)
 * @param bandwidthBitsPerMs bandwidth of the exchange (bit/ms)
 * @param outDegree number of models the sender sends this round
 * @param inDegree number of models the receiver receives this round
 */
export function exchangeDelayMs(k: DelayConstants, latencyMs: number, bandwidthBitsPerMs: number, outDegree: number, inDegree: number): number {
  return k.computeMs + latencyMs + Math.max(outDegree * k.uploadMs, inDegree * k.downloadMs, k.modelSizeBits / bandwidthBitsPerMs);
}

/**
 * `d(i,j)` on the connectivity graph with the given degrees (ms).
 * @param outDegree out-degree of i in the round's graph
 * @param inDegree in-degree of j in the round's graph
 */
export function delayMs(cg: ConnectivityGraph, k: DelayConstants, i: number, j: number, outDegree: number, inDegree: number): number {
  const key = i * cg.n + j;
  return exchangeDelayMs(k, cg.latencyMs[key], cg.bandwidthBitsPerMs[key], outDegree, inDegree);
}

/**
 * Delay of each overlay edge (ms), section 3, the degrees being the overlay's:
 * `d(i,j) = C + latency + max(outdeg(i) * up, indeg(j) * down, M / bandwidth)`.
 */
export function edgeDelaysMs(o: Overlay, k: DelayConstants): Float64Array {
  const { out, in: inn } = degrees(o);
  const d = new Float64Array(o.edges.length);
  o.edges.forEach((e, idx) => {
    d[idx] = exchangeDelayMs(k, e.latencyMs, e.bandwidthBitsPerMs, out[e.from], inn[e.to]);
  });
  return d;
}

/** `d1 = C + latency + max(up, down, M / bandwidth)` of an overlay edge: the delay without degree factors (ms). */
export function edgeD1Ms(e: OverlayEdge, k: DelayConstants): number {
  return exchangeDelayMs(k, e.latencyMs, e.bandwidthBitsPerMs, 1, 1);
}

/** `d1(i,j) = C + latency + max(up, down, M / bandwidth)`: the delay without degree factors (ms). */
export function d1Ms(cg: ConnectivityGraph, k: DelayConstants, i: number, j: number): number {
  return delayMs(cg, k, i, j, 1, 1);
}

/** `C + latency + M / bandwidth`: the MST (and STAR path) weight (ms). */
export function mstWeightMs(cg: ConnectivityGraph, k: DelayConstants, i: number, j: number): number {
  const key = i * cg.n + j;
  return k.computeMs + cg.latencyMs[key] + k.modelSizeBits / cg.bandwidthBitsPerMs[key];
}

/** `C + latency + max(up, down, M/bw) + max(up, down, M/bw)`: the round-trip weight of δ-MBST (ms). */
export function roundTripWeightMs(cg: ConnectivityGraph, k: DelayConstants, i: number, j: number): number {
  const key = i * cg.n + j;
  const t = k.modelSizeBits / cg.bandwidthBitsPerMs[key];
  return k.computeMs + cg.latencyMs[key] + Math.max(k.uploadMs, k.downloadMs, t) + Math.max(k.uploadMs, k.downloadMs, t);
}

/**
 * Delays of one round's directed exchanges (ms), the degrees being those of the round's
 * own graph (each silo's out- and in-degree among `pairs`).
 * @param pairs the round's directed silo pairs `[from, to]`
 */
export function roundDelaysMs(cg: ConnectivityGraph, k: DelayConstants, pairs: ReadonlyArray<readonly [number, number]>): Float64Array {
  const out = new Int32Array(cg.n);
  const inn = new Int32Array(cg.n);
  for (const [a, b] of pairs) { out[a]++; inn[b]++; }
  return Float64Array.from(pairs, ([a, b]) => delayMs(cg, k, a, b, out[a], inn[b]));
}
