/**
 * MATCHA above 128 silos: the shift-invert Fiedler solver (grounded Cholesky + Lanczos on
 * L⁺) against the dense solver on random graphs of 150-300 silos (λ2 to 1e-8), its
 * fallback on a disconnected weighted graph, the shift-invert mixing ρ against the dense
 * ρ, and the fast round times (degree bounds per matching) equal to the round overlay's
 * largest delay, on MATCHA(+)'s round-robin matchings (even and odd n) and on MATCHA's.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random.js';
import { misraGriesEdgeColoring } from '../../src/graph/edge-coloring.js';
import { fiedler, GroundedCholesky, shiftInvertFiedler } from '../../src/graph/symmetric-eigen.js';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { generateNetwork } from '../../src/network/generate.js';
import { mixingQuadratic, optimalMixingAlpha, rho } from '../../src/overlay/matcha-mixing.js';
import { matchaRoundOverlay, matchaRoundTimes, planMatcha, roundTimeMs, sampleActiveMatchings } from '../../src/overlay/matcha.js';
import {
  optimizeActivationProbabilities,
  SparseMatchingLaplacian,
  weightedLaplacian,
  type Matching,
} from '../../src/overlay/matcha-probabilities.js';
import { getWorkload, siloTimes, timingParams } from '../../src/timing/workload.js';

const params = timingParams(getWorkload('femnist'));

function randomMatchings(n: number, extra: number, seed: number): Matching[] {
  const rng = createRng(seed);
  const pairs = new Set<number>();
  const edges: [number, number][] = [];
  const add = (a: number, b: number): void => {
    const key = Math.min(a, b) * n + Math.max(a, b);
    if (a === b || pairs.has(key)) return;
    pairs.add(key);
    edges.push([Math.min(a, b), Math.max(a, b)]);
  };
  for (let v = 1; v < n; v++) add(rng.int(v), v);
  for (let e = 0; e < extra; e++) add(rng.int(n), rng.int(n));
  return misraGriesEdgeColoring(n, edges).classes.map((c) => c.map((e) => edges[e]));
}

function maxDegree(L: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, L[i * n + i]);
  return m;
}

describe('shift-invert Fiedler solver', () => {
  it('agrees with the dense solver on random graphs of 150-300 silos: λ2 to 1e-8', () => {
    for (let seed = 0; seed < 8; seed++) {
      const n = 150 + seed * 21;
      const ms = randomMatchings(n, seed % 2 === 0 ? n / 2 : 2 * n, 300 + seed);
      const rng = createRng(seed + 50);
      const w = ms.map(() => 0.02 + rng.next());
      const sp = new SparseMatchingLaplacian(n, ms);
      const chol = new GroundedCholesky(sp.matrix);
      const L = weightedLaplacian(n, ms, w);
      const dense = fiedler(L, n);
      const si = shiftInvertFiedler(sp.fill(w), chol);
      expect(Math.abs(si.lambda2 - dense.lambda2)).toBeLessThan(1e-8 * Math.max(1, maxDegree(L, n)));
      expect(Math.abs(si.vector.reduce((s, x) => s + x, 0))).toBeLessThan(1e-10);
      // warm-started from a perturbed vector: the same λ2
      const again = shiftInvertFiedler(
        sp.fill(w),
        chol,
        dense.vector.map((x, i) => x + 1e-3 * Math.sin(i)),
      );
      expect(Math.abs(again.lambda2 - dense.lambda2)).toBeLessThan(1e-8 * Math.max(1, maxDegree(L, n)));
    }
  });

  it('on geographic networks of 150-300 silos the optimiser with shift-invert reaches the dense λ2 at its probabilities', () => {
    for (const n of [150, 300]) {
      const u = generateNetwork({ n, seed: 3 });
      const edges = u.links.map((l) => [Math.min(l.a, l.b), Math.max(l.a, l.b)] as [number, number]);
      const ms = misraGriesEdgeColoring(n, edges).classes.map((c) => c.map((e) => edges[e]));
      const act = optimizeActivationProbabilities(n, ms, 0.5, { shiftInvert: 'always' });
      const dense = fiedler(weightedLaplacian(n, ms, act.probabilities), n).lambda2;
      expect(Math.abs(act.lambda2 - dense)).toBeLessThan(1e-8);
      expect(act.lambda2).toBeGreaterThan(act.uniformLambda2);
      const mix = optimalMixingAlpha(n, ms, act.probabilities);
      expect(Math.abs(rho(mixingQuadratic(n, ms, act.probabilities), mix.alpha) - mix.rho)).toBeLessThan(1e-9);
    }
  });

  it('falls back to plain Lanczos when the weighted graph is disconnected (λ2 = 0)', () => {
    // a path 0-1-2-3-4-5 as two matchings; weight 0 on the one with edge 2-3 cuts it
    const ms: Matching[] = [
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
      [
        [1, 2],
        [3, 4],
      ],
    ];
    const n = 6;
    const sp = new SparseMatchingLaplacian(n, ms);
    const chol = new GroundedCholesky(sp.matrix);
    const r = shiftInvertFiedler(sp.fill([0, 1]), chol);
    expect(Math.abs(r.lambda2)).toBeLessThan(1e-12);
    const ok = shiftInvertFiedler(sp.fill([1, 1]), chol);
    expect(ok.lambda2).toBeCloseTo(2 - 2 * Math.cos(Math.PI / 6), 12); // λ2 of the path P6
  });
});

describe('MATCHA round times above 128 silos', () => {
  it.each([
    [132, 'connectivity'],
    [131, 'connectivity'],
    [300, 'underlay'],
  ] as const)("at %i silos (%s) equal the round overlay's largest delay, bit for bit", (n, base) => {
    const u = generateNetwork({ n, seed: 2 });
    const cg = buildConnectivityGraph(u);
    const k = siloTimes(params, cg.n);
    const plan = planMatcha(base, u, cg, 0.5);
    if (base === 'connectivity') {
      expect(plan.matchings.length).toBe(n % 2 === 0 ? n - 1 : n);
      // uniform probabilities are optimal for a 1-factorisation (λ2 = B·n): certified at once
      expect(Math.abs(plan.lambda2 - 0.5 * n)).toBeLessThan(1e-9 * n);
    }
    const rounds = 40;
    const fast = [...matchaRoundTimes(plan, cg, k, createRng(9), rounds)];
    const rng = createRng(9);
    for (let r = 0; r < rounds; r++) {
      const active = sampleActiveMatchings(plan.probabilities, rng);
      expect(fast[r].active).toEqual(active);
      expect(fast[r].durationMs).toBe(roundTimeMs(matchaRoundOverlay(plan, cg, active), k));
    }
  });
});
