/**
 * A small, fast dense symmetric eigen-solver for the few eigenpairs MATCHA needs (the
 * Fiedler pair of a Laplacian, the largest eigenvalue of a PSD matrix) at up to a few
 * hundred silos.
 *
 * Method (Golub & Van Loan, "Matrix Computations", 4th ed.: 8.3.1 Householder
 * tridiagonalisation, 8.4.1 Sturm sequences and bisection, 8.2.2 inverse iteration):
 * reduce A to a tridiagonal T = Qᵀ A Q with n−2 Householder reflections (≈ 4n³/3
 * flops), locate the k-th smallest eigenvalue of T by bisection on the Sturm count
 * (O(n) per step), get its eigenvector by inverse iteration on T − λI (a tridiagonal LU
 * with partial pivoting, O(n)), and map it back with the reflections (O(n²)).
 * mathjs's `eigs` takes about 250 ms on an 87 × 87 Laplacian; this takes about 1 ms
 * (see `bench/matcha.ts`).
 *
 * Matrices are dense row-major `Float64Array`s of length n·n and are never modified.
 */
import { DflsimInputError } from '../errors.js';

/** A symmetric tridiagonal matrix with the reflections that produced it. */
export interface Tridiagonal {
  n: number;
  /** Diagonal of T (length n). */
  diag: Float64Array;
  /** Sub-diagonal of T (length n−1): `off[i] = T[i+1][i]`. */
  off: Float64Array;
  /** Unit Householder vectors: reflection k acts on indices k+1..n−1 (null: identity). */
  reflectors: (Float64Array | null)[];
}

function checkSquare(a: ArrayLike<number>, n: number, field: string): void {
  if (!Number.isInteger(n) || n < 1) throw new DflsimInputError(field, `the dimension must be a positive integer, got ${n}`);
  if (a.length !== n * n) throw new DflsimInputError(field, `expected ${n * n} entries (${n} × ${n}), got ${a.length}`);
}

/**
 * Householder reduction of a symmetric matrix to tridiagonal form, T = Qᵀ A Q with
 * Q = H₀ H₁ … H_{n−3}. Only the lower triangle of A is read (A is assumed symmetric).
 * @param a symmetric n × n matrix, row-major
 * @param n dimension
 */
export function tridiagonalize(a: ArrayLike<number>, n: number): Tridiagonal {
  checkSquare(a, n, 'tridiagonalize.a');
  const A = Float64Array.from(a);
  const diag = new Float64Array(n);
  const off = new Float64Array(Math.max(n - 1, 0));
  const reflectors: (Float64Array | null)[] = [];
  const p = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    diag[k] = A[k * n + k];
    const m = n - k - 1;
    const s = k + 1;
    const x0 = A[s * n + k];
    let tail2 = 0;
    for (let i = 1; i < m; i++) { const x = A[(s + i) * n + k]; tail2 += x * x; }
    // Nothing to annihilate below the sub-diagonal: no reflection needed.
    if (tail2 === 0) { off[k] = x0; reflectors.push(null); continue; }
    const norm2 = x0 * x0 + tail2;
    const norm = Math.sqrt(norm2);
    const alpha = x0 >= 0 ? -norm : norm;
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = A[(s + i) * n + k];
    v[0] -= alpha;
    let vn = 0;
    for (let i = 0; i < m; i++) vn += v[i] * v[i];
    vn = Math.sqrt(vn);
    for (let i = 0; i < m; i++) v[i] /= vn;
    // p = A_sub v ; w = 2p − 2(vᵀp)v ; A_sub −= v wᵀ + w vᵀ  (A_sub ← H A_sub H).
    // Only the lower triangle (j <= i) is read and written.
    p.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const row = (s + i) * n + s;
      const vi = v[i];
      let acc = 0;
      for (let j = 0; j < i; j++) {
        const x = A[row + j];
        acc += x * v[j];
        p[j] += x * vi;
      }
      p[i] += acc + A[row + i] * vi;
    }
    let vp = 0;
    for (let i = 0; i < m; i++) vp += v[i] * p[i];
    for (let i = 0; i < m; i++) p[i] = 2 * p[i] - 2 * vp * v[i];
    for (let i = 0; i < m; i++) {
      const row = (s + i) * n + s;
      const vi = v[i], wi = p[i];
      for (let j = 0; j <= i; j++) A[row + j] -= vi * p[j] + wi * v[j];
    }
    off[k] = alpha;
    reflectors.push(v);
  }
  if (n >= 2) {
    diag[n - 2] = A[(n - 2) * n + (n - 2)];
    off[n - 2] = A[(n - 1) * n + (n - 2)];
  }
  diag[n - 1] = A[(n - 1) * n + (n - 1)];
  return { n, diag, off, reflectors };
}

