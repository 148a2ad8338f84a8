/**
 * MATCHA's activation probabilities (J. Wang, A. K. Sahu, Z. Yang, G. Joshi, S. Kar,
 * "MATCHA: Speeding Up Decentralized SGD via Matching Decomposition Sampling", 2019,
 * section 4, problem (6)): given the matchings' Laplacians L₁ … L_M, choose p ∈ [0,1]^M
 * with Σ p ≤ B·M maximising the algebraic connectivity λ₂(Σ p_m L_m).
 *
 * λ₂ of a Laplacian is the minimum of xᵀLx over unit x ⊥ 1, a minimum of functions
 * linear in p: the objective is concave, and for a Fiedler vector v the vector
 * g_m = vᵀ L_m v = Σ_{(i,j) ∈ m} (v_i − v_j)² is a supergradient. We solve it by
 * projected supergradient ascent (Shor; Boyd & Mutapcic, "Subgradient methods", 2008)
 * with normalised steps η/√(t+1), restarts from the best point with a halved η when
 * progress stalls, and the best iterate kept. The projection onto the capped simplex
 * {0 ≤ p ≤ 1, Σp ≤ b} is clip(y − τ, 0, 1) with τ ≥ 0 found by bisection.
 *
 * Up to {@link DENSE_EIGEN_MAX_SILOS} silos (every shared network) each λ₂ is a dense
 * eigen-solve (O(n³)); above, the Laplacian is kept sparse (compressed rows, refilled per
 * iterate in O(edges)) and λ₂ with its Fiedler vector comes from Lanczos warm-started
 * from the previous iterate's vector, which agrees with the dense solver to the solver
 * tolerance (tested to 1e-8 on random graphs).
 */
import { DflsimInputError } from '../errors.js';
import { fiedler, GroundedCholesky, shiftInvertFiedler, sparseFiedler, type SparseSymmetric } from '../graph/symmetric-eigen.js';

/** A matching: undirected vertex pairs no two of which share a vertex. */
export type Matching = ReadonlyArray<readonly [number, number]>;

/** Options of {@link optimizeActivationProbabilities}. */
export interface ActivationOptions {
  /** Maximum number of supergradient steps. */
  maxIterations: number;
  /** Initial step length (in the Euclidean norm of p). */
  initialStep: number;
  /** Steps without improvement before restarting from the best point with half the step. */
  patience: number;
  /** Stop when the step length falls below this. */
  minStep: number;
  /** Eigen-solver: `auto` (dense up to DENSE_EIGEN_MAX_SILOS silos, Lanczos above), or forced. */
  solver?: 'auto' | 'dense' | 'lanczos';
  /** With the Lanczos solver: shift-invert Lanczos (`auto`: when the Cholesky factor is cheap), or forced on/off. */
  shiftInvert?: 'auto' | 'always' | 'never';
}

/** Shift-invert is used when a factorisation costs at most this many multiply-adds per silo. */
export const SHIFT_INVERT_FLOPS_PER_SILO = 10_000;

/** Defaults of {@link optimizeActivationProbabilities}. */
export const DEFAULT_ACTIVATION_OPTIONS: Readonly<ActivationOptions> = Object.freeze({
  maxIterations: 3000,
  initialStep: 1,
  patience: 25,
  minStep: 1e-3,
});

/** Optimised activation probabilities. */
export interface ActivationResult {
  /** Probability of activating each matching in a round. */
  probabilities: Float64Array;
  /** λ₂(Σ p_m L_m) at those probabilities. */
  lambda2: number;
  /** λ₂ with every matching at the uniform probability b / M (the starting point). */
  uniformLambda2: number;
  /** Supergradient steps taken. */
  iterations: number;
}

/** Check that every matching is a matching on vertices 0..n−1. */
export function validateMatchings(n: number, matchings: ReadonlyArray<Matching>, field = 'matchings'): void {
  matchings.forEach((m, idx) => {
    const used = new Set<number>();
    for (const [a, b] of m) {
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n || a === b) {
        throw new DflsimInputError(`${field}[${idx}]`, `pair ${a}-${b} is not an edge between distinct silos 0..${n - 1}`);
      }
      if (used.has(a) || used.has(b))
        throw new DflsimInputError(`${field}[${idx}]`, `is not a matching: silo ${used.has(a) ? a : b} appears twice`);
      used.add(a);
      used.add(b);
    }
  });
}

/** The dense Laplacian Σ w_m L_m (n × n, row-major) of weighted matchings. */
export function weightedLaplacian(n: number, matchings: ReadonlyArray<Matching>, weights: ArrayLike<number>): Float64Array {
  const L = new Float64Array(n * n);
  matchings.forEach((m, idx) => {
    const w = weights[idx];
    if (w === 0) return;
    for (const [a, b] of m) {
      L[a * n + a] += w;
      L[b * n + b] += w;
      L[a * n + b] -= w;
      L[b * n + a] -= w;
    }
  });
  return L;
}

/** Above this many silos, MATCHA's eigen-solves use sparse Laplacians and Lanczos. */
export const DENSE_EIGEN_MAX_SILOS = 128;

