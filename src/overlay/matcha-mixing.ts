/**
 * MATCHA's mixing parameter (Wang et al. 2019, "MATCHA: Speeding Up Decentralized SGD
 * via Matching Decomposition Sampling", section 4 and Theorem 2): in round k the silos
 * mix with W = I − α L, L = Σ_m B_m L_m, B_m ~ Bernoulli(p_m) independent. The error
 * contracts in expectation by ρ(α) = ‖E[WᵀW] − J‖₂ with J = 11ᵀ/n; α minimises ρ.
 *
 * Closed form. W is symmetric, so E[WᵀW] = E[W²] = I − 2α E[L] + α² E[L²], with
 *   E[L]  = L̄ = Σ p_m L_m,
 *   E[L²] = Σ_m Σ_m' E[B_m B_m'] L_m L_m' = Σ_m p_m L_m² + Σ_{m≠m'} p_m p_m' L_m L_m'
 *         = L̄² + Σ_m p_m (1 − p_m) L_m²,
 * and for a matching L_m² = 2 L_m (each edge's (e_i − e_j)(e_i − e_j)ᵀ squares to twice
 * itself, and disjoint edges' terms multiply to 0). Hence
 *   E[WᵀW] − J = (I − J) − 2α L̄ + α² (L̄² + 2 Σ_m p_m(1 − p_m) L_m).
 * On 1⊥ this is E[‖Wx‖²] ≥ 0 and it maps 1 to 0, so ρ(α) is its largest eigenvalue: a
 * maximum of quadratics xᵀ(·)x convex in α, hence convex, with ρ(0) = 1. For the top
 * eigenvector x of L̄, xᵀ(·)x ≥ (1 − α λmax(L̄))², which is ≥ 1 at α = 2 / λmax(L̄); so the
 * minimiser lies in [0, 2 / λmax(L̄)], where golden-section search finds it.
 *
 * Above {@link DENSE_EIGEN_MAX_SILOS} silos nothing dense is formed: ρ(α) is the largest
 * eigenvalue of the operator x ↦ (x − x̄) − 2α L̄x + α²(L̄(L̄x) + 2 Σ p_m(1 − p_m) L_m x)
 * on 1⊥ with sparse L̄, by Lanczos warm-started from the previous α's eigenvector.
 */
import { GroundedCholesky, largestEigenvalue, lanczosExtreme, sparseMultiply, type SparseSymmetric } from '../graph/symmetric-eigen.js';
import {
  DENSE_EIGEN_MAX_SILOS,
  SparseMatchingLaplacian,
  validateMatchings,
  weightedLaplacian,
  type Matching,
} from './matcha-probabilities.js';

/** The pieces of ρ(α): E[WᵀW] − J = A − 2α B + α² C. */
export interface MixingQuadratic {
  n: number;
  /** I − J (n × n). */
  a: Float64Array;
  /** L̄ = Σ p_m L_m. */
  b: Float64Array;
  /** E[L²] = L̄² + 2 Σ p_m (1 − p_m) L_m. */
  c: Float64Array;
}

/** Build the matrices of ρ(α) for matchings activated independently with probabilities `p`. */
export function mixingQuadratic(n: number, matchings: ReadonlyArray<Matching>, p: ArrayLike<number>): MixingQuadratic {
  validateMatchings(n, matchings);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (i === j ? 1 : 0) - 1 / n;
  const b = weightedLaplacian(n, matchings, p);
  const variance = weightedLaplacian(
    n,
    matchings,
    Array.from({ length: matchings.length }, (_, m) => 2 * p[m] * (1 - p[m])),
  );
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const bik = b[i * n + k];
      if (bik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += bik * b[k * n + j];
    }
  }
  for (let i = 0; i < n * n; i++) c[i] += variance[i];
  return { n, a, b, c };
}

/** ρ(α) = ‖E[WᵀW] − J‖₂ (the largest eigenvalue, the matrix being PSD). */
export function rho(q: MixingQuadratic, alpha: number): number {
  const m = new Float64Array(q.n * q.n);
  for (let i = 0; i < m.length; i++) m[i] = q.a[i] - 2 * alpha * q.b[i] + alpha * alpha * q.c[i];
  return largestEigenvalue(m, q.n);
}

/** The optimal mixing parameter. */
export interface MixingResult {
  /** α minimising ρ. */
  alpha: number;
  /** ρ(α) at the optimum (< 1 when the expected graph is connected). */
  rho: number;
}