/** Number of eigenvalues of the tridiagonal (diag, off) strictly below `x` (Sturm count). */
export function sturmCount(diag: Float64Array, off: Float64Array, x: number): number {
  const n = diag.length;
  let count = 0;
  let q = diag[0] - x;
  if (q < 0) count++;
  for (let i = 1; i < n; i++) {
    if (q === 0) q = Number.EPSILON * (Math.abs(off[i - 1]) + Math.abs(x)) + 1e-300;
    q = diag[i] - x - (off[i - 1] * off[i - 1]) / q;
    if (q < 0) count++;
  }
  return count;
}

/** Gershgorin interval containing every eigenvalue of the tridiagonal. */
function gershgorin(diag: Float64Array, off: Float64Array): [number, number] {
  const n = diag.length;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? Math.abs(off[i - 1]) : 0) + (i + 1 < n ? Math.abs(off[i]) : 0);
    lo = Math.min(lo, diag[i] - r);
    hi = Math.max(hi, diag[i] + r);
  }
  const pad = 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi));
  return [lo - pad, hi + pad];
}

/**
 * The k-th smallest eigenvalue (0-based) of a symmetric tridiagonal matrix, by bisection
 * on the Sturm count, to about machine precision relative to the matrix norm.
 */
export function tridiagonalEigenvalue(diag: Float64Array, off: Float64Array, k: number): number {
  const n = diag.length;
  if (!Number.isInteger(k) || k < 0 || k >= n) throw new DflsimInputError('tridiagonalEigenvalue.k', `k must be an integer in 0..${n - 1}, got ${k}`);
  let [lo, hi] = gershgorin(diag, off);
  const scale = Math.max(Math.abs(lo), Math.abs(hi), 1e-300);
  for (let it = 0; it < 200 && hi - lo > 4 * Number.EPSILON * scale; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (sturmCount(diag, off, mid) > k) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * An eigenvector of the tridiagonal for the eigenvalue `lambda`, by inverse iteration
 * on T − λI (tridiagonal LU with partial pivoting; tiny pivots are replaced so the
 * nearly singular system stays solvable). Unit length.
 */
export function tridiagonalEigenvector(diag: Float64Array, off: Float64Array, lambda: number, iterations = 3): Float64Array {
  const n = diag.length;
  const x = new Float64Array(n);
  if (n === 1) { x[0] = 1; return x; }
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i]) + (i > 0 ? Math.abs(off[i - 1]) : 0) + (i + 1 < n ? Math.abs(off[i]) : 0));
  const tiny = Number.EPSILON * Math.max(norm, 1e-300);
  // LU of T − λI: multipliers dl, U's diagonal d and super-diagonals du, du2.
  const dl = Float64Array.from(off);
  const du = Float64Array.from(off);
  const du2 = new Float64Array(Math.max(n - 2, 0));
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = diag[i] - lambda;
  const swapped = new Uint8Array(n);
  for (let i = 0; i + 1 < n; i++) {
    if (Math.abs(d[i]) >= Math.abs(dl[i])) {
      if (Math.abs(d[i]) < tiny) d[i] = d[i] < 0 ? -tiny : tiny;
      const f = dl[i] / d[i];
      dl[i] = f;
      d[i + 1] -= f * du[i];
    } else {
      swapped[i] = 1;
      const f = d[i] / dl[i];
      const oldD1 = d[i + 1];
      const oldDu = du[i];
      d[i] = dl[i];
      dl[i] = f;
      du[i] = oldD1;
      d[i + 1] = oldDu - f * oldD1;
      if (i + 2 < n) {
        du2[i] = du[i + 1];
        du[i + 1] = -f * du[i + 1];
      }
    }
  }
  if (Math.abs(d[n - 1]) < tiny) d[n - 1] = d[n - 1] < 0 ? -tiny : tiny;
  // A fixed, non-special starting vector.
  let seed = 0x2545f491;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    x[i] = 0.5 + seed / 4294967296;
  }
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i + 1 < n; i++) {
      if (swapped[i]) { const t = x[i]; x[i] = x[i + 1]; x[i + 1] = t; }
      x[i + 1] -= dl[i] * x[i];
    }
    x[n - 1] /= d[n - 1];
    x[n - 2] = (x[n - 2] - du[n - 2] * x[n - 1]) / d[n - 2];
    for (let i = n - 3; i >= 0; i--) x[i] = (x[i] - du[i] * x[i + 1] - du2[i] * x[i + 2]) / d[i];
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * x[i];
    s = Math.sqrt(s);
    if (!(s > 0) || !Number.isFinite(s)) throw new Error('dflsim/overlay/symmetric-eigen: inverse iteration failed (internal error)');
    for (let i = 0; i < n; i++) x[i] /= s;
  }
  return x;
}