/**
 * The sparsity pattern of Σ w_m L_m for fixed matchings, refilled for each weight vector
 * in O(edges): a compressed-row {@link SparseSymmetric} (diagonal included).
 */
export class SparseMatchingLaplacian {
  readonly matrix: SparseSymmetric;
  /** For matching m, edge e: positions of (a,a), (b,b), (a,b), (b,a) in `values`. */
  private readonly slots: Int32Array[];

  constructor(n: number, matchings: ReadonlyArray<Matching>) {
    // each row's columns: the diagonal and the row's partners, sorted, without repeats
    const count = new Int32Array(n + 1);
    for (const m of matchings)
      for (const [a, b] of m) {
        count[a]++;
        count[b]++;
      }
    const rawStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) rawStart[i + 1] = rawStart[i] + count[i] + 1;
    const raw = new Int32Array(rawStart[n]);
    const fillAt = rawStart.slice(0, n);
    for (let i = 0; i < n; i++) raw[fillAt[i]++] = i;
    for (const m of matchings)
      for (const [a, b] of m) {
        raw[fillAt[a]++] = b;
        raw[fillAt[b]++] = a;
      }
    const rowStart = new Int32Array(n + 1);
    const columns = new Int32Array(raw.length);
    let nnz = 0;
    for (let i = 0; i < n; i++) {
      const row = raw.subarray(rawStart[i], rawStart[i + 1]).sort();
      for (let k = 0; k < row.length; k++) if (k === 0 || row[k] !== row[k - 1]) columns[nnz++] = row[k];
      rowStart[i + 1] = nnz;
    }
    const cols = columns.slice(0, nnz);
    const position = (i: number, j: number): number => {
      let lo = rowStart[i],
        hi = rowStart[i + 1] - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cols[mid] < j) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    this.matrix = { n, rowStart, columns: cols, values: new Float64Array(nnz) };
    this.slots = matchings.map((m) => {
      const out = new Int32Array(m.length * 4);
      m.forEach(([a, b], e) => {
        out[4 * e] = position(a, a);
        out[4 * e + 1] = position(b, b);
        out[4 * e + 2] = position(a, b);
        out[4 * e + 3] = position(b, a);
      });
      return out;
    });
  }

  /** Set the matrix to Σ w_m L_m. */
  fill(weights: ArrayLike<number>): SparseSymmetric {
    const v = this.matrix.values;
    v.fill(0);
    this.slots.forEach((slot, idx) => {
      const w = weights[idx];
      if (w === 0) return;
      for (let k = 0; k < slot.length; k += 4) {
        v[slot[k]] += w;
        v[slot[k + 1]] += w;
        v[slot[k + 2]] -= w;
        v[slot[k + 3]] -= w;
      }
    });
    return this.matrix;
  }
}

/** λ₂(Σ p_m L_m): the algebraic connectivity of the expected graph. */
export function expectedAlgebraicConnectivity(n: number, matchings: ReadonlyArray<Matching>, p: ArrayLike<number>): number {
  if (n > DENSE_EIGEN_MAX_SILOS) return sparseFiedler(new SparseMatchingLaplacian(n, matchings).fill(p)).lambda2;
  return fiedler(weightedLaplacian(n, matchings, p), n).lambda2;
}

/**
 * Euclidean projection onto {0 ≤ p ≤ 1, Σ p ≤ cap}: clip(y − τ, 0, 1) with the smallest
 * τ ≥ 0 meeting the sum constraint (found by bisection). Returns a new array.
 */
export function projectCappedSimplex(y: ArrayLike<number>, cap: number): Float64Array {
  const m = y.length;
  const clipSum = (tau: number, out?: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < m; i++) {
      const v = Math.min(1, Math.max(0, y[i] - tau));
      if (out) out[i] = v;
      s += v;
    }
    return s;
  };
  const out = new Float64Array(m);
  if (clipSum(0, out) <= cap) return out;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < m; i++) hi = Math.max(hi, y[i]);
  for (let it = 0; it < 200 && hi - lo > 1e-15 * Math.max(1, hi); it++) {
    const mid = 0.5 * (lo + hi);
    if (clipSum(mid) > cap) lo = mid;
    else hi = mid;
  }
  clipSum(hi, out);
  return out;
}

/**
 * Activation probabilities maximising λ₂(Σ p_m L_m) subject to 0 ≤ p ≤ 1 and
 * Σ p ≤ budget · M (Wang et al. 2019, problem (6)), by projected supergradient ascent.
 * @param n number of silos
 * @param matchings the matchings (from an edge colouring)
 * @param budget communication budget B in (0, 1]: the expected fraction of matchings active per round
 */
