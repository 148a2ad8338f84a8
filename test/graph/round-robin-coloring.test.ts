/**
 * The round-robin 1-factorisation of K_n (MATCHA(+)'s colouring above 128 silos): a
 * proper colouring with n−1 colours for even n and n for odd n, covering every edge
 * exactly once, for n = 2..40; and MATCHA(+) keeps Misra-Gries up to 128 silos.
 */
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { edgeColoringConflict, roundRobinEdgeColoring, type UndirectedEdge } from '../../src/graph/edge-coloring.js';

function completeEdges(n: number): UndirectedEdge[] {
  const out: [number, number][] = [];
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) out.push([a, b]);
  return out;
}

describe('round-robin edge colouring of the complete graph', () => {
  it('is proper, uses n−1 colours (even n) or n (odd n), every edge once, n = 2..40', () => {
    for (let n = 2; n <= 40; n++) {
      const edges = completeEdges(n);
      const c = roundRobinEdgeColoring(n);
      expect(c.colors).toBe(n % 2 === 0 ? n - 1 : n);
      expect(c.maxDegree).toBe(n - 1);
      expect(edgeColoringConflict(n, edges, c.edgeColors)).toBeNull();
      expect(c.classes.length).toBe(c.colors);
      // the classes partition the edges: each edge in exactly one class, its own colour
      expect(c.classes.flat().sort((x, y) => x - y)).toEqual(edges.map((_, i) => i));
      c.classes.forEach((cls, col) => {
        for (const e of cls) expect(c.edgeColors[e]).toBe(col);
        // perfect matchings for even n; (n−1)/2 edges (one silo idle) for odd n
        expect(cls.length).toBe(Math.floor(n / 2));
      });
      // the same colouring when the edges are given (in reverse order: classes follow them)
      const rev = edges.slice().reverse();
      const g = roundRobinEdgeColoring(n, rev);
      expect(edgeColoringConflict(n, rev, g.edgeColors)).toBeNull();
      expect(g.colors).toBe(c.colors);
    }
  });

  it('rejects a wrong edge list', () => {
    expect(() => roundRobinEdgeColoring(1)).toThrow(DflsimInputError);
    expect(() => roundRobinEdgeColoring(4, [[0, 1]])).toThrow(/6 edges/);
    expect(() =>
      roundRobinEdgeColoring(3, [
        [0, 1],
        [1, 2],
        [1, 0],
      ]),
    ).toThrow(/duplicate/);
  });
});
