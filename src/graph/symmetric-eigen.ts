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
    for (let i = 1; i < m; i++) {
      const x = A[(s + i) * n + k];
      tail2 += x * x;
    }
    // Nothing to annihilate below the sub-diagonal: no reflection needed.
    if (tail2 === 0) {
      off[k] = x0;
      reflectors.push(null);
      continue;
    }
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
      const vi = v[i],
        wi = p[i];
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
  let lo = Infinity,
    hi = -Infinity;
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
  if (!Number.isInteger(k) || k < 0 || k >= n)
    throw new DflsimInputError('tridiagonalEigenvalue.k', `k must be an integer in 0..${n - 1}, got ${k}`);
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
  if (n === 1) {
    x[0] = 1;
    return x;
  }
  let norm = 0;
  for (let i = 0; i < n; i++)
    norm = Math.max(norm, Math.abs(diag[i]) + (i > 0 ? Math.abs(off[i - 1]) : 0) + (i + 1 < n ? Math.abs(off[i]) : 0));
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
      if (swapped[i]) {
        const t = x[i];
        x[i] = x[i + 1];
        x[i + 1] = t;
      }
      x[i + 1] -= dl[i] * x[i];
    }
    x[n - 1] /= d[n - 1];
    x[n - 2] = (x[n - 2] - du[n - 2] * x[n - 1]) / d[n - 2];
    for (let i = n - 3; i >= 0; i--) x[i] = (x[i] - du[i] * x[i + 1] - du2[i] * x[i + 2]) / d[i];
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * x[i];
    s = Math.sqrt(s);
    if (!(s > 0) || !Number.isFinite(s)) throw new Error('dflsim/graph/symmetric-eigen: inverse iteration failed (internal error)');
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
  for (let i = 0; i < n; i++) {
    vector[i] -= mean;
    s += vector[i] * vector[i];
  }
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
  /** Use max(scale, |θ|) as the scale, θ the current Ritz value (for `largest` of a PSD operator whose norm is unknown). */
  relativeToRitzValue?: boolean;
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
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      v[i] = seed / 4294967296 - 0.5;
    }
    deflate(v);
    normalise(v);
  }
  const basis: Float64Array[] = [];
  const w = new Float64Array(n);
  let steps = 0,
    maxAlpha = 0;
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
      if (Math.abs(a) > maxAlpha) maxAlpha = Math.abs(a);
      const breakdown = opt.relativeToRitzValue ? Math.max(tol, opt.tolerance * maxAlpha) : tol;
      const last = j === kMax - 1 || bnorm <= breakdown || basis.length === n - 1;
      if (last || j % 4 === 3) {
        const diag = Float64Array.from(alpha);
        const off = Float64Array.from(beta);
        theta = tridiagonalEigenvalue(diag, off, which === 'smallest' ? 0 : diag.length - 1);
        s = tridiagonalEigenvector(diag, off, theta);
        const tolNow = opt.relativeToRitzValue ? Math.max(tol, opt.tolerance * Math.abs(theta)) : tol;
        if (Math.abs(bnorm * s[s.length - 1]) <= tolNow) {
          converged = true;
          break;
        }
      }
      if (last) break;
      beta.push(bnorm);
      const next = new Float64Array(n);
      for (let i = 0; i < n; i++) next[i] = w[i] / bnorm;
      basis.push(next);
    }
    const y = new Float64Array(n);
    for (let k = 0; k < s!.length; k++) {
      const c = s![k],
        b = basis[k];
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
  throw new Error(`dflsim/graph/symmetric-eigen: Lanczos did not converge in ${steps} steps (internal error)`);
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
export function sparseFiedler(
  laplacian: SparseSymmetric,
  start?: ArrayLike<number>,
  options: Partial<LanczosOptions> = {},
): { lambda2: number; vector: Float64Array; steps: number } {
  const n = laplacian.n;
  if (n < 2) throw new DflsimInputError('fiedler.laplacian', 'λ2 needs at least two vertices');
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    for (let p = laplacian.rowStart[i]; p < laplacian.rowStart[i + 1]; p++)
      if (laplacian.columns[p] === i) maxDiag = Math.max(maxDiag, Math.abs(laplacian.values[p]));
  }
  const r = lanczosExtreme((x, y) => sparseMultiply(laplacian, x, y), n, 'smallest', 2 * maxDiag + 1e-300, start, options);
  return { lambda2: r.value, vector: r.vector, steps: r.steps };
}

/**
 * A Cholesky factorisation of a grounded Laplacian (the Laplacian with one vertex's row
 * and column removed, positive definite when the weighted graph is connected), in
 * envelope ("skyline") storage after a reverse Cuthill-McKee ordering (Cuthill & McKee
 * 1969; George & Liu, "Computer Solution of Large Sparse Positive Definite Systems",
 * 1981, chapter 4). The ordering and envelope depend only on the sparsity pattern: build
 * once, then {@link GroundedCholesky.factor} for each set of values. For geographic
 * graphs the envelope is small (a band of a few dozen), so a factorisation costs about
 * as much as a few hundred matrix-vector products and a solve as a few.
 *
 * With it, x ↦ L⁺x on 1⊥ is a solve (vertex g's value pinned to 0, then the mean
 * removed): rows other than g give L y = x there, and row g follows since 1ᵀL = 0 and
 * 1ᵀx = 0.
 */
