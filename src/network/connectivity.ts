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

/** A binary min-heap of (key, count, node) triples. */
class Fringe {
  private keys: number[] = [];
  private counts: number[] = [];
  private nodes: number[] = [];
  get size(): number { return this.keys.length; }
  private less(a: number, b: number): boolean {
    return this.keys[a] < this.keys[b] || (this.keys[a] === this.keys[b] && this.counts[a] < this.counts[b]);
  }
  private swap(a: number, b: number): void {
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
    [this.counts[a], this.counts[b]] = [this.counts[b], this.counts[a]];
    [this.nodes[a], this.nodes[b]] = [this.nodes[b], this.nodes[a]];
  }
  push(key: number, count: number, node: number): void {
    this.keys.push(key); this.counts.push(count); this.nodes.push(node);
    let i = this.keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p); i = p;
    }
  }
  pop(): [number, number] {
    const key = this.keys[0], node = this.nodes[0];
    const last = this.keys.length - 1;
    this.swap(0, last);
    this.keys.pop(); this.counts.pop(); this.nodes.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < this.keys.length && this.less(l, m)) m = l;
      if (r < this.keys.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m); i = m;
    }
    return [key, node];
  }
}

/** Result of a single-source search with deterministic tie-breaking. */
export interface ShortestPaths {
  /** Distance from the source (Infinity when unreachable). */
  dist: Float64Array;
  /** Predecessor on the chosen path (-1 for the source or unreachable). */
  pred: Int32Array;
  /** Silos in the order the search first reached them (source first). */
  discovery: number[];
}

/**
 * Dijkstra from `source` over adjacency lists `adj` (neighbour, weight) in their given
 * order; ties keep the first path found.
 */
export function dijkstra(n: number, adj: ReadonlyArray<ReadonlyArray<readonly [number, number]>>, source: number): ShortestPaths {
  const dist = new Float64Array(n).fill(Infinity);
  const seen = new Float64Array(n).fill(Infinity);
  const done = new Uint8Array(n);
  const pred = new Int32Array(n).fill(-1);
  const discovery: number[] = [source];
  const fringe = new Fringe();
  let count = 0;
  seen[source] = 0;
  fringe.push(0, count++, source);
  while (fringe.size > 0) {
    const [d, v] = fringe.pop();
    if (done[v]) continue;
    done[v] = 1;
    dist[v] = d;
    for (const [u, w] of adj[v]) {
      const vu = d + w;
      if (done[u]) continue;
      if (vu < seen[u]) {
        if (seen[u] === Infinity) discovery.push(u);
        seen[u] = vu;
        pred[u] = v;
        fringe.push(vu, count++, u);
      }
    }
  }
  return { dist, pred, discovery };
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