/** Map a vector of T's basis back to A's: y = Q z. Returns a new vector. */
export function backTransform(t: Tridiagonal, z: ArrayLike<number>): Float64Array {
  const y = Float64Array.from(z);
  for (let k = t.reflectors.length - 1; k >= 0; k--) {
    const v = t.reflectors[k];
    if (!v) continue;
    const s0 = k + 1;
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i] * y[s0 + i];
    for (let i = 0; i < v.length; i++) y[s0 + i] -= 2 * dot * v[i];
  }
  return y;
}

/** All eigenvalues of a symmetric matrix, ascending (bisection; O(n³) for the reduction). */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  const t = tridiagonalize(a, n);
  return Float64Array.from({ length: n }, (_, k) => tridiagonalEigenvalue(t.diag, t.off, k));
}

/** An eigenpair. */
export interface Eigenpair {
  value: number;
  /** Unit eigenvector. */
  vector: Float64Array;
}

/**
 * The k-th smallest eigenvalue (0-based) of a symmetric matrix and an eigenvector for it
 * (any unit vector of the eigenspace when the eigenvalue is repeated).
 */
export function symmetricEigenpair(a: ArrayLike<number>, n: number, k: number): Eigenpair {
  const t = tridiagonalize(a, n);
  const value = tridiagonalEigenvalue(t.diag, t.off, k);
  const z = tridiagonalEigenvector(t.diag, t.off, value);
  const vector = backTransform(t, z);
  let s = 0;
  for (let i = 0; i < n; i++) s += vector[i] * vector[i];
  s = Math.sqrt(s);
  for (let i = 0; i < n; i++) vector[i] /= s;
  return { value, vector };
}

/** The largest eigenvalue of a symmetric matrix. */
export function largestEigenvalue(a: ArrayLike<number>, n: number): number {
  const t = tridiagonalize(a, n);
  return tridiagonalEigenvalue(t.diag, t.off, n - 1);
}

/**
 * The algebraic connectivity λ₂ of a graph Laplacian (its second-smallest eigenvalue)
 * and a Fiedler vector: a unit eigenvector for λ₂ orthogonal to the all-ones vector.
 * Computed as the smallest eigenpair of L + μ·11ᵀ/n with μ above every eigenvalue of L,
 * which moves the all-ones direction out of the way.
 * @param laplacian n × n Laplacian (symmetric, rows summing to 0), row-major
 */
