/**
 * Tie-breaking of the connectivity graph's Dijkstra (first path found is kept; the fringe
 * pops equal distances in insertion order) and of Kruskal (equal weights keep the
 * connectivity graph's edge order), by hand.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectivityGraph } from '../../src/network/connectivity.js';
import { dijkstra } from '../../src/graph/dijkstra.js';
import { edgeOrder, kruskalMst } from '../../src/overlay/weights.js';

type Adj = [number, number][][];

describe('dijkstra tie-breaking', () => {
  // the unit square 0-1-3, 0-2-3: two shortest paths to 3
  const square = (first: 1 | 2): Adj => [
    first === 1
      ? [
          [1, 1],
          [2, 1],
        ]
      : [
          [2, 1],
          [1, 1],
        ],
    [
      [0, 1],
      [3, 1],
    ],
    [
      [0, 1],
      [3, 1],
    ],
    [
      [1, 1],
      [2, 1],
    ],
  ];

  it('the neighbour listed first reaches the far corner first and keeps it', () => {
    const a = dijkstra(4, square(1), 0);
    expect(Array.from(a.dist)).toEqual([0, 1, 1, 2]);
    expect(Array.from(a.pred)).toEqual([-1, 0, 0, 1]);
    expect(a.discovery).toEqual([0, 1, 2, 3]);
    const b = dijkstra(4, square(2), 0);
    expect(Array.from(b.pred)).toEqual([-1, 0, 0, 2]);
    expect(b.discovery).toEqual([0, 2, 1, 3]);
  });

  it('a path is replaced only by a strictly shorter one: 0-1 (2) then 0-2-1 (1 + 1) keeps 0-1', () => {
    const adj: Adj = [
      [
        [1, 2],
        [2, 1],
      ],
      [
        [0, 2],
        [2, 1],
      ],
      [
        [0, 1],
        [1, 1],
      ],
    ];
    const r = dijkstra(3, adj, 0);
    expect(Array.from(r.dist)).toEqual([0, 2, 1]);
    expect(r.pred[1]).toBe(0);
    // and a strictly shorter one does replace it: 0-2-1 = 1 + 0.5
    const adj2: Adj = [
      [
        [1, 2],
        [2, 1],
      ],
      [
        [0, 2],
        [2, 0.5],
      ],
      [
        [0, 1],
        [1, 0.5],
      ],
    ];
    expect(dijkstra(3, adj2, 0).pred[1]).toBe(2);
  });

  it('unreachable silos keep Infinity and no predecessor', () => {
    const r = dijkstra(3, [[[1, 1]], [[0, 1]], []], 0);
    expect(r.dist[2]).toBe(Infinity);
    expect(r.pred[2]).toBe(-1);
    expect(r.discovery).toEqual([0, 1]);
  });
});

describe('kruskalMst tie-breaking', () => {
  const cg = (adjacencyOrder: number[][]): ConnectivityGraph =>
    ({
      n: adjacencyOrder.length,
      silos: adjacencyOrder.map((_, i) => `s${i}`),
      adjacencyOrder: adjacencyOrder.map((a) => Int32Array.from(a)),
    }) as unknown as ConnectivityGraph;

  it("equal weights: the connectivity graph's edge order decides", () => {
    const flat = () => 1;
    const a = cg([
      [1, 2, 3],
      [0, 2, 3],
      [0, 1, 3],
      [0, 1, 2],
    ]);
    expect(edgeOrder(a)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
    expect(kruskalMst(a, flat)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    // silo 0 reached 3 first, then 2, then 1 in its own search
    const b = cg([
      [3, 2, 1],
      [0, 3, 2],
      [0, 1, 3],
      [0, 1, 2],
    ]);
    expect(edgeOrder(b)).toEqual([
      [0, 3],
      [0, 2],
      [0, 1],
      [1, 3],
      [1, 2],
      [2, 3],
    ]);
    expect(kruskalMst(b, flat)).toEqual([
      [0, 3],
      [0, 2],
      [0, 1],
    ]);
  });

  it('weights first, then order: a path 0-1-2-3 of weight 1 beats the weight-2 chords', () => {
    const a = cg([
      [1, 2, 3],
      [0, 2, 3],
      [0, 1, 3],
      [0, 1, 2],
    ]);
    const w = (i: number, j: number) => (Math.abs(i - j) === 1 ? 1 : 2);
    expect(kruskalMst(a, w)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    // with 1-2 raised to 2, the chord listed first among the weight-2 edges (0-2) joins the halves
    const w2 = (i: number, j: number) => (Math.abs(i - j) === 1 && !(Math.min(i, j) === 1) ? 1 : 2);
    expect(kruskalMst(a, w2)).toEqual([
      [0, 1],
      [2, 3],
      [0, 2],
    ]);
  });
});
