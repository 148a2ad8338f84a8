/**
 * MATCHA's activation probabilities (max λ2(Σ p_m L_m), 0 <= p <= 1, Σ p <= B·M) and
 * mixing parameter α (min ‖E[WᵀW] − J‖₂).
 */
import { describe, expect, it } from 'vitest';
import { misraGriesEdgeColoring, type UndirectedEdge } from '../../src/graph/edge-coloring.js';
import { mixingQuadratic, optimalMixingAlpha, rho } from '../../src/overlay/matcha-mixing.js';
import {
  expectedAlgebraicConnectivity,
  optimizeActivationProbabilities,
  projectCappedSimplex,
  weightedLaplacian,
  type Matching,
} from '../../src/overlay/matcha-probabilities.js';
import { largestEigenvalue } from '../../src/graph/symmetric-eigen.js';
import { createRng } from '../../src/random.js';

function matchingsOf(n: number, edges: UndirectedEdge[]): [number, number][][] {
  const c = misraGriesEdgeColoring(n, edges);
  return c.classes.map((cls) => cls.map((e) => [edges[e][0], edges[e][1]] as [number, number]));
}

/** Brute-force max of λ2 over a grid on Σ p = cap (λ2 is non-decreasing in each p_m). */
function gridMax(n: number, ms: Matching[], cap: number, step: number): number {
  const M = ms.length;
  const p = new Float64Array(M);
  let best = 0;
  const k = Math.round(1 / step);
  const rec = (i: number, rest: number): void => {
    if (i === M - 1) {
      if (rest < -1e-12 || rest > 1 + 1e-12) return;
      p[i] = Math.min(1, Math.max(0, rest));
      best = Math.max(best, expectedAlgebraicConnectivity(n, ms, p));
      return;
    }
    for (let a = 0; a <= k; a++) {
      const v = a * step;
      if (v > rest + 1e-12) break;
      p[i] = v;
      rec(i + 1, rest - v);
    }
  };
  rec(0, cap);
  return best;
}

const SMALL_GRAPHS: [string, number, UndirectedEdge[]][] = [
  [
    '5-cycle',
    5,
    [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 0],
    ],
  ],
  [
    'K4',
    4,
    [
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ],
  ],
  [
    'path of 6 with a chord',
    6,
    [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
      [1, 4],
    ],
  ],
  [
    'paw plus tail',
    6,
    [
      [0, 1],
      [1, 2],
      [2, 0],
      [2, 3],
      [3, 4],
      [4, 5],
      [0, 5],
    ],
  ],
  [
    'Petersen',
    10,
    [
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
    ],
  ],
  [
    'weighted-looking tree-ish',
    7,
    [
      [0, 1],
      [0, 2],
      [0, 3],
      [3, 4],
      [4, 5],
      [5, 6],
      [2, 6],
    ],
  ],
];

describe('projectCappedSimplex', () => {
  it('is feasible and no farther than random feasible points', () => {
    const rng = createRng(3);
    for (let t = 0; t < 200; t++) {
      const m = 1 + rng.int(8);
      const y = Array.from({ length: m }, () => 3 * rng.normal());
      const cap = rng.next() * m;
      const p = projectCappedSimplex(y, cap);
      const sum = p.reduce((s, x) => s + x, 0);
      expect(sum).toBeLessThanOrEqual(cap + 1e-9);
      for (const x of p) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
      }
      const dist = (q: ArrayLike<number>): number => y.reduce((s, v, i) => s + (v - q[i]) ** 2, 0);
      for (let r = 0; r < 30; r++) {
        const q = projectCappedSimplex(
          Array.from({ length: m }, () => rng.next() * 1.2 - 0.1),
          cap,
        );
        expect(dist(p)).toBeLessThanOrEqual(dist(q) + 1e-9);
      }
    }
  });
});