export function optimizeActivationProbabilities(
  n: number,
  matchings: ReadonlyArray<Matching>,
  budget: number,
  options: Partial<ActivationOptions> = {},
): ActivationResult {
  const opt = { ...DEFAULT_ACTIVATION_OPTIONS, ...options };
  if (!(budget > 0 && budget <= 1)) throw new DflsimInputError('budget', `the communication budget must be in (0, 1], got ${budget}`);
  if (!Number.isInteger(n) || n < 2) throw new DflsimInputError('n', `MATCHA needs at least two silos, got ${n}`);
  validateMatchings(n, matchings);
  const M = matchings.length;
  if (M === 0) throw new DflsimInputError('matchings', 'there are no matchings (the base graph has no edges)');
  const cap = budget * M;
  let p: Float64Array = new Float64Array(M).fill(Math.min(1, cap / M));
  if (budget >= 1) {
    const lambda2 = expectedAlgebraicConnectivity(n, matchings, p);
    return { probabilities: p, lambda2, uniformLambda2: lambda2, iterations: 0 };
  }
  const useSparse = opt.solver === 'lanczos' || ((opt.solver ?? 'auto') === 'auto' && n > DENSE_EIGEN_MAX_SILOS);
  const sparse = useSparse ? new SparseMatchingLaplacian(n, matchings) : null;
  // shift-invert (a Cholesky factor per iterate) when the factor is cheap: at most about
  // as many multiply-adds as SHIFT_INVERT_FLOPS_PER_SILO per silo (geographic underlays:
  // a band of a few dozen); plain Lanczos otherwise (dense graphs, whose λ2 is well
  // separated anyway)
  const chol = sparse && (opt.shiftInvert ?? 'auto') !== 'never' ? new GroundedCholesky(sparse.matrix) : null;
  const useShiftInvert = chol !== null && (opt.shiftInvert === 'always' || chol.factorFlops <= SHIFT_INVERT_FLOPS_PER_SILO * n);
  let previous: Float64Array | undefined;
  const evaluate = (q: Float64Array): { lambda2: number; g: Float64Array } => {
    const { lambda2, vector } = sparse
      ? useShiftInvert
        ? shiftInvertFiedler(sparse.fill(q), chol!, previous)
        : sparseFiedler(sparse.fill(q), previous)
      : fiedler(weightedLaplacian(n, matchings, q), n);
    previous = vector;
    const g = new Float64Array(M);
    matchings.forEach((m, idx) => {
      let s = 0;
      for (const [a, b] of m) {
        const d = vector[a] - vector[b];
        s += d * d;
      }
      g[idx] = s;
    });
    return { lambda2, g };
  };
  let cur = evaluate(p);
  const uniformLambda2 = cur.lambda2;
  // λ2 ≤ tr(L)/(n−1) = 2 Σ p_m |m| / (n−1), and the largest feasible 2 Σ p_m |m| fills the
  // largest matchings first: an upper bound of the optimum. Above DENSE_EIGEN_MAX_SILOS
  // silos the ascent stops as soon as the best λ2 is within a relative 1e-9 of it (e.g.
  // at the start for the round-robin matchings of a complete graph, where uniform p is
  // optimal); up to 128 silos the ascent runs exactly as before.
  let upperBound = Infinity;
  if (n > DENSE_EIGEN_MAX_SILOS) {
    const sizes = matchings.map((m) => m.length).sort((x, y) => y - x);
    let room = cap,
      trace = 0;
    for (const size of sizes) {
      const q = Math.min(1, room);
      if (!(q > 0)) break;
      trace += 2 * q * size;
      room -= q;
    }
    upperBound = trace / (n - 1);
  }
  const certified = (value: number): boolean => value >= upperBound * (1 - 1e-9);
  let best = p,
    bestValue = cur.lambda2,
    bestEval = cur;
  let step = opt.initialStep;
  let sinceRestart = 0,
    sinceImprovement = 0;
  let it = 0;
  // stop when a window of iterations improves the best λ2 by less than a relative 1e-6
  const WINDOW = 50;
  let windowStart = bestValue;
  for (; it < opt.maxIterations && step >= opt.minStep; it++) {
    if (certified(bestValue)) break;
    if (it > 0 && it % WINDOW === 0) {
      if (bestValue - windowStart <= 1e-6 * Math.abs(bestValue)) break;
      windowStart = bestValue;
    }
    let gn = 0;
    for (let i = 0; i < M; i++) gn += cur.g[i] * cur.g[i];
    gn = Math.sqrt(gn);
    if (!(gn > 0)) break;
    const eta = step / Math.sqrt(sinceRestart + 1);
    const y = new Float64Array(M);
    for (let i = 0; i < M; i++) y[i] = p[i] + (eta * cur.g[i]) / gn;
    p = projectCappedSimplex(y, cap);
    cur = evaluate(p);
    sinceRestart++;
    if (cur.lambda2 > bestValue * (1 + 1e-12)) {
      best = p;
      bestValue = cur.lambda2;
      bestEval = cur;
      sinceImprovement = 0;
    } else if (++sinceImprovement >= opt.patience) {
      step /= 2;
      p = best;
      cur = bestEval;
      sinceRestart = 0;
      sinceImprovement = 0;
    }
  }
  return { probabilities: best, lambda2: bestValue, uniformLambda2, iterations: it };
}