/**
 * The α of W = I − α L minimising ρ(α) = ‖E[WᵀW] − J‖₂ (Wang et al. 2019), by
 * golden-section search on [0, 2 / λmax(L̄)] (ρ is convex; see the file comment).
 * @param n number of silos
 * @param matchings the matchings
 * @param p activation probability of each matching
 */
export function optimalMixingAlpha(n: number, matchings: ReadonlyArray<Matching>, p: ArrayLike<number>, tolerance = 1e-10): MixingResult {
  if (n > DENSE_EIGEN_MAX_SILOS) return sparseOptimalMixingAlpha(n, matchings, p, tolerance);
  const q = mixingQuadratic(n, matchings, p);
  const lmax = largestEigenvalue(q.b, n);
  if (!(lmax > 0)) return { alpha: 0, rho: 1 };
  let lo = 0,
    hi = 2 / lmax;
  const invPhi = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - invPhi * (hi - lo),
    x2 = lo + invPhi * (hi - lo);
  let f1 = rho(q, x1),
    f2 = rho(q, x2);
  while (hi - lo > tolerance * (2 / lmax)) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - invPhi * (hi - lo);
      f1 = rho(q, x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + invPhi * (hi - lo);
      f2 = rho(q, x2);
    }
  }
  const alpha = 0.5 * (lo + hi);
  return { alpha, rho: rho(q, alpha) };
}

/** {@link optimalMixingAlpha} with sparse matrices and Lanczos (large n). */
function sparseOptimalMixingAlpha(n: number, matchings: ReadonlyArray<Matching>, p: ArrayLike<number>, tolerance: number): MixingResult {
  validateMatchings(n, matchings);
  const b = new SparseMatchingLaplacian(n, matchings).fill(p);
  const variance = new SparseMatchingLaplacian(n, matchings).fill(
    Array.from({ length: matchings.length }, (_, m) => 2 * p[m] * (1 - p[m])),
  );
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    for (let k = b.rowStart[i]; k < b.rowStart[i + 1]; k++) if (b.columns[k] === i) maxDiag = Math.max(maxDiag, b.values[k]);
  }
  const lmaxBound = 2 * maxDiag;
  if (!(lmaxBound > 0)) return { alpha: 0, rho: 1 };
  const lmax = lanczosExtreme((x, y) => sparseMultiply(b, x, y), n, 'largest', lmaxBound).value;
  if (!(lmax > 0)) return { alpha: 0, rho: 1 };
  const bx = new Float64Array(n),
    bbx = new Float64Array(n),
    vx = new Float64Array(n);
  const applyAt =
    (alpha: number) =>
    (x: Float64Array, y: Float64Array): void => {
      sparseMultiply(b, x, bx);
      sparseMultiply(b, bx, bbx);
      sparseMultiply(variance, x, vx);
      let mean = 0;
      for (let i = 0; i < n; i++) mean += x[i];
      mean /= n;
      for (let i = 0; i < n; i++) y[i] = x[i] - mean - 2 * alpha * bx[i] + alpha * alpha * (bbx[i] + vx[i]);
    };
  // Shift-invert: ρ(α) = 1 − μ with μ the smallest eigenvalue on 1⊥ of
  // N(α) = 2α L̄ − α² (L̄² + V) (= I − E[WᵀW] there; N 1 = 0, positive definite on 1⊥
  // exactly when ρ < 1), i.e. 1/μ is the largest eigenvalue of N⁺, far from the rest
  // where plain Lanczos would crawl through the eigenvalues of E[WᵀW] clustered near 1.
  // Used when N's grounded Cholesky factor is cheap (sparse, banded underlays) and
  // accepted only when E[WᵀW]'s residual meets the plain path's bound; otherwise (ρ ≥ 1,
  // dense graphs) plain Lanczos.
  // forming L̄² costs Σ_i Σ_{k ∈ row i} |row k| multiply-adds: only for sparse L̄
  let productCost = 0;
  for (let i = 0; i < n; i++)
    for (let p = b.rowStart[i]; p < b.rowStart[i + 1]; p++) {
      const c = b.columns[p];
      productCost += b.rowStart[c + 1] - b.rowStart[c];
    }
  const quad = productCost <= 1000 * n ? squaredPattern(b, variance) : null;
  const chol = quad ? new GroundedCholesky(quad.n2) : null;
  const useShiftInvert = chol !== null && chol.factorFlops <= 10_000 * n;
  const nValues = quad ? quad.n2.values : new Float64Array(0);
  const mv = new Float64Array(n);
  let previous: Float64Array | undefined;
  const rhoAt = (alpha: number): number => {
    // |E[WᵀW] − J| ≤ 1 + 2α|L̄| + α²(|L̄|² + |V|) on 1⊥
    const scale = 1 + 2 * alpha * lmaxBound + alpha * alpha * (lmaxBound * lmaxBound + lmaxBound);
    const apply = applyAt(alpha);
    if (useShiftInvert && quad && chol) {
      for (let p = 0; p < nValues.length; p++) nValues[p] = 2 * alpha * quad.b[p] - alpha * alpha * (quad.bb[p] + quad.v[p]);
      if (chol.factor(quad.n2)) {
        const r = lanczosExtreme((x, y) => chol.applyPseudoInverse(x, y), n, 'largest', 0, previous, {
          tolerance: 1e-12,
          relativeToRitzValue: true,
        });
        const y = r.vector;
        apply(y, mv);
        let rq = 0,
          yy = 0;
        for (let i = 0; i < n; i++) {
          rq += y[i] * mv[i];
          yy += y[i] * y[i];
        }
        rq /= yy;
        let res = 0;
        for (let i = 0; i < n; i++) {
          const d = mv[i] - rq * y[i];
          res += d * d;
        }
        if (Number.isFinite(rq) && Math.sqrt(res / yy) <= 1e-11 * scale) {
          previous = y;
          return rq;
        }
      }
    }
    const r = lanczosExtreme(apply, n, 'largest', scale, previous);
    previous = r.vector;
    return r.value;
  };
  let lo = 0,
    hi = 2 / lmax;
  const invPhi = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - invPhi * (hi - lo),
    x2 = lo + invPhi * (hi - lo);
  let f1 = rhoAt(x1),
    f2 = rhoAt(x2);
  while (hi - lo > tolerance * (2 / lmax)) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - invPhi * (hi - lo);
      f1 = rhoAt(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + invPhi * (hi - lo);
      f2 = rhoAt(x2);
    }
  }
  const alpha = 0.5 * (lo + hi);
  return { alpha, rho: rhoAt(alpha) };
}

