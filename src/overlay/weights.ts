/**
 * Edge weights on the connectivity graph used by the overlay builders
 * (`../shared/spec/cycle-time-model.md`, section 5), and a Kruskal minimum spanning
 * tree that breaks ties in the connectivity graph's edge order.
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import { kruskal } from '../graph/kruskal.js';

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
  return kruskal(cg.n, edgeOrder(cg), weight);
}
