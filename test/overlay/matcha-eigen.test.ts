/**
 * The symmetric eigen-solver used by MATCHA, checked against mathjs `eigs`.
 */
import { eigs } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random.js';
import { fiedler, largestEigenvalue, symmetricEigenpair, symmetricEigenvalues } from '../../src/graph/symmetric-eigen.js';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const x = rng.normal();
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  return a;
}

function randomLaplacian(n: number, density: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (rng.next() >= density) continue;
      const w = rng.next();
      l[i * n + j] -= w;
      l[j * n + i] -= w;
      l[i * n + i] += w;
      l[j * n + j] += w;
    }
  }
  return l;
}

function toRows(a: Float64Array, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
}

function mathjsValues(a: Float64Array, n: number): number[] {
  const r = eigs(toRows(a, n), { eigenvectors: false });
  return (r.values as number[]).slice().sort((x, y) => x - y);
}

function residual(a: Float64Array, n: number, lambda: number, v: Float64Array): number {
  let r = 0;
  for (let i = 0; i < n; i++) {
    let s = -lambda * v[i];
    for (let j = 0; j < n; j++) s += a[i * n + j] * v[j];
    r = Math.max(r, Math.abs(s));
  }
  return r;
}

describe('symmetric eigen-solver', () => {
  it.each([1, 2, 3, 5, 12, 30, 87])('eigenvalues of a random symmetric matrix of size %i match mathjs', (n) => {
    const a = randomSymmetric(n, 1000 + n);
    const mine = symmetricEigenvalues(a, n);
    const ref = mathjsValues(a, n);
    const scale = Math.max(1, ...ref.map(Math.abs));
    for (let i = 0; i < n; i++) expect(Math.abs(mine[i] - ref[i])).toBeLessThan(1e-10 * scale);
    expect(largestEigenvalue(a, n)).toBeCloseTo(ref[n - 1], 9);
  });

  it.each([4, 20, 87])('every eigenpair of a random symmetric matrix of size %i has a small residual', (n) => {
    const a = randomSymmetric(n, 7 * n);
    for (const k of [0, Math.floor(n / 2), n - 1]) {
      const { value, vector } = symmetricEigenpair(a, n, k);
      expect(residual(a, n, value, vector)).toBeLessThan(1e-9 * Math.sqrt(n));
    }
  });

  it.each([
    [6, 0.6],
    [40, 0.1],
    [87, 0.04],
  ])('λ2 and Fiedler vector of a random %i-silo Laplacian match mathjs', (n, density) => {
    const l = randomLaplacian(n, density, 31 * n);
    const { lambda2, vector } = fiedler(l, n);
    const ref = mathjsValues(l, n);
    expect(Math.abs(lambda2 - ref[1])).toBeLessThan(1e-10 * Math.max(1, ref[n - 1]));
    expect(residual(l, n, lambda2, vector)).toBeLessThan(1e-8);
    const sum = vector.reduce((s, x) => s + x, 0);
    expect(Math.abs(sum)).toBeLessThan(1e-9);
    expect(vector.reduce((s, x) => s + x * x, 0)).toBeCloseTo(1, 12);
  });

  it('handles repeated and zero eigenvalues (complete and disconnected graphs)', () => {
    const n = 9;
    const k = new Float64Array(n * n).fill(-1);
    for (let i = 0; i < n; i++) k[i * n + i] = n - 1;
    const kf = fiedler(k, n);
    expect(kf.lambda2).toBeCloseTo(n, 10); // multiplicity n − 1
    expect(residual(k, n, kf.lambda2, kf.vector)).toBeLessThan(1e-9);
    // two disjoint triangles: λ2 = 0, the Fiedler vector separates them
    const t = new Float64Array(36);
    for (const [a, b] of [
      [0, 1],
      [1, 2],
      [0, 2],
      [3, 4],
      [4, 5],
      [3, 5],
    ]) {
      t[a * 6 + b] = -1;
      t[b * 6 + a] = -1;
      t[a * 6 + a]++;
      t[b * 6 + b]++;
    }
    const tf = fiedler(t, 6);
    expect(Math.abs(tf.lambda2)).toBeLessThan(1e-12);
    expect(residual(t, 6, 0, tf.vector)).toBeLessThan(1e-9);
  });

  it("at 87 silos gives mathjs's λ2 (times printed, not asserted)", () => {
    const n = 87;
    const l = randomLaplacian(n, 0.04, 5);
    let t0 = performance.now();
    const reps = 50;
    let f = fiedler(l, n);
    for (let i = 1; i < reps; i++) f = fiedler(l, n);
    const mine = (performance.now() - t0) / reps;
    t0 = performance.now();
    const ref = mathjsValues(l, n);
    const theirs = performance.now() - t0;
    console.log(`87 × 87 Laplacian: fiedler() ${mine.toFixed(2)} ms per call, mathjs eigs ${theirs.toFixed(0)} ms`);
    const scale = Math.max(1, ...ref.map(Math.abs));
    expect(Math.abs(f.lambda2 - ref[1])).toBeLessThan(1e-10 * scale);
    expect(residual(l, n, f.lambda2, f.vector)).toBeLessThan(1e-9 * scale);
  });
});
