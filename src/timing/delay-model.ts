/**
 * The delay model (`../shared/spec/cycle-time-model.md`, section 3), in one module: the
 * overlay type it reads, the delay `d(i,j)` of a model exchange, its degree-free part
 * `d1(i,j)`, and the edge weights the builders optimise (the MST weight and δ-MBST's
 * round-trip weight). Every builder, clock and topology takes its delays from here. With a
 * silo profile (`DelayConstants.silo`) the sender's compute and upload and the receiver's
 * download are per silo:
 *
 *   d(i,j) = C_i + latency(i,j) + max(outdeg(i) · M/up(i), indeg(j) · M/down(j), M / bandwidth(i,j))
 *
 * and the self-loop of silo j is C_j. Without a profile every silo has the workload's C,
 * up and down (the papers' model, computed with the same floating-point operations).
 * The undirected builders' weights (MST, δ-MBST's round trip) must be symmetric: with a
 * profile they take the mean (C_i + C_j) / 2 of the two ends' compute, and the round trip
 * uses each direction's own access links.
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import { computeAt, downloadAt, uploadAt, type DelayConstants } from './workload.js';

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
 * `d = C_i + latency + max(outDegree · up(i), inDegree · down(j), M / bandwidth)` of one exchange i -> j (ms).
 * @param i sender silo index (its compute and upload link)
 * @param j receiver silo index (its download link)
 * @param latencyMs latency of the exchange (ms)
 * @param bandwidthBitsPerMs bandwidth of the exchange (bit/ms)
 * @param outDegree number of models the sender sends this round
 * @param inDegree number of models the receiver receives this round
 */
export function exchangeDelayMs(k: DelayConstants, i: number, j: number, latencyMs: number, bandwidthBitsPerMs: number, outDegree: number, inDegree: number): number {
  if (!k.silo) return k.computeMs + latencyMs + Math.max(outDegree * k.uploadMs, inDegree * k.downloadMs, k.modelSizeBits / bandwidthBitsPerMs);
  const s = k.silo;
  return s.computeMs[i] + latencyMs + Math.max(outDegree * s.uploadMs[i], inDegree * s.downloadMs[j], k.modelSizeBits / bandwidthBitsPerMs);
}

/**
 * `d(i,j)` on the connectivity graph with the given degrees (ms).
 * @param outDegree out-degree of i in the round's graph
 * @param inDegree in-degree of j in the round's graph
 */
export function delayMs(cg: ConnectivityGraph, k: DelayConstants, i: number, j: number, outDegree: number, inDegree: number): number {
  const key = i * cg.n + j;
  return exchangeDelayMs(k, i, j, cg.latencyMs[key], cg.bandwidthBitsPerMs[key], outDegree, inDegree);
}

/**
 * Delay of each overlay edge (ms), section 3, the degrees being the overlay's:
 * `d(i,j) = C_i + latency + max(outdeg(i) * up(i), indeg(j) * down(j), M / bandwidth)`.
 */
export function edgeDelaysMs(o: Overlay, k: DelayConstants): Float64Array {
  const { out, in: inn } = degrees(o);
  const d = new Float64Array(o.edges.length);
  o.edges.forEach((e, idx) => {
    d[idx] = exchangeDelayMs(k, e.from, e.to, e.latencyMs, e.bandwidthBitsPerMs, out[e.from], inn[e.to]);
  });
  return d;
}

/** `d1 = C_i + latency + max(up(i), down(j), M / bandwidth)` of an overlay edge i -> j: the delay without degree factors (ms). */
export function edgeD1Ms(e: OverlayEdge, k: DelayConstants): number {
  return exchangeDelayMs(k, e.from, e.to, e.latencyMs, e.bandwidthBitsPerMs, 1, 1);
}

/** `d1(i,j) = C_i + latency + max(up(i), down(j), M / bandwidth)`: the delay without degree factors (ms). */
export function d1Ms(cg: ConnectivityGraph, k: DelayConstants, i: number, j: number): number {
  return delayMs(cg, k, i, j, 1, 1);
}

