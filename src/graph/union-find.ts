/**
 * Union-find (disjoint sets) over 0..n-1 with path halving (Tarjan & van Leeuwen 1984).
 * `union(a, b)` links a's root under b's root, so that callers that relied on
 * `parent[find(a)] = find(b)` keep the same roots.
 */
export class UnionFind {
  private readonly parent: Int32Array;

  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }

  /** The representative of x's set. */
  find(x: number): number {
    const parent = this.parent;
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }

  /** Merge the sets of a and b; false when they were already one set. */
  union(a: number, b: number): boolean {
    const ra = this.find(a),
      rb = this.find(b);
    if (ra === rb) return false;
    this.parent[ra] = rb;
    return true;
  }

  /** Whether a and b are in the same set. */
  connected(a: number, b: number): boolean {
    return this.find(a) === this.find(b);
  }
}