export class GroundedCholesky {
  readonly n: number;
  /** The grounded vertex. */
  readonly ground: number;
  /** Reduced index (0..n−2, in RCM order) of each vertex; −1 for the grounded one. */
  private readonly position: Int32Array;
  /** Vertex of each reduced index. */
  private readonly vertex: Int32Array;
  /** Envelope: row i holds columns first[i]..i at offset[i]..offset[i]+i−first[i]. */
  private readonly first: Int32Array;
  private readonly offset: Int32Array;
  private readonly env: Float64Array;
  /** For each stored entry of the sparse matrix: its envelope slot, or −1 (upper triangle or grounded). */
  private readonly slot: Int32Array;
  /** Multiply-adds of one factorisation. */
  readonly factorFlops: number;
  private readonly work: Float64Array;

  constructor(pattern: SparseSymmetric) {
    const { n, rowStart, columns } = pattern;
    if (n < 2) throw new DflsimInputError('fiedler.laplacian', 'λ2 needs at least two vertices');
    this.n = n;
    const degree = new Int32Array(n);
    for (let i = 0; i < n; i++) for (let p = rowStart[i]; p < rowStart[i + 1]; p++) if (columns[p] !== i) degree[i]++;
    // Cuthill-McKee: breadth-first from a low-degree, far-away vertex of each component,
    // neighbours in increasing degree; then reversed.
    const order = new Int32Array(n);
    const visited = new Uint8Array(n);
    const level = new Int32Array(n);
    const bfs = (root: number, out: Int32Array | null, mark: Uint8Array): number => {
      // returns the last vertex reached (in the deepest level, lowest degree)
      let head = 0,
        tail = 0;
      const queue = out ?? new Int32Array(n);
      const base = out ? count : 0;
      queue[base + tail++] = root;
      mark[root] = 1;
      level[root] = 0;
      let far = root;
      while (head < tail) {
        const v = queue[base + head++];
        if (level[v] > level[far] || (level[v] === level[far] && degree[v] < degree[far])) far = v;
        const nb: number[] = [];
        for (let p = rowStart[v]; p < rowStart[v + 1]; p++) {
          const w = columns[p];
          if (w !== v && !mark[w]) {
            mark[w] = 1;
            level[w] = level[v] + 1;
            nb.push(w);
          }
        }
        nb.sort((x, y) => degree[x] - degree[y] || x - y);
        for (const w of nb) queue[base + tail++] = w;
      }
      if (out) count += tail;
      return far;
    };
    let count = 0;
    for (let start = 0; start < n; start++) {
      if (visited[start]) continue;
      // the component's lowest-degree vertex, then twice "the farthest from it"
      const comp = new Uint8Array(n);
      const members: number[] = [];
      {
        const q = [start];
        comp[start] = 1;
        while (q.length) {
          const v = q.pop()!;
          members.push(v);
          for (let p = rowStart[v]; p < rowStart[v + 1]; p++) {
            const w = columns[p];
            if (!comp[w]) {
              comp[w] = 1;
              q.push(w);
            }
          }
        }
      }
      let root = members[0];
      for (const v of members) if (degree[v] < degree[root] || (degree[v] === degree[root] && v < root)) root = v;
      for (let pass = 0; pass < 2; pass++) {
        const mark = new Uint8Array(n);
        root = bfs(root, null, mark);
      }
      bfs(root, order, visited);
    }
    order.reverse();
    // ground the last vertex of the reversed order (a peripheral one)
    this.ground = order[n - 1];
    const N = n - 1;
    this.position = new Int32Array(n).fill(-1);
    this.vertex = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      this.vertex[i] = order[i];
      this.position[order[i]] = i;
    }
    this.first = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      const v = this.vertex[i];
      let f = i;
      for (let p = rowStart[v]; p < rowStart[v + 1]; p++) {
        const j = this.position[columns[p]];
        if (j >= 0 && j < f) f = j;
      }
      this.first[i] = f;
    }
    this.offset = new Int32Array(N + 1);
    let flops = 0;
    for (let i = 0; i < N; i++) {
      const w = i - this.first[i] + 1;
      this.offset[i + 1] = this.offset[i] + w;
      flops += (w * (w + 1)) / 2;
    }
    this.factorFlops = flops;
    this.env = new Float64Array(this.offset[N]);
    this.slot = new Int32Array(columns.length).fill(-1);
    for (let v = 0; v < n; v++) {
      const i = this.position[v];
      if (i < 0) continue;
      for (let p = rowStart[v]; p < rowStart[v + 1]; p++) {
        const j = this.position[columns[p]];
        if (j >= 0 && j <= i) this.slot[p] = this.offset[i] + j - this.first[i];
      }
    }
    this.work = new Float64Array(N);
  }

  /** Envelope entries (the factor's storage). */
  get envelopeSize(): number {
    return this.env.length;
  }

  /**
   * Factor the grounded matrix of `a` (same pattern as the constructor's). Returns false
   * when a pivot is not positive beyond rounding (the weighted graph is disconnected or
   * nearly so): the solves are then not to be used.
   */
  factor(a: SparseSymmetric): boolean {
    const { env, first, offset, slot } = this;
    const N = this.n - 1;
    env.fill(0);
    const vals = a.values;
    for (let p = 0; p < slot.length; p++) if (slot[p] >= 0) env[slot[p]] += vals[p];
    for (let i = 0; i < N; i++) {
      const fi = first[i],
        oi = offset[i] - fi; // env[oi + j] = L[i][j]
      for (let j = fi; j < i; j++) {
        const fj = first[j],
          oj = offset[j] - fj;
        let acc = env[oi + j];
        for (let kk = fi > fj ? fi : fj; kk < j; kk++) acc -= env[oi + kk] * env[oj + kk];
        env[oi + j] = acc / env[oj + j];
      }
      const aii = env[oi + i];
      let d = aii;
      for (let kk = fi; kk < i; kk++) d -= env[oi + kk] * env[oi + kk];
      if (!(d > 1e-13 * Math.abs(aii)) || !Number.isFinite(d)) return false;
      env[oi + i] = Math.sqrt(d);
    }
    return true;
  }

  /** y = L⁺x for x ⊥ 1 (x is projected first), using the last successful {@link factor}. */
  applyPseudoInverse(x: Float64Array, y: Float64Array): void {
    const { env, first, offset, vertex, work: z } = this;
    const n = this.n,
      N = n - 1;
    let mean = 0;
    for (let v = 0; v < n; v++) mean += x[v];
    mean /= n;
    for (let i = 0; i < N; i++) {
      const fi = first[i],
        oi = offset[i] - fi;
      let acc = x[vertex[i]] - mean;
      for (let kk = fi; kk < i; kk++) acc -= env[oi + kk] * z[kk];
      z[i] = acc / env[oi + i];
    }
    for (let i = N - 1; i >= 0; i--) {
      const fi = first[i],
        oi = offset[i] - fi;
      const yi = z[i] / env[oi + i];
      z[i] = yi;
      for (let kk = fi; kk < i; kk++) z[kk] -= env[oi + kk] * yi;
    }
    let m2 = 0;
    for (let i = 0; i < N; i++) m2 += z[i];
    m2 /= n;
    y[this.ground] = -m2;
    for (let i = 0; i < N; i++) y[vertex[i]] = z[i] - m2;
  }
}

