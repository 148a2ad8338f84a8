/**
 * The connectivity graph (Marfoq et al., NeurIPS 2020, section 5): a complete graph on
 * the silos whose pair (i, j) carries the shortest underlay path between them (Dijkstra
 * by `distance`), its latency `0.0085 * km + 4` ms and its available bandwidth
 * `core / hops` bit/ms. See `../shared/spec/cycle-time-model.md`, section 2.
 *
 * Link capacities are opt-in (`linkCapacities: 'gml'`; the papers ignore the `capacity`
 * their files carry): the pair's bandwidth is then `min over the path's links of
 * capacity / hops`, i.e. the papers' `core / hops` with the core capacity replaced by
 * the path's bottleneck link (a link without a capacity counts as a core link).
 *
 * Routers (nodes that hold no silo, see `silos.ts`) are intermediate nodes only: paths run
 * through them and their links count as hops, but the graph's vertices are the silos.
 *
 * Shortest paths are tie-broken exactly as the reference implementation's library does
 * (a binary heap keyed by distance then insertion count; a path is replaced only by a
 * strictly shorter one), and the pair's data is that of the later silo's search, so that
 * networks with many equal-length paths (Exodus, Ebone) give the published hop counts.
 */
import { DflsimInputError } from '../errors.js';
import { bitsPerSecToBitsPerMs, latencyMsFromKm } from '../units.js';
import { nodeCount, type Underlay } from './underlay.js';
import { dijkstra } from '../graph/dijkstra.js';

/** Default core link capacity (bit/s). */
export const DEFAULT_CORE_CAPACITY_BITS_PER_SEC = 1e9;

/** Whether the underlay's link capacities enter the bandwidth: `ignore` (the papers', default) or `gml`. */
export type LinkCapacities = 'ignore' | 'gml';

/** The choices of {@link LinkCapacities}. */
export const LINK_CAPACITIES_MODES: readonly LinkCapacities[] = ['ignore', 'gml'];

/** Options of {@link buildConnectivityGraph}. */
export interface ConnectivityOptions {
  /** `gml`: a pair's bandwidth is its path's bottleneck link capacity / hops (default `ignore`: core / hops). */
  linkCapacities?: LinkCapacities;
}

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
  /** Whether link capacities entered `bandwidthBitsPerMs`. */
  linkCapacities: LinkCapacities;
  /** Hops of the pair's path, n x n (links through routers count). */
  hops: Int32Array;
  /** With `linkCapacities: 'gml'`: the underlay's links and how many of them give no capacity (timed at the core capacity). */
  capacityCoverage?: { links: number; withoutCapacity: number };
  /**
   * Neighbour order of each silo as the reference graph library stores it (earlier silos
   * first, then later ones in the order the silo's own search reached them). Algorithms
   * whose result depends on tie order (Kruskal, Dijkstra on this graph) follow it.
   */
  adjacencyOrder: Int32Array[];
  /** Underlay path of a pair (node indices: silos, then routers), from the lower silo index to the higher. */
  path(i: number, j: number): number[];
}

/** An underlay's links and how many of them give no capacity (they are timed at the core capacity with `linkCapacities: 'gml'`). */
export function linkCapacityCoverage(underlay: Underlay): { links: number; withoutCapacity: number } {
  let withoutCapacity = 0;
  for (const l of underlay.links) if (l.capacityBitsPerSec === undefined) withoutCapacity++;
  return { links: underlay.links.length, withoutCapacity };
}

/**
 * Build the connectivity graph of an underlay.
 * @param underlay a connected underlay
 * @param coreCapacityBitsPerSec capacity of core links (bit/s), default 1e9
 * @param options `linkCapacities: 'gml'` to use the underlay links' capacities
 */
export function buildConnectivityGraph(
  underlay: Underlay,
  coreCapacityBitsPerSec = DEFAULT_CORE_CAPACITY_BITS_PER_SEC,
  options: ConnectivityOptions = {},
): ConnectivityGraph {
  const linkCapacities = options.linkCapacities ?? 'ignore';
  if (!LINK_CAPACITIES_MODES.includes(linkCapacities)) {
    throw new DflsimInputError(
      '--link-capacities',
      `expected one of ${LINK_CAPACITIES_MODES.join(', ')}, got ${JSON.stringify(linkCapacities)}`,
    );
  }
  const useCapacities = linkCapacities === 'gml';
  const n = underlay.silos.length;
  // every node (silos, then routers) is a vertex of the searches; only silos are paired
  const total = nodeCount(underlay);
  const adj: [number, number][][] = Array.from({ length: total }, () => []);
  const linkKm = new Map<number, number>();
  const linkBitsPerSec = new Map<number, number>();
  for (const l of underlay.links) {
    adj[l.a].push([l.b, l.distanceKm]);
    adj[l.b].push([l.a, l.distanceKm]);
    linkKm.set(l.a * total + l.b, l.distanceKm);
    linkKm.set(l.b * total + l.a, l.distanceKm);
    if (useCapacities && l.capacityBitsPerSec !== undefined) {
      linkBitsPerSec.set(l.a * total + l.b, l.capacityBitsPerSec);
      linkBitsPerSec.set(l.b * total + l.a, l.capacityBitsPerSec);
    }
  }
  const coreBitsPerMs = bitsPerSecToBitsPerMs(coreCapacityBitsPerSec);
  const distanceKm = new Float64Array(n * n);
  const latencyMs = new Float64Array(n * n);
  const bandwidthBitsPerMs = new Float64Array(n * n);
  const hops = new Int32Array(n * n);
  const preds: Int32Array[] = [];
  const adjacencyOrder: Int32Array[] = [];
  for (let s = 0; s < n; s++) {
    const sp = dijkstra(total, adj, s);
    preds.push(sp.pred);
    const order: number[] = [];
    for (let k = 0; k < s; k++) order.push(k);
    for (const k of sp.discovery) if (k > s && k < n) order.push(k);
    adjacencyOrder.push(Int32Array.from(order));
    // The pair's data comes from the later silo's search (it overwrites the earlier one).
    for (let t = 0; t < s; t++) {
      if (sp.dist[t] === Infinity) continue;
      const p = [t];
      for (let v = t; sp.pred[v] !== -1; v = sp.pred[v]) p.push(sp.pred[v]);
      p.reverse(); // s ... t
      let km = 0;
      let bottleneckBitsPerSec = Infinity;
      for (let i = 0; i + 1 < p.length; i++) {
        km += linkKm.get(p[i] * total + p[i + 1])!;
        if (useCapacities)
          bottleneckBitsPerSec = Math.min(bottleneckBitsPerSec, linkBitsPerSec.get(p[i] * total + p[i + 1]) ?? coreCapacityBitsPerSec);
      }
      const h = p.length - 1;
      const lat = latencyMsFromKm(km);
      const bw = useCapacities ? bitsPerSecToBitsPerMs(bottleneckBitsPerSec) / h : coreBitsPerMs / h;
      for (const [a, b] of [
        [s, t],
        [t, s],
      ]) {
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
    linkCapacities,
    hops,
    ...(useCapacities ? { capacityCoverage: linkCapacityCoverage(underlay) } : {}),
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