export function fiedler(laplacian: ArrayLike<number>, n: number): { lambda2: number; vector: Float64Array } {
  checkSquare(laplacian, n, 'fiedler.laplacian');
  if (n < 2) throw new DflsimInputError('fiedler.laplacian', 'λ2 needs at least two vertices');
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(laplacian[i * n + i]));
  const mu = 2 * maxDiag + 1;
  const shifted = Float64Array.from(laplacian);
  const add = mu / n;
  for (let i = 0; i < n * n; i++) shifted[i] += add;
  const { value, vector } = symmetricEigenpair(shifted, n, 0);
  // Remove any all-ones component inverse iteration may have left.
  let mean = 0;
  for (let i = 0; i < n; i++) mean += vector[i];
  mean /= n;
  let s = 0;
  for (let i = 0; i < n; i++) { vector[i] -= mean; s += vector[i] * vector[i]; }
  s = Math.sqrt(s);
  if (s > 0) for (let i = 0; i < n; i++) vector[i] /= s;
  return { lambda2: value, vector };
}

/** A symmetric linear operator y = A x on vectors of length n (y is overwritten). */
export type SymmetricOperator = (x: Float64Array, y: Float64Array) => void;

/** Options of {@link lanczosExtreme}. */
export interface LanczosOptions {
  /** Largest Krylov basis before an explicit restart from the current Ritz vector. */
  maxBasis: number;
  /** Restarts allowed before giving up (an internal error: the tolerance is not met). */
  maxRestarts: number;
  /** Stop when the residual ‖A y − θ y‖ is below tolerance × scale. */
  tolerance: number;
}

const DEFAULT_LANCZOS: LanczosOptions = { maxBasis: 160, maxRestarts: 400, tolerance: 1e-11 };

/**
 * The smallest or largest eigenpair of a symmetric operator restricted to the complement
 * of the all-ones vector, by Lanczos with full reorthogonalisation and explicit restarts
 * from the Ritz vector (Golub & Van Loan, 4th ed., 10.1 and 10.3; Saad, "Numerical
 * Methods for Large Eigenvalue Problems", 2011, 6.3). Each step costs one product with
 * the operator and O(n k) for a basis of k vectors; a good `start` (e.g. the previous
 * solution of a nearby problem) makes it converge in a few steps.
 * @param apply the operator (A 1 need not be 0: every vector is kept orthogonal to 1)
 * @param scale a bound on |A|'s eigenvalues (sets the absolute tolerance)
 * @param start starting vector (any; projected and normalised), default a fixed pseudo-random one
 */