describe('optimizeActivationProbabilities', () => {
  it.each(SMALL_GRAPHS)('%s: λ2 within one percent of a brute-force grid search, and at least uniform', (name, n, edges) => {
    const ms = matchingsOf(n, edges);
    expect(ms.length).toBeGreaterThanOrEqual(3);
    expect(ms.length).toBeLessThanOrEqual(4);
    for (const budget of [0.3, 0.5, 0.75]) {
      const r = optimizeActivationProbabilities(n, ms, budget);
      const sum = r.probabilities.reduce((s, x) => s + x, 0);
      expect(sum).toBeLessThanOrEqual(budget * ms.length + 1e-9);
      for (const x of r.probabilities) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
      }
      expect(r.lambda2).toBeCloseTo(expectedAlgebraicConnectivity(n, ms, r.probabilities), 10);
      expect(r.lambda2).toBeGreaterThanOrEqual(r.uniformLambda2 * (1 - 1e-12));
      const grid = gridMax(n, ms, budget * ms.length, 0.02);
      console.log(
        `${name}, M = ${ms.length}, B = ${budget}: λ2 ${r.lambda2.toFixed(6)} (uniform ${r.uniformLambda2.toFixed(6)}), grid max ${grid.toFixed(6)}, ratio ${(r.lambda2 / grid).toFixed(5)}, ${r.iterations} steps`,
      );
      expect(r.lambda2).toBeGreaterThanOrEqual(0.99 * grid);
    }
  });

  it('beats or equals uniform probabilities on random sparse graphs', () => {
    const rng = createRng(11);
    for (let t = 0; t < 15; t++) {
      const n = 8 + rng.int(25);
      const edges: [number, number][] = [];
      for (let i = 1; i < n; i++) edges.push([rng.int(i), i]); // a random tree keeps it connected
      for (let e = 0; e < n / 2; e++) {
        const a = rng.int(n),
          b = rng.int(n);
        if (a !== b && !edges.some(([x, y]) => (x === a && y === b) || (x === b && y === a))) edges.push([a, b]);
      }
      const ms = matchingsOf(n, edges);
      const r = optimizeActivationProbabilities(n, ms, 0.5);
      expect(r.lambda2).toBeGreaterThanOrEqual(r.uniformLambda2 * (1 - 1e-12));
    }
  });

  it('uses every matching fully when the budget is 1, and rejects bad budgets', () => {
    const ms = matchingsOf(5, [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 0],
    ]);
    expect(Array.from(optimizeActivationProbabilities(5, ms, 1).probabilities)).toEqual([1, 1, 1]);
    expect(() => optimizeActivationProbabilities(5, ms, 0)).toThrow(/budget/);
    expect(() => optimizeActivationProbabilities(5, ms, 1.5)).toThrow(/budget/);
    expect(() =>
      optimizeActivationProbabilities(
        5,
        [
          [
            [0, 1],
            [1, 2],
          ],
        ],
        0.5,
      ),
    ).toThrow(/matchings\[0\].*not a matching/);
  });
});

describe('optimalMixingAlpha', () => {
  const n = 6;
  const ms = matchingsOf(n, [
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 4],
    [4, 5],
    [1, 4],
    [0, 5],
  ]);
  const p = [0.7, 0.4, 0.35, 0.2].slice(0, ms.length);

  it('the closed form of E[WᵀW] matches the exact expectation over all activation patterns', () => {
    const q = mixingQuadratic(n, ms, p);
    for (const alpha of [0.05, 0.2, 0.4]) {
      const exp = new Float64Array(n * n);
      for (let mask = 0; mask < 1 << ms.length; mask++) {
        let prob = 1;
        const on = ms.map((_, m) => {
          const b = (mask >> m) & 1;
          prob *= b ? p[m] : 1 - p[m];
          return b;
        });
        const L = weightedLaplacian(n, ms, on);
        const W = new Float64Array(n * n);
        for (let i = 0; i < n * n; i++) W[i] = (i % (n + 1) === 0 ? 1 : 0) - alpha * L[i];
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let k = 0; k < n; k++) s += W[k * n + i] * W[k * n + j];
            exp[i * n + j] += prob * s;
          }
      }
      for (let i = 0; i < n * n; i++) exp[i] -= 1 / n;
      const direct = new Float64Array(n * n);
      for (let i = 0; i < n * n; i++) direct[i] = q.a[i] - 2 * alpha * q.b[i] + alpha * alpha * q.c[i];
      for (let i = 0; i < n * n; i++) expect(direct[i]).toBeCloseTo(exp[i], 12);
      expect(rho(q, alpha)).toBeCloseTo(largestEigenvalue(exp, n), 10);
    }
  });

  it('α minimises ρ against a fine grid', () => {
    const r = optimalMixingAlpha(n, ms, p);
    const q = mixingQuadratic(n, ms, p);
    const lmax = largestEigenvalue(q.b, n);
    let best = Infinity,
      bestAlpha = 0;
    const steps = 20000;
    for (let i = 0; i <= steps; i++) {
      const a = (i / steps) * (2 / lmax);
      const v = rho(q, a);
      if (v < best) {
        best = v;
        bestAlpha = a;
      }
    }
    expect(r.rho).toBeLessThanOrEqual(best + 1e-9);
    expect(r.rho).toBeLessThan(1);
    expect(Math.abs(r.alpha - bestAlpha)).toBeLessThan(1e-3);
    console.log(`α = ${r.alpha.toFixed(6)} (grid ${bestAlpha.toFixed(6)}), ρ = ${r.rho.toFixed(6)} (grid ${best.toFixed(6)})`);
  });

  it.each([6, 7, 11])('K_%i with every matching at p = 1/2: α = ρ = 2/(n+2) (by hand)', (size) => {
    // L̄ = L_K/2 and E[L²] = L̄² + L_K/2 both act as scalars on 1⊥ (L_K has eigenvalue n there):
    // ρ(α) = 1 − nα + α²(n²/4 + n/2), minimised at α = 2/(n+2) with ρ = 2/(n+2).
    const edges: [number, number][] = [];
    for (let i = 0; i < size; i++) for (let j = i + 1; j < size; j++) edges.push([i, j]);
    const km = matchingsOf(size, edges);
    const r = optimalMixingAlpha(
      size,
      km,
      km.map(() => 0.5),
    );
    expect(r.alpha).toBeCloseTo(2 / (size + 2), 8);
    expect(r.rho).toBeCloseTo(2 / (size + 2), 8);
  });
});
