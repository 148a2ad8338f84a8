/**
 * Kruskal's minimum spanning tree (Kruskal 1956) with deterministic tie-breaking: equal
 * weights keep the given edge order (a stable sort).
 */
import { UnionFind } from './union-find.js';

/**
 * A minimum spanning tree (forest, if disconnected) of the undirected `edges` on `n` nodes.
 * @param weight weight of edge (a, b)
 * @returns the tree's edges in the order they were taken
 */
export function kruskal(
  n: number,
  edges: readonly (readonly [number, number])[],
  weight: (a: number, b: number) => number,
): [number, number][] {
  const order = edges.map(([a, b], idx) => ({ a, b, w: weight(a, b), idx }));
  order.sort((x, y) => x.w - y.w || x.idx - y.idx);
  const sets = new UnionFind(n);
  const tree: [number, number][] = [];
  for (const e of order) {
    if (!sets.union(e.a, e.b)) continue;
    tree.push([e.a, e.b]);
    if (tree.length === n - 1) break;
  }
  return tree;
}
