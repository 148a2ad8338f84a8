/**
 * Overlays: directed graphs on the silos whose edges are the model exchanges, each with
 * the latency and bandwidth of its path. Builders make them; the timing core reads them as
 * one round's transfers ({@link overlayExchanges}, the shares being the overlay's degrees)
 * with the delay model's per-silo times (`../timing/delay-model.ts`).
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import { staticCycleTime, type CycleTimeResult } from '../timing/cycle-time.js';
import { exchangeDelayMs, type SiloTimes } from '../timing/delay-model.js';
import type { RoundExchanges, RoundSync } from '../timing/exchanges.js';

export { d1Ms } from '../timing/delay-model.js';

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
  for (const e of o.edges) {
    out[e.from]++;
    inn[e.to]++;
  }
  return { out, in: inn };
}

/**
 * Delay of each overlay edge (ms), section 3, the degrees being the overlay's:
 * `d(i,j) = C_i + latency + max(outdeg(i) * up(i), indeg(j) * down(j), M / bandwidth)`.
 */
export function edgeDelaysMs(o: Overlay, k: SiloTimes): Float64Array {
  const { out, in: inn } = degrees(o);
  const d = new Float64Array(o.edges.length);
  o.edges.forEach((e, idx) => {
    d[idx] = exchangeDelayMs(k, e.from, e.to, e.latencyMs, e.bandwidthBitsPerMs, out[e.from], inn[e.to]);
  });
  return d;
}

/** `d1 = C_i + latency + max(up(i), down(j), M / bandwidth)` of an overlay edge i -> j: the delay without degree factors (ms). */
export function edgeD1Ms(e: OverlayEdge, k: SiloTimes): number {
  return exchangeDelayMs(k, e.from, e.to, e.latencyMs, e.bandwidthBitsPerMs, 1, 1);
}

/**
 * The transfers of an overlay's edges (latency and bandwidth from the edges), the shares
 * being the overlay's degrees (out-degree of the sender, in-degree of the receiver).
 * @param sync how the round's silos start it (`async` for static overlays)
 */
export function overlayExchanges(o: Overlay, sync: RoundSync = 'async'): RoundExchanges {
  const { out, in: inn } = degrees(o);
  return {
    sync,
    from: Int32Array.from(o.edges, (e) => e.from),
    to: Int32Array.from(o.edges, (e) => e.to),
    latencyMs: Float64Array.from(o.edges, (e) => e.latencyMs),
    pathBitsPerMs: Float64Array.from(o.edges, (e) => e.bandwidthBitsPerMs),
    upShare: Int32Array.from(o.edges, (e) => out[e.from]),
    downShare: Int32Array.from(o.edges, (e) => inn[e.to]),
  };
}

/**
 * Cycle time of a static overlay (spec section 4): Karp's maximum cycle mean of its
 * section-3 delays, with its critical circuit and what sets it (see `staticCycleTime`).
 */
export function overlayCycleTime(o: Overlay, k: SiloTimes): CycleTimeResult {
  return staticCycleTime(k, o.silos, overlayExchanges(o));
}

/** Undirected pairs (a < b) of an overlay's edges, each once. */
export function undirectedPairs(o: Overlay): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (const e of o.edges) {
    const [a, b] = e.from < e.to ? [e.from, e.to] : [e.to, e.from];
    const key = `${a},${b}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push([a, b]);
    }
  }
  return out;
}
