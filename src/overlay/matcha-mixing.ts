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
import { largestEigenvalue, lanczosExtreme, sparseMultiply } from '../graph/symmetric-eigen.js';
import { DENSE_EIGEN_MAX_SILOS, SparseMatchingLaplacian, validateMatchings, weightedLaplacian, type Matching } from './matcha-probabilities.js';

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
  const variance = weightedLaplacian(n, matchings, Array.from({ length: matchings.length }, (_, m) => 2 * p[m] * (1 - p[m])));
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
  let lo = 0, hi = 2 / lmax;
  const invPhi = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - invPhi * (hi - lo), x2 = lo + invPhi * (hi - lo);
  let f1 = rho(q, x1), f2 = rho(q, x2);
  while (hi - lo > tolerance * (2 / lmax)) {
    if (f1 <= f2) {
      hi = x2; x2 = x1; f2 = f1;
      x1 = hi - invPhi * (hi - lo); f1 = rho(q, x1);
    } else {
      lo = x1; x1 = x2; f1 = f2;
      x2 = lo + invPhi * (hi - lo); f2 = rho(q, x2);
    }
  }
  const alpha = 0.5 * (lo + hi);
  return { alpha, rho: rho(q, alpha) };
}

/** {@link optimalMixingAlpha} with sparse matrices and Lanczos (large n). */
function sparseOptimalMixingAlpha(n: number, matchings: ReadonlyArray<Matching>, p: ArrayLike<number>, tolerance: number): MixingResult {
  validateMatchings(n, matchings);
  const b = new SparseMatchingLaplacian(n, matchings).fill(p);
  const variance = new SparseMatchingLaplacian(n, matchings).fill(Array.from({ length: matchings.length }, (_, m) => 2 * p[m] * (1 - p[m])));
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    for (let k = b.rowStart[i]; k < b.rowStart[i + 1]; k++) if (b.columns[k] === i) maxDiag = Math.max(maxDiag, b.values[k]);
  }
  const lmaxBound = 2 * maxDiag;
  if (!(lmaxBound > 0)) return { alpha: 0, rho: 1 };
  const lmax = lanczosExtreme((x, y) => sparseMultiply(b, x, y), n, 'largest', lmaxBound).value;
  if (!(lmax > 0)) return { alpha: 0, rho: 1 };
  const bx = new Float64Array(n), bbx = new Float64Array(n), vx = new Float64Array(n);
  let previous: Float64Array | undefined;
  const rhoAt = (alpha: number): number => {
    // |E[WᵀW] − J| ≤ 1 + 2α|L̄| + α²(|L̄|² + |V|) on 1⊥
    const scale = 1 + 2 * alpha * lmaxBound + alpha * alpha * (lmaxBound * lmaxBound + lmaxBound);
    const r = lanczosExtreme((x, y) => {
      sparseMultiply(b, x, bx);
      sparseMultiply(b, bx, bbx);
      sparseMultiply(variance, x, vx);
      let mean = 0;
      for (let i = 0; i < n; i++) mean += x[i];
      mean /= n;
      for (let i = 0; i < n; i++) y[i] = x[i] - mean - 2 * alpha * bx[i] + alpha * alpha * (bbx[i] + vx[i]);
    }, n, 'largest', scale, previous);
    previous = r.vector;
    return r.value;
  };
  let lo = 0, hi = 2 / lmax;
  const invPhi = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - invPhi * (hi - lo), x2 = lo + invPhi * (hi - lo);
  let f1 = rhoAt(x1), f2 = rhoAt(x2);
  while (hi - lo > tolerance * (2 / lmax)) {
    if (f1 <= f2) {
      hi = x2; x2 = x1; f2 = f1;
      x1 = hi - invPhi * (hi - lo); f1 = rhoAt(x1);
    } else {
      lo = x1; x1 = x2; f1 = f2;
      x2 = lo + invPhi * (hi - lo); f2 = rhoAt(x2);
    }
  }
  const alpha = 0.5 * (lo + hi);
  return { alpha, rho: rhoAt(alpha) };
}