/**
 * λ₂ and a Fiedler vector of a sparse Laplacian by shift-invert: Lanczos for the largest
 * eigenpair of L⁺ on 1⊥ (its eigenvalue 1/λ₂ is well separated from 1/λ₃ even when λ₂ is
 * tiny next to λmax, where plain Lanczos needs hundreds of steps), solves by a
 * {@link GroundedCholesky}; λ₂ is then the Rayleigh quotient of L at the vector. The
 * result is accepted when L's residual ‖Lv − λ₂v‖ meets the same bound as
 * {@link sparseFiedler}'s (tolerance × 2·max degree); otherwise (or when the factorisation
 * fails: a disconnected weighted graph, λ₂ = 0) plain Lanczos finishes from the vector.
 * @param chol built for the laplacian's pattern (refactored here with its values)
 */
export function shiftInvertFiedler(
  laplacian: SparseSymmetric,
  chol: GroundedCholesky,
  start?: ArrayLike<number>,
  options: Partial<LanczosOptions> = {},
): { lambda2: number; vector: Float64Array; steps: number } {
  const n = laplacian.n;
  const tolerance = options.tolerance ?? DEFAULT_LANCZOS.tolerance;
  if (!chol.factor(laplacian)) return sparseFiedler(laplacian, start, options);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    for (let p = laplacian.rowStart[i]; p < laplacian.rowStart[i + 1]; p++)
      if (laplacian.columns[p] === i) maxDiag = Math.max(maxDiag, Math.abs(laplacian.values[p]));
  }
  const r = lanczosExtreme((x, y) => chol.applyPseudoInverse(x, y), n, 'largest', 0, start, {
    ...options,
    tolerance: tolerance / 10,
    relativeToRitzValue: true,
  });
  const v = r.vector;
  const lv = new Float64Array(n);
  sparseMultiply(laplacian, v, lv);
  let rq = 0,
    vv = 0;
  for (let i = 0; i < n; i++) {
    rq += v[i] * lv[i];
    vv += v[i] * v[i];
  }
  rq /= vv;
  let res = 0;
  for (let i = 0; i < n; i++) {
    const d = lv[i] - rq * v[i];
    res += d * d;
  }
  if (Math.sqrt(res / vv) <= tolerance * (2 * maxDiag) && Number.isFinite(rq)) return { lambda2: rq, vector: v, steps: r.steps };
  const f = sparseFiedler(laplacian, v, options);
  return { lambda2: f.lambda2, vector: f.vector, steps: r.steps + f.steps };
}
