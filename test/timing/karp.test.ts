import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random.js';
import { howardSolver, karpMaxCycleMean, maxCycleMean } from '../../src/timing/karp.js';

/** Brute force: the maximum mean over all simple cycles (DFS from each smallest vertex). */
function bruteForce(n: number, from: number[], to: number[], w: number[]): number {
  const out: [number, number][][] = Array.from({ length: n }, () => []);
  from.forEach((a, e) => out[a].push([to[e], e]));
  let best = -Infinity;
  for (let s = 0; s < n; s++) {
    const onPath = new Uint8Array(n);
    const dfs = (v: number, sum: number, len: number): void => {
      for (const [u, e] of out[v]) {
        if (u === s) best = Math.max(best, (sum + w[e]) / (len + 1));
        else if (u > s && !onPath[u]) {
          onPath[u] = 1;
          dfs(u, sum + w[e], len + 1);
          onPath[u] = 0;
        }
      }
    };
    onPath[s] = 1;
    dfs(s, 0, 0);
  }
  return best;
}

function randomDigraph(rng: ReturnType<typeof createRng>, n: number, p: number) {
  const from: number[] = [],
    to: number[] = [],
    w: number[] = [];
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      if (a !== b && rng.next() < p) {
        from.push(a);
        to.push(b);
        w.push(rng.next() * 100 - 20);
      }
    }
  return { from, to, w };
}

describe('Karp maximum cycle mean', () => {
  it('agrees with brute-force cycle enumeration on 400 random digraphs, and its circuit has the same mean', () => {
    const rng = createRng(7);
    let cyclic = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = 2 + rng.int(6);
      const { from, to, w } = randomDigraph(rng, n, 0.2 + rng.next() * 0.6);
      const bf = bruteForce(n, from, to, w);
      const r = karpMaxCycleMean(n, from, to, w);
      if (bf === -Infinity) {
        expect(r.value).toBe(-Infinity);
        continue;
      }
      cyclic++;
      expect(r.value).toBeCloseTo(bf, 9);
      // the circuit is a closed walk of real edges whose mean equals the value
      const mean = r.circuitEdges.reduce((s, e) => s + w[e], 0) / r.circuitEdges.length;
      expect(mean).toBeCloseTo(r.value, 9);
      r.circuitEdges.forEach((e, i) => {
        expect(from[e]).toBe(r.circuit[i]);
        expect(to[e]).toBe(r.circuit[(i + 1) % r.circuit.length]);
      });
      // the special-case solvers agree where they apply
      expect(maxCycleMean(n, from, to, w).value).toBeCloseTo(bf, 9);
    }
    expect(cyclic).toBeGreaterThan(250);
  });

  it('a hand-computed 4-silo ring: the mean of its delays', () => {
    // ring 0->1->2->3->0 with delays 10, 20, 30, 40 plus a chord 1->3 of 100: cycles 0-1-2-3 (25) and 0-1-3 (50)
    const r = karpMaxCycleMean(4, [0, 1, 2, 3, 1], [1, 2, 3, 0, 3], [10, 20, 30, 40, 100]);
    expect(r.value).toBeCloseTo(50, 12);
    expect(r.circuit.slice().sort()).toEqual([0, 1, 3]);
  });

  it('functional-graph and bidirected-tree fast paths equal the general algorithm', () => {
    const rng = createRng(3);
    for (let t = 0; t < 100; t++) {
      const n = 3 + rng.int(20);
      // a random permutation as a functional graph (several cycles)
      const perm = [...Array(n).keys()];
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const from = [...Array(n).keys()].filter((i) => perm[i] !== i);
      const to = from.map((i) => perm[i]);
      const w = from.map(() => rng.next() * 50);
      if (from.length) expect(maxCycleMean(n, from, to, w).value).toBeCloseTo(karpMaxCycleMean(n, from, to, w).value, 9);
      // a random tree used both ways
      const tf: number[] = [],
        tt: number[] = [],
        tw: number[] = [];
      for (let v = 1; v < n; v++) {
        const p = rng.int(v);
        tf.push(p, v);
        tt.push(v, p);
        tw.push(rng.next() * 30, rng.next() * 30);
      }
      expect(maxCycleMean(n, tf, tt, tw).value).toBeCloseTo(karpMaxCycleMean(n, tf, tt, tw).value, 9);
    }
  });

  it('an acyclic graph has no cycle mean', () => {
    expect(karpMaxCycleMean(3, [0, 1], [1, 2], [1, 1]).value).toBe(-Infinity);
  });

  it('Howard policy iteration equals brute force and Karp (and its circuit is real), also warm-started over changing weights', () => {
    const rng = createRng(11);
    let checked = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = 2 + rng.int(7);
      const g = randomDigraph(rng, n, 0.2 + rng.next() * 0.6);
      const solve = howardSolver(n, g.from, g.to);
      if (!solve) {
        expect(new Set(g.to).size).toBeLessThan(n);
        continue;
      }
      // the same solver (its policy kept) over a sequence of weights, as the multigraph's rounds
      for (let round = 0; round < 5; round++) {
        const w = round === 0 ? g.w : g.w.map((x, e) => (e % (round + 1) === 0 ? 0 : x + rng.next() * 10));
        const r = solve(w);
        expect(r.value).toBeCloseTo(bruteForce(n, g.from, g.to, w), 9);
        expect(r.value).toBeCloseTo(karpMaxCycleMean(n, g.from, g.to, w).value, 9);
        const mean = r.circuitEdges.reduce((sum, e) => sum + w[e], 0) / r.circuitEdges.length;
        expect(mean).toBeCloseTo(r.value, 9);
        r.circuitEdges.forEach((e, i) => {
          expect(g.from[e]).toBe(r.circuit[i]);
          expect(g.to[e]).toBe(r.circuit[(i + 1) % r.circuit.length]);
        });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