export function lanczosExtreme(
  apply: SymmetricOperator,
  n: number,
  which: 'smallest' | 'largest',
  scale: number,
  start?: ArrayLike<number>,
  options: Partial<LanczosOptions> = {},
): { value: number; vector: Float64Array; steps: number } {
  const opt = { ...DEFAULT_LANCZOS, ...options };
  if (n < 2) throw new DflsimInputError('lanczos.n', 'needs at least two dimensions');
  const kMax = Math.max(2, Math.min(opt.maxBasis, n - 1));
  const tol = opt.tolerance * Math.max(scale, 1e-300);
  const deflate = (x: Float64Array): void => {
    let m = 0;
    for (let i = 0; i < n; i++) m += x[i];
    m /= n;
    for (let i = 0; i < n; i++) x[i] -= m;
  };
  const normalise = (x: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * x[i];
    s = Math.sqrt(s);
    if (s > 0) for (let i = 0; i < n; i++) x[i] /= s;
    return s;
  };
  let v = new Float64Array(n);
  if (start) for (let i = 0; i < n; i++) v[i] = start[i];
  deflate(v);
  if (!(normalise(v) > 0) || !v.every(Number.isFinite)) {
    let seed = 0x9e3779b9;
    for (let i = 0; i < n; i++) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; v[i] = seed / 4294967296 - 0.5; }
    deflate(v);
    normalise(v);
  }
  const basis: Float64Array[] = [];
  const w = new Float64Array(n);
  let steps = 0;
  for (let restart = 0; restart <= opt.maxRestarts; restart++) {
    basis.length = 0;
    basis.push(v);
    const alpha: number[] = [];
    const beta: number[] = [];
    let theta = NaN;
    let s: Float64Array | null = null;
    let converged = false;
    for (let j = 0; j < kMax; j++) {
      const q = basis[j];
      apply(q, w);
      steps++;
      deflate(w);
      let a = 0;
      for (let i = 0; i < n; i++) a += q[i] * w[i];
      alpha.push(a);
      // full reorthogonalisation, twice ("twice is enough", Parlett)
      for (let pass = 0; pass < 2; pass++) {
        for (const b of basis) {
          let d = 0;
          for (let i = 0; i < n; i++) d += b[i] * w[i];
          for (let i = 0; i < n; i++) w[i] -= d * b[i];
        }
        deflate(w);
      }
      let bnorm = 0;
      for (let i = 0; i < n; i++) bnorm += w[i] * w[i];
      bnorm = Math.sqrt(bnorm);
      const last = j === kMax - 1 || bnorm <= tol || basis.length === n - 1;
      if (last || j % 4 === 3) {
        const diag = Float64Array.from(alpha);
        const off = Float64Array.from(beta);
        theta = tridiagonalEigenvalue(diag, off, which === 'smallest' ? 0 : diag.length - 1);
        s = tridiagonalEigenvector(diag, off, theta);
        if (Math.abs(bnorm * s[s.length - 1]) <= tol) { converged = true; break; }
      }
      if (last) break;
      beta.push(bnorm);
      const next = new Float64Array(n);
      for (let i = 0; i < n; i++) next[i] = w[i] / bnorm;
      basis.push(next);
    }
    const y = new Float64Array(n);
    for (let k = 0; k < s!.length; k++) {
      const c = s![k], b = basis[k];
      for (let i = 0; i < n; i++) y[i] += c * b[i];
    }
    deflate(y);
    normalise(y);
    if (converged || basis.length >= n - 1) {
      // the Rayleigh quotient of the normalised Ritz vector
      apply(y, w);
      deflate(w);
      let rq = 0;
      for (let i = 0; i < n; i++) rq += y[i] * w[i];
      return { value: Number.isFinite(rq) ? rq : theta, vector: y, steps };
    }
    v = y;
  }
  throw new Error(`dflsim/overlay/symmetric-eigen: Lanczos did not converge in ${steps} steps (internal error)`);
}

/** A sparse symmetric matrix in compressed rows (each row's columns ascending, diagonal included). */
export interface SparseSymmetric {
  n: number;
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float64Array;
}

/** y = A x for a compressed-row matrix. */
export function sparseMultiply(a: SparseSymmetric, x: Float64Array, y: Float64Array): void {
  const { n, rowStart, columns, values } = a;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let p = rowStart[i]; p < rowStart[i + 1]; p++) acc += values[p] * x[columns[p]];
    y[i] = acc;
  }
}

/**
 * λ₂ and a Fiedler vector of a sparse Laplacian by {@link lanczosExtreme} (the smallest
 * eigenpair on the complement of 1), optionally warm-started from a previous vector.
 * Agrees with the dense {@link fiedler} to the eigen-solver tolerance (λ₂ to about 1e-11
 * of the largest degree); the vector is defined up to sign, and only up to the
 * eigenspace when λ₂ is repeated.
 */
export function sparseFiedler(laplacian: SparseSymmetric, start?: ArrayLike<number>, options: Partial<LanczosOptions> = {}): { lambda2: number; vector: Float64Array; steps: number } {
  const n = laplacian.n;
  if (n < 2) throw new DflsimInputError('fiedler.laplacian', 'λ2 needs at least two vertices');
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    for (let p = laplacian.rowStart[i]; p < laplacian.rowStart[i + 1]; p++) if (laplacian.columns[p] === i) maxDiag = Math.max(maxDiag, Math.abs(laplacian.values[p]));
  }
  const r = lanczosExtreme((x, y) => sparseMultiply(laplacian, x, y), n, 'smallest', 2 * maxDiag + 1e-300, start, options);
  return { lambda2: r.value, vector: r.vector, steps: r.steps };
}
