/**
 * The sparse eigen path MATCHA uses above DENSE_EIGEN_MAX_SILOS silos: Lanczos Fiedler
 * vectors against the dense solver on random graphs (λ2 to 1e-8 relative to the largest
 * degree, the vector to 1e-8 up to sign where λ2 is simple), the sparse Laplacian equal to
 * the dense one, and the sparse mixing α against the dense ρ.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random.js';
import { misraGriesEdgeColoring } from '../../src/graph/edge-coloring.js';
import { mixingQuadratic, optimalMixingAlpha, rho } from '../../src/overlay/matcha-mixing.js';
import {
  DENSE_EIGEN_MAX_SILOS,
  optimizeActivationProbabilities,
  SparseMatchingLaplacian,
  weightedLaplacian,
  type Matching,
} from '../../src/overlay/matcha-probabilities.js';
import { fiedler, lanczosExtreme, sparseFiedler, sparseMultiply, symmetricEigenvalues } from '../../src/graph/symmetric-eigen.js';
import { generateNetwork } from '../../src/network/generate.js';

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
  for (let v = 1; v < n; v++) add(rng.int(v), v); // a random spanning tree: connected
  for (let e = 0; e < extra; e++) add(rng.int(n), rng.int(n));
  return misraGriesEdgeColoring(n, edges).classes.map((c) => c.map((e) => edges[e]));
}

describe('Lanczos Fiedler vector', () => {
  it('the sparse Laplacian is the dense one', () => {
    const n = 25;
    const ms = randomMatchings(n, 40, 1);
    const w = ms.map((_, i) => 0.1 + 0.05 * i);
    const sp = new SparseMatchingLaplacian(n, ms).fill(w);
    const dense = weightedLaplacian(n, ms, w);
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const y = new Float64Array(n);
    sparseMultiply(sp, x, y);
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = 0; j < n; j++) d += dense[i * n + j] * x[j];
      expect(y[i]).toBeCloseTo(d, 13);
    }
  });

  it('agrees with the dense solver on random graphs: λ2 to 1e-8, the vector to 1e-8 up to sign', () => {
    for (let seed = 0; seed < 12; seed++) {
      const n = 20 + seed * 7;
      const ms = randomMatchings(n, n + seed * 5, 100 + seed);
      const rng = createRng(seed);
      const w = ms.map(() => 0.05 + rng.next());
      const dense = fiedler(weightedLaplacian(n, ms, w), n);
      const sparse = sparseFiedler(new SparseMatchingLaplacian(n, ms).fill(w));
      let maxDeg = 0;
      const L = weightedLaplacian(n, ms, w);
      for (let i = 0; i < n; i++) maxDeg = Math.max(maxDeg, L[i * n + i]);
      expect(Math.abs(sparse.lambda2 - dense.lambda2)).toBeLessThan(1e-8 * maxDeg);
      const eig = symmetricEigenvalues(L, n);
      if (eig[2] - eig[1] > 1e-3 * maxDeg) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += sparse.vector[i] * dense.vector[i];
        expect(1 - Math.abs(dot)).toBeLessThan(1e-8);
      }
      // orthogonal to 1 and unit
      expect(Math.abs(sparse.vector.reduce((s, x) => s + x, 0))).toBeLessThan(1e-10);
      expect(Math.abs(Math.hypot(...sparse.vector) - 1)).toBeLessThan(1e-12);
    }
  });

  it('the largest eigenvalue on 1⊥ matches the dense spectrum', () => {
    const n = 60;
    const ms = randomMatchings(n, 90, 5);
    const w = ms.map((_, i) => 1 / (i + 1));
    const sp = new SparseMatchingLaplacian(n, ms).fill(w);
    const eig = symmetricEigenvalues(weightedLaplacian(n, ms, w), n);
    const r = lanczosExtreme((x, y) => sparseMultiply(sp, x, y), n, 'largest', 2 * eig[n - 1]);
    expect(Math.abs(r.value - eig[n - 1])).toBeLessThan(1e-9 * eig[n - 1]);
  });

  it(`above ${DENSE_EIGEN_MAX_SILOS} silos MATCHA's λ2 and α are the dense solver's at the chosen probabilities`, () => {
    const u = generateNetwork({ n: DENSE_EIGEN_MAX_SILOS + 12, seed: 4 });
    const n = u.silos.length;
    const edges = u.links.map((l) => [l.a, l.b] as [number, number]);
    const ms = misraGriesEdgeColoring(n, edges).classes.map((c) => c.map((e) => edges[e]));
    const act = optimizeActivationProbabilities(n, ms, 0.5);
    const dense = fiedler(weightedLaplacian(n, ms, act.probabilities), n).lambda2;
    expect(Math.abs(act.lambda2 - dense)).toBeLessThan(1e-9);
    expect(act.lambda2).toBeGreaterThan(act.uniformLambda2);
    const mix = optimalMixingAlpha(n, ms, act.probabilities);
    const q = mixingQuadratic(n, ms, act.probabilities);
    expect(Math.abs(rho(q, mix.alpha) - mix.rho)).toBeLessThan(1e-9);
    // a minimum: ρ is not lower a little either side (ρ is convex in α)
    expect(rho(q, mix.alpha * 1.01)).toBeGreaterThan(mix.rho - 1e-12);
    expect(rho(q, mix.alpha * 0.99)).toBeGreaterThan(mix.rho - 1e-12);
  });
});
