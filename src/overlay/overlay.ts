/**
 * Overlays: directed graphs on the silos whose edges are the model exchanges, with the
 * latency and bandwidth each exchange sees, and their section-3 delays
 * (`../shared/spec/cycle-time-model.md`).
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import type { DelayConstants } from '../timing/workload.js';

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
 * Delay of each overlay edge (ms), section 3:
 * `d(i,j) = C + latency + max(outdeg(i) * up, indeg(j) * down, M / bandwidth)`.
 */
export function edgeDelaysMs(o: Overlay, k: DelayConstants): Float64Array {
  const { out, in: inn } = degrees(o);
  const d = new Float64Array(o.edges.length);
  o.edges.forEach((e, idx) => {
    d[idx] = k.computeMs + e.latencyMs + Math.max(out[e.from] * k.uploadMs, inn[e.to] * k.downloadMs, k.modelSizeBits / e.bandwidthBitsPerMs);
  });
  return d;
}

/** `d1(i,j) = C + latency + max(up, down, M / bandwidth)`: the delay without degree factors (ms). */
export function d1Ms(cg: ConnectivityGraph, k: DelayConstants, i: number, j: number): number {
  const key = i * cg.n + j;
  return k.computeMs + cg.latencyMs[key] + Math.max(k.uploadMs, k.downloadMs, k.modelSizeBits / cg.bandwidthBitsPerMs[key]);
}

/** Undirected pairs (a < b) of an overlay's edges, each once. */
export function undirectedPairs(o: Overlay): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (const e of o.edges) {
    const [a, b] = e.from < e.to ? [e.from, e.to] : [e.to, e.from];
    const key = `${a},${b}`;
    if (!seen.has(key)) { seen.add(key); out.push([a, b]); }
  }
  return out;
}
