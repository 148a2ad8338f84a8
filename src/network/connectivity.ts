/**
 * The connectivity graph (Marfoq et al., NeurIPS 2020, section 5): a complete graph on
 * the silos whose pair (i, j) carries the shortest underlay path between them (Dijkstra
 * by `distance`), its latency `0.0085 * km + 4` ms and its available bandwidth
 * `core / hops` bit/ms. See `../shared/spec/cycle-time-model.md`, section 2.
 *
 * Shortest paths are tie-broken exactly as the reference implementation's library does
 * (a binary heap keyed by distance then insertion count; a path is replaced only by a
 * strictly shorter one), and the pair's data is that of the later silo's search, so that
 * networks with many equal-length paths (Exodus, Ebone) give the published hop counts.
 */
import { bitsPerSecToBitsPerMs, latencyMsFromKm } from '../units.js';
import type { Underlay } from './underlay.js';
import { dijkstra } from '../graph/dijkstra.js';

/** Default core link capacity (bit/s). */
export const DEFAULT_CORE_CAPACITY_BITS_PER_SEC = 1e9;

/** A complete graph on the silos with per-pair latency and bandwidth (row-major n x n). */
export interface ConnectivityGraph {
  /** Silo names. */
  silos: string[];
  /** Number of silos. */
  n: number;
  /** Shortest-path length between silos (km), n x n. */
  distanceKm: Float64Array;
  /** Latency of the pair's path (ms), n x n. */
  latencyMs: Float64Array;
  /** Available bandwidth of the pair's path (bit/ms), n x n. */
  bandwidthBitsPerMs: Float64Array;
  /** Hops of the pair's path, n x n. */
  hops: Int32Array;
  /**
   * Neighbour order of each silo as the reference graph library stores it (earlier silos
   * first, then later ones in the order the silo's own search reached them). Algorithms
   * whose result depends on tie order (Kruskal, Dijkstra on this graph) follow it.
   */
  adjacencyOrder: Int32Array[];
  /** Underlay path of a pair (silo indices), from the lower index to the higher. */
  path(i: number, j: number): number[];
}

/**
 * Build the connectivity graph of an underlay.
 * @param underlay a connected underlay
 * @param coreCapacityBitsPerSec capacity of core links (bit/s), default 1e9
 */
export function buildConnectivityGraph(underlay: Underlay, coreCapacityBitsPerSec = DEFAULT_CORE_CAPACITY_BITS_PER_SEC): ConnectivityGraph {
  const n = underlay.silos.length;
  const adj: [number, number][][] = Array.from({ length: n }, () => []);
  const linkKm = new Map<number, number>();
  for (const l of underlay.links) {
    adj[l.a].push([l.b, l.distanceKm]);
    adj[l.b].push([l.a, l.distanceKm]);
    linkKm.set(l.a * n + l.b, l.distanceKm);
    linkKm.set(l.b * n + l.a, l.distanceKm);
  }
  const coreBitsPerMs = bitsPerSecToBitsPerMs(coreCapacityBitsPerSec);
  const distanceKm = new Float64Array(n * n);
  const latencyMs = new Float64Array(n * n);
  const bandwidthBitsPerMs = new Float64Array(n * n);
  const hops = new Int32Array(n * n);
  const preds: Int32Array[] = [];
  const adjacencyOrder: Int32Array[] = [];
  for (let s = 0; s < n; s++) {
    const sp = dijkstra(n, adj, s);
    preds.push(sp.pred);
    const order: number[] = [];
    for (let k = 0; k < s; k++) order.push(k);
    for (const k of sp.discovery) if (k > s) order.push(k);
    adjacencyOrder.push(Int32Array.from(order));
    // The pair's data comes from the later silo's search (it overwrites the earlier one).
    for (let t = 0; t < s; t++) {
      if (sp.dist[t] === Infinity) continue;
      const p = [t];
      for (let v = t; sp.pred[v] !== -1; v = sp.pred[v]) p.push(sp.pred[v]);
      p.reverse(); // s ... t
      let km = 0;
      for (let i = 0; i + 1 < p.length; i++) km += linkKm.get(p[i] * n + p[i + 1])!;
      const h = p.length - 1;
      const lat = latencyMsFromKm(km);
      const bw = coreBitsPerMs / h;
      for (const [a, b] of [[s, t], [t, s]]) {
        distanceKm[a * n + b] = km;
        latencyMs[a * n + b] = lat;
        bandwidthBitsPerMs[a * n + b] = bw;
        hops[a * n + b] = h;
      }
    }
  }
  return {
    silos: underlay.silos.slice(),
    n,
    distanceKm,
    latencyMs,
    bandwidthBitsPerMs,
    hops,
    adjacencyOrder,
    path(i: number, j: number): number[] {
      const [lo, hi] = i < j ? [i, j] : [j, i];
      const pred = preds[hi];
      const p = [lo];
      for (let v = lo; pred[v] !== -1; v = pred[v]) p.push(pred[v]);
      return p;
    },
  };
}
