/**
 * Misra & Gries edge colouring: proper, at most Δ+1 colours, on the shared networks'
 * underlays and connectivity graphs and on a few hundred random graphs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { edgeColoringConflict, misraGriesEdgeColoring, type UndirectedEdge } from '../../src/graph/edge-coloring.js';
import { createRng, shuffled } from '../../src/random.js';
import { NETWORKS, networkFile } from '../helpers.js';

function expectProper(n: number, edges: UndirectedEdge[]): number {
  const c = misraGriesEdgeColoring(n, edges);
  expect(edgeColoringConflict(n, edges, c.edgeColors)).toBeNull();
  const deg = new Int32Array(n);
  for (const [a, b] of edges) {
    deg[a]++;
    deg[b]++;
  }
  const delta = Math.max(0, ...deg);
  expect(c.maxDegree).toBe(delta);
  expect(c.colors).toBeGreaterThanOrEqual(delta);
  expect(c.colors).toBeLessThanOrEqual(delta + 1);
  // The classes partition the edges, each class a matching.
  expect(c.classes.flat().sort((x, y) => x - y)).toEqual(edges.map((_, i) => i));
  c.classes.forEach((cls, col) => {
    const used = new Set<number>();
    for (const e of cls) {
      expect(c.edgeColors[e]).toBe(col);
      for (const v of edges[e]) {
        expect(used.has(v)).toBe(false);
        used.add(v);
      }
    }
  });
  return c.colors;
}

function completeGraph(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
  return out;
}

describe('misraGriesEdgeColoring', () => {
  it('colours small hand-checked graphs', () => {
    expect(expectProper(2, [[0, 1]])).toBe(1);
    expect(
      expectProper(4, [
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 0],
      ]),
    ).toBeLessThanOrEqual(3); // even cycle: Δ + 1 = 3 allowed
    expect(
      expectProper(5, [
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 4],
        [4, 0],
      ]),
    ).toBe(3); // odd cycle needs 3
    expect(expectProper(7, completeGraph(7))).toBe(7); // K_odd needs n colours
    expect(expectProper(0, [])).toBe(0);
    // Petersen graph (class 2: needs 4 colours)
    const petersen: [number, number][] = [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 0],
      [0, 5],
      [1, 6],
      [2, 7],
      [3, 8],
      [4, 9],
      [5, 7],
      [7, 9],
      [9, 6],
      [6, 8],
      [8, 5],
    ];
    expect(expectProper(10, petersen)).toBe(4);
  });

  it('is proper with at most Δ+1 colours on every shared underlay and connectivity graph', () => {
    for (const name of NETWORKS) {
      const file = networkFile(name);
      const u = underlayFromGml(readFileSync(file, 'utf8'), file);
      const cg = buildConnectivityGraph(u);
      expectProper(
        cg.n,
        u.links.map((l) => [l.a, l.b] as [number, number]),
      );
      expectProper(cg.n, completeGraph(cg.n));
    }
  });

  it('is proper with at most Δ+1 colours on 400 random graphs', () => {
    const rng = createRng(20240401);
    for (let t = 0; t < 400; t++) {
      const n = 2 + rng.int(45);
      const density = [0.05, 0.15, 0.4, 0.8][t % 4];
      let edges: [number, number][] = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rng.next() < density) edges.push(rng.next() < 0.5 ? [i, j] : [j, i]);
      edges = shuffled(edges, rng);
      if (t % 10 === 0) {
        // bipartite and star-heavy shapes too
        edges = [];
        const h = Math.max(1, n >> 1);
        for (let i = 0; i < h; i++) for (let j = h; j < n; j++) if (rng.next() < 0.5) edges.push([i, j]);
      }
      expectProper(n, edges);
    }
  });

  it('rejects self-loops, duplicates and out-of-range ends naming the edge', () => {
    expect(() => misraGriesEdgeColoring(3, [[0, 0]])).toThrow(DflsimInputError);
    expect(() =>
      misraGriesEdgeColoring(3, [
        [0, 1],
        [1, 0],
      ]),
    ).toThrow(/edges\[1\].*duplicate/);
    expect(() => misraGriesEdgeColoring(3, [[0, 3]])).toThrow(/edges\[0\]/);
  });
});
