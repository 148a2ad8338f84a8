/**
 * Edge weights on the connectivity graph used by the overlay builders
 * (`../shared/spec/cycle-time-model.md`, section 5), and a Kruskal minimum spanning
 * tree that breaks ties in the connectivity graph's edge order.
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import type { DelayConstants } from '../timing/workload.js';

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

/** The connectivity graph's undirected edges (a, b) in its storage order. */
export function edgeOrder(cg: ConnectivityGraph): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < cg.n; i++) for (const k of cg.adjacencyOrder[i]) if (k > i) out.push([i, k]);
  return out;
}

/**
 * Kruskal's minimum spanning tree (Kruskal 1956) of the complete connectivity graph;
 * equal weights keep the connectivity graph's edge order (a stable sort).
 * @returns the tree's edges as silo-index pairs
 */
export function kruskalMst(cg: ConnectivityGraph, weight: (i: number, j: number) => number): [number, number][] {
  const edges = edgeOrder(cg).map(([a, b], idx) => ({ a, b, w: weight(a, b), idx }));
  edges.sort((x, y) => x.w - y.w || x.idx - y.idx);
  const parent = Int32Array.from({ length: cg.n }, (_, i) => i);
  const find = (x: number): number => { while (parent[x] !== x) { parent[x] = parent[parent[x]]; x = parent[x]; } return x; };
  const tree: [number, number][] = [];
  for (const e of edges) {
    const ra = find(e.a), rb = find(e.b);
    if (ra === rb) continue;
    parent[ra] = rb;
    tree.push([e.a, e.b]);
    if (tree.length === cg.n - 1) break;
  }
  return tree;
}