/**
 * The pattern of L̄² (two hops, diagonal included) as a {@link SparseSymmetric} `n2`
 * (values to be filled), with L̄, L̄² and V scattered onto it (`b`, `bb`, `v`, aligned
 * with `n2.columns`).
 */
function squaredPattern(
  b: SparseSymmetric,
  variance: SparseSymmetric,
): { n2: SparseSymmetric; b: Float64Array; bb: Float64Array; v: Float64Array } {
  const { n, rowStart, columns, values } = b;
  const outStart = new Int32Array(n + 1);
  const cols: number[] = [];
  const bbVals: number[] = [];
  const acc = new Float64Array(n);
  const mark = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let p = rowStart[i]; p < rowStart[i + 1]; p++) {
      const k = columns[p],
        bik = values[p];
      for (let q = rowStart[k]; q < rowStart[k + 1]; q++) {
        const j = columns[q];
        if (mark[j] !== i) {
          mark[j] = i;
          acc[j] = 0;
          row.push(j);
        }
        acc[j] += bik * values[q];
      }
    }
    if (mark[i] !== i) {
      mark[i] = i;
      acc[i] = 0;
      row.push(i);
    }
    row.sort((x, y) => x - y);
    for (const j of row) {
      cols.push(j);
      bbVals.push(acc[j]);
    }
    outStart[i + 1] = cols.length;
  }
  const n2: SparseSymmetric = { n, rowStart: outStart, columns: Int32Array.from(cols), values: new Float64Array(cols.length) };
  const scatter = (a: SparseSymmetric): Float64Array => {
    const out = new Float64Array(cols.length);
    for (let i = 0; i < n; i++) {
      let q = outStart[i];
      for (let p = a.rowStart[i]; p < a.rowStart[i + 1]; p++) {
        while (n2.columns[q] < a.columns[p]) q++;
        out[q] += a.values[p];
      }
    }
    return out;
  };
  return { n2, b: scatter(b), bb: Float64Array.from(bbVals), v: scatter(variance) };
}
