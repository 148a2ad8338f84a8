/** Union-find (src/graph/union-find.ts), used by Kruskal, the underlay's components and Karp's forest check. */
import { describe, expect, it } from 'vitest';
import { UnionFind } from '../../src/graph/union-find.js';

describe('UnionFind', () => {
  it('merges sets by hand: {0,1,2}, {3,4}, {5}', () => {
    const u = new UnionFind(6);
    expect(u.union(0, 1)).toBe(true);
    expect(u.union(1, 2)).toBe(true);
    expect(u.union(3, 4)).toBe(true);
    expect(u.union(2, 0)).toBe(false); // already one set
    expect(u.connected(0, 2)).toBe(true);
    expect(u.connected(2, 3)).toBe(false);
    expect(u.connected(5, 5)).toBe(true);
    const roots = new Set([0, 1, 2, 3, 4, 5].map((x) => u.find(x)));
    expect(roots.size).toBe(3);
    expect(u.find(0)).toBe(u.find(2));
  });

  it("union(a, b) puts a's root under b's root (the convention the three former copies used)", () => {
    const u = new UnionFind(3);
    u.union(0, 1);
    expect(u.find(0)).toBe(1);
    u.union(1, 2);
    expect(u.find(0)).toBe(2);
    expect(u.find(1)).toBe(2);
  });

  it('a long chain is found (path halving leaves the answer unchanged)', () => {
    const n = 10_000;
    const u = new UnionFind(n);
    for (let i = 0; i + 1 < n; i++) u.union(i, i + 1);
    expect(u.find(0)).toBe(n - 1);
    expect(u.connected(0, n - 1)).toBe(true);
  });
});
