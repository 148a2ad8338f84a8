/**
 * STAR's load centrality (src/overlay/star.ts): hand cases on small graphs, and equality
 * with the former implementation (one heap Dijkstra per source keeping every equal
 * predecessor, kept here as the reference) on random graphs with many equal-length paths.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectivityGraph } from '../../src/network/connectivity.js';
import { dijkstra } from '../../src/graph/dijkstra.js';
import { createRng } from '../../src/random.js';
import { loadCentrality } from '../../src/overlay/star.js';

const FAR = 1000;

/** A complete "connectivity graph" whose latencies are `w` for listed pairs and FAR otherwise. */
function cgOf(n: number, pairs: [number, number, number][], silos?: string[]): ConnectivityGraph {
  const latencyMs = new Float64Array(n * n).fill(FAR);
  for (let i = 0; i < n; i++) latencyMs[i * n + i] = 0;
  for (const [a, b, w] of pairs) {
    latencyMs[a * n + b] = w;
    latencyMs[b * n + a] = w;
  }
  const adjacencyOrder = Array.from({ length: n }, (_, i) => Int32Array.from({ length: n - 1 }, (_, k) => (k < i ? k : k + 1)));
  return { n, silos: silos ?? Array.from({ length: n }, (_, i) => `s${i}`), latencyMs, adjacencyOrder } as unknown as ConnectivityGraph;
}

/** The former implementation, verbatim in substance. */
function referenceLoad(cg: ConnectivityGraph): Float64Array {
  const n = cg.n;
  const total = new Float64Array(n);
  const adj = Array.from({ length: n }, (_, i) =>
    Array.from(cg.adjacencyOrder[i], (j) => [j, cg.latencyMs[i * n + j]] as [number, number]),
  );
  for (let s = 0; s < n; s++) {
    const dist = dijkstra(n, adj, s).dist;
    const preds: number[][] = Array.from({ length: n }, () => []);
    for (let v = 0; v < n; v++) {
      if (v === s || dist[v] === Infinity) continue;
      for (const [u, w] of adj[v]) if (dist[u] + w === dist[v]) preds[v].push(u);
    }
    const order = [...Array(n).keys()].filter((v) => v !== s && dist[v] < Infinity && dist[v] > 0);
    order.sort((a, b) => dist[a] - dist[b] || (cg.silos[a] < cg.silos[b] ? -1 : cg.silos[a] > cg.silos[b] ? 1 : 0));
    const between = new Float64Array(n).fill(1);
    while (order.length) {
      const v = order.pop()!;
      const p = preds[v];
      if (p.includes(s)) continue;
      for (const x of p) between[x] += between[v] / p.length;
    }
    for (let v = 0; v < n; v++) if (dist[v] < Infinity) total[v] += between[v] - 1;
  }
  if (n > 2) {
    const scale = 1 / ((n - 1) * (n - 2));
    for (let v = 0; v < n; v++) total[v] *= scale;
  }
  return total;
}

describe('loadCentrality', () => {
  it('path 0-1-2-3 (unit links): each middle silo forwards 4 of the 12 ordered flows, 4/6 = 2/3 normalised', () => {
    // silo 1 forwards 0->2, 0->3, 2->0, 3->0
    const l = loadCentrality(
      cgOf(4, [
        [0, 1, 1],
        [1, 2, 1],
        [2, 3, 1],
      ]),
    );
    expect(Array.from(l)).toEqual([0, 4 / 6, 4 / 6, 0]);
  });

  it('4-cycle: the opposite corner gets half through each side, every silo 1/6', () => {
    // silo 1 carries half of 0->2 and half of 2->0
    const l = loadCentrality(
      cgOf(4, [
        [0, 1, 1],
        [1, 2, 1],
        [2, 3, 1],
        [3, 0, 1],
      ]),
    );
    expect(Array.from(l)).toEqual([1 / 6, 1 / 6, 1 / 6, 1 / 6]);
  });

  it('load splits per step, unlike betweenness: a 4-cycle 0-1-3-2 with a leaf 4 on silo 2', () => {
    // links 0-1, 0-2, 1-3, 2-3 (unit), 4-2 (1): from 4, silo 0 is reached only via 2, silo 3 via 2
    const cg = cgOf(5, [
      [0, 1, 1],
      [0, 2, 1],
      [1, 3, 1],
      [2, 3, 1],
      [4, 2, 1],
    ]);
    const l = loadCentrality(cg);
    expect(Array.from(l)).toEqual(Array.from(referenceLoad(cg)));
    // by hand, ordered flows forwarded (before dividing by (n-1)(n-2) = 12):
    // silo 2: 4->{0,1,3} and {0,1,3}->4 (every path from 4 goes through 2): 6, plus half of
    //   0->3 and half of 3->0 (3's predecessors from 0 are 1 and 2, and 0's from 3 likewise): 7
    // silo 0: half of 1->2, 2->1, 1->4, 4->1 (their paths via 0 or via 3): 2; silo 3 likewise: 2
    // silo 1: half of 0->3 and of 3->0: 1; silo 4 is a leaf: 0
    [2, 1, 7, 2, 0].forEach((raw, v) => expect(l[v] * 12).toBeCloseTo(raw, 13));
  });

  it('the direct link of a complete metric graph with a per-link constant is always shortest: all loads 0', () => {
    const pairs: [number, number, number][] = [];
    for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) pairs.push([i, j, 4 + 0.01 * (i + j)]);
    expect(Array.from(loadCentrality(cgOf(6, pairs)))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('equals the former implementation on random graphs with integer weights (many ties)', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 40; trial++) {
      const n = 3 + rng.int(14);
      const pairs: [number, number, number][] = [];
      for (let v = 1; v < n; v++) pairs.push([rng.int(v), v, 1 + rng.int(3)]);
      for (let e = 0; e < n; e++) {
        const a = rng.int(n),
          b = rng.int(n);
        if (a !== b) pairs.push([a, b, 1 + rng.int(3)]);
      }
      const names = Array.from({ length: n }, () => `x${rng.int(5)}`).map((s, i) => `${s}-${n - i}`);
      const cg = cgOf(n, pairs, names);
      expect(Array.from(loadCentrality(cg))).toEqual(Array.from(referenceLoad(cg)));
    }
  });
});
