/**
 * Edge weights on the connectivity graph used by the overlay builders
 * (`../shared/spec/cycle-time-model.md`, section 5), and a Kruskal minimum spanning
 * tree that breaks ties in the connectivity graph's edge order.
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import { UnionFind } from '../graph/union-find.js';

export { mstWeightMs, roundTripWeightMs } from '../timing/delay-model.js';

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
  const sets = new UnionFind(cg.n);
  const tree: [number, number][] = [];
  for (const e of edges) {
    if (!sets.union(e.a, e.b)) continue;
    tree.push([e.a, e.b]);
    if (tree.length === cg.n - 1) break;
  }
  return tree;
}