/** The compute term of a symmetric weight: C, or (C_i + C_j) / 2 with a profile (ms). */
function pairComputeMs(k: DelayConstants, i: number, j: number): number {
  return k.silo ? (k.silo.computeMs[i] + k.silo.computeMs[j]) / 2 : k.computeMs;
}

/** `C + latency + M / bandwidth`: the MST (and STAR path) weight (ms), symmetric (C = (C_i + C_j) / 2 with a profile). */
export function mstWeightMs(cg: ConnectivityGraph, k: DelayConstants, i: number, j: number): number {
  const key = i * cg.n + j;
  return pairComputeMs(k, i, j) + cg.latencyMs[key] + k.modelSizeBits / cg.bandwidthBitsPerMs[key];
}

/**
 * `C + latency + max(up, down, M/bw) + max(up, down, M/bw)`: the round-trip weight of δ-MBST
 * (ms), symmetric: with a profile C = (C_i + C_j) / 2 and the two maxima are those of i -> j
 * (up(i), down(j)) and j -> i (up(j), down(i)).
 */
export function roundTripWeightMs(cg: ConnectivityGraph, k: DelayConstants, i: number, j: number): number {
  const key = i * cg.n + j;
  const t = k.modelSizeBits / cg.bandwidthBitsPerMs[key];
  if (!k.silo) return k.computeMs + cg.latencyMs[key] + Math.max(k.uploadMs, k.downloadMs, t) + Math.max(k.uploadMs, k.downloadMs, t);
  return pairComputeMs(k, i, j) + cg.latencyMs[key] + Math.max(uploadAt(k, i), downloadAt(k, j), t) + Math.max(uploadAt(k, j), downloadAt(k, i), t);
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

/** What the delay of an exchange is made of (ms): `d = computeMs + latencyMs + max(uploadMs, downloadMs, pathMs)`. */
export interface DelayTerms {
  /** C_i, the sender's compute. */
  computeMs: number;
  latencyMs: number;
  /** outdeg(i) · M / up(i). */
  uploadMs: number;
  /** indeg(j) · M / down(j). */
  downloadMs: number;
  /** M / bandwidth(i,j). */
  pathMs: number;
  /** The sender's out-degree (copies on its upload link). */
  outDegree: number;
  /** The receiver's in-degree (copies on its download link). */
  inDegree: number;
}

/** The terms of the delay of exchange i -> j (see {@link exchangeDelayMs}). */
export function delayTerms(k: DelayConstants, i: number, j: number, latencyMs: number, bandwidthBitsPerMs: number, outDegree: number, inDegree: number): DelayTerms {
  return {
    computeMs: computeAt(k, i),
    latencyMs,
    uploadMs: outDegree * uploadAt(k, i),
    downloadMs: inDegree * downloadAt(k, j),
    pathMs: k.modelSizeBits / bandwidthBitsPerMs,
    outDegree,
    inDegree,
  };
}

/**
 * A short description of what sets an exchange's delay, largest term first, e.g.
 * `"A->B 31.2 ms: upload of A (3 copies) 14.5 + latency 12.1 + compute at A 4.6"`.
 * @param names silo names
 */
export function describeDelay(names: readonly string[], i: number, j: number, t: DelayTerms): string {
  const fmt = (x: number): string => (Math.round(x * 1000) / 1000).toString();
  const tx = Math.max(t.uploadMs, t.downloadMs, t.pathMs);
  const txName = tx === t.uploadMs
    ? `upload of ${names[i]} (${t.outDegree} ${t.outDegree === 1 ? 'copy' : 'copies'})`
    : tx === t.downloadMs
      ? `download at ${names[j]} (${t.inDegree} ${t.inDegree === 1 ? 'copy' : 'copies'})`
      : `path ${names[i]}-${names[j]} bandwidth`;
  const parts: [string, number][] = [[txName, tx], ['latency', t.latencyMs], [`compute at ${names[i]}`, t.computeMs]];
  parts.sort((a, b) => b[1] - a[1]);
  return `${names[i]}->${names[j]} ${fmt(t.computeMs + t.latencyMs + tx)} ms: ${parts.map(([w, v]) => `${w} ${fmt(v)}`).join(' + ')}`;
}
