/**
 * Weighted graph sequences: the common currency of the decentralised-learning topologies
 * that mix with a (possibly time-varying) doubly- or row-stochastic matrix, such as the
 * exponential graphs (Ying et al., NeurIPS 2021, "Exponential Graph is Provably Efficient
 * for Decentralized Deep Training"), the Base-(k+1) graphs (Takezawa et al., NeurIPS 2023,
 * "Beyond Exponential Graph: Communication-Efficient Topologies for Decentralized Learning
 * via Finite-time Convergence") and EquiDyn (Song et al., NeurIPS 2022,
 * "Communication-Efficient Topologies for Decentralized Learning with O(1) Consensus
 * Rate").
 *
 * A round is the DPASGD gossip step x ← W x with W[to][from] the weight silo `to` gives to
 * the model it received from `from`; several rounds compose right to left: after rounds
 * 0..T−1 the models are W(T−1) ⋯ W(1) W(0) x. The helpers here are pure and dense
 * (n × n), meant for checks and for small n (a few hundred silos).
 */
import { DflsimInputError } from '../errors.js';

/** One round of a weighted graph: silo `to` mixes x_to <- selfWeights[to] * x_to + sum over edges e with edges[e][1] === to of weights[e] * x_{edges[e][0]}. Rows sum to 1. */
export interface WeightedRound {
  edges: [number, number][];
  weights: number[];
  selfWeights: number[];
}

/** A (possibly time-varying) graph sequence over n silos; `round(k)` for k >= 0 must be a pure function of k (and of the seed given at construction). `period` is the length after which a deterministic sequence repeats (undefined for random ones). */
export interface MixingSequence {
  n: number;
  period?: number;
  round(k: number): WeightedRound;
}

/**
 * The dense mixing matrix of one round: `W[to][from]`, with the self weights on the
 * diagonal. Parallel edges add up.
 * @param r the round
 * @param n number of silos
 * @returns n rows of length n
 */
export function mixingMatrix(r: WeightedRound, n: number): Float64Array[] {
  checkCount(n, 'mixingMatrix.n', 0);
  if (r.selfWeights.length !== n)
    throw new DflsimInputError('mixingMatrix.selfWeights', `has ${r.selfWeights.length} entries for ${n} silos`);
  if (r.weights.length !== r.edges.length)
    throw new DflsimInputError('mixingMatrix.weights', `has ${r.weights.length} entries for ${r.edges.length} edges`);
  const w = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) w[i][i] = r.selfWeights[i];
  r.edges.forEach(([from, to], e) => {
    if (!isIndex(from, n) || !isIndex(to, n))
      throw new DflsimInputError(`mixingMatrix.edges[${e}]`, `edge ${from}->${to} has an end outside 0..${n - 1}`);
    w[to][from] += r.weights[e];
  });
  return w;
}

/**
 * The product A·B of two dense square matrices (rows of equal length).
 * @returns a new matrix; neither input is modified
 */
export function matrixProduct(a: readonly Float64Array[], b: readonly Float64Array[]): Float64Array[] {
  const n = a.length;
  if (b.length !== n || a.some((row) => row.length !== n) || b.some((row) => row.length !== n)) {
    throw new DflsimInputError('matrixProduct', `needs two square matrices of the same size, got ${n} and ${b.length} rows`);
  }
  const out = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const ai = a[i],
      oi = out[i];
    for (let m = 0; m < n; m++) {
      const aim = ai[m];
      if (aim === 0) continue;
      const bm = b[m];
      for (let j = 0; j < n; j++) oi[j] += aim * bm[j];
    }
  }
  return out;
}

/** The n × n identity matrix. */
export function identityMatrix(n: number): Float64Array[] {
  checkCount(n, 'identityMatrix.n', 0);
  return Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(n);
    row[i] = 1;
    return row;
  });
}

/**
 * The matrix that `count` consecutive rounds apply, W(start+count−1) ⋯ W(start+1) W(start)
 * (the first round acts first).
 * @param seq the sequence
 * @param start first round (>= 0)
 * @param count number of rounds (>= 0; 0 gives the identity)
 */
export function sequenceProduct(seq: MixingSequence, start: number, count: number): Float64Array[] {
  checkCount(start, 'sequenceProduct.start', 0);
  checkCount(count, 'sequenceProduct.count', 0);
  let p = identityMatrix(seq.n);
  for (let k = start; k < start + count; k++) p = matrixProduct(mixingMatrix(seq.round(k), seq.n), p);
  return p;
}

/** max over i, j of |M[i][j] − 1/n|: how far M is from exact averaging J = (1/n) 11ᵀ. */
export function distanceFromAverage(m: readonly Float64Array[]): number {
  const n = m.length;
  let worst = 0;
  for (const row of m) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(row[j] - 1 / n));
  return worst;
}

/**
 * Move a sequence defined on positions 0..n−1 onto silos: `order[p]` is the silo at
 * position p, so a position edge p→q becomes the silo edge order[p]→order[q] and the
 * self weight of position p becomes that of silo order[p]. Weights and edge order are
 * kept.
 * @param seq the sequence on positions
 * @param order a permutation of 0..n−1
 */
export function relabel(seq: MixingSequence, order: readonly number[]): MixingSequence {
  const n = seq.n;
  if (order.length !== n) throw new DflsimInputError('relabel.order', `has ${order.length} entries for ${n} silos`);
  const seen = new Uint8Array(n);
  order.forEach((s, p) => {
    if (!isIndex(s, n)) throw new DflsimInputError(`relabel.order[${p}]`, `silo ${s} is outside 0..${n - 1}`);
    if (seen[s]) throw new DflsimInputError(`relabel.order[${p}]`, `silo ${s} appears twice`);
    seen[s] = 1;
  });
  const map = order.slice();
  const out: MixingSequence = {
    n,
    round(k: number): WeightedRound {
      const r = seq.round(k);
      const selfWeights = new Array<number>(n);
      r.selfWeights.forEach((w, p) => {
        selfWeights[map[p]] = w;
      });
      return { edges: r.edges.map(([a, b]) => [map[a], map[b]] as [number, number]), weights: r.weights.slice(), selfWeights };
    },
  };
  if (seq.period !== undefined) out.period = seq.period;
  return out;
}

/** Throw unless `k` is a valid round index (a non-negative integer). */
export function checkRoundIndex(k: number, where: string): void {
  if (!Number.isInteger(k) || k < 0) throw new DflsimInputError(where, `round index must be a non-negative integer, got ${k}`);
}

/** A copy of a round (so callers may modify what `round(k)` returns). */
export function copyRound(r: WeightedRound): WeightedRound {
  return { edges: r.edges.map(([a, b]) => [a, b] as [number, number]), weights: r.weights.slice(), selfWeights: r.selfWeights.slice() };
}

/**
 * A deterministic sequence that repeats the given rounds (copied on every call).
 * @param n number of silos
 * @param rounds one period (at least one round)
 */
export function periodicSequence(n: number, rounds: readonly WeightedRound[]): MixingSequence {
  if (rounds.length === 0) throw new DflsimInputError('periodicSequence.rounds', 'a period needs at least one round');
  const stored = rounds.map(copyRound);
  return {
    n,
    period: stored.length,
    round(k: number): WeightedRound {
      checkRoundIndex(k, 'round');
      return copyRound(stored[k % stored.length]);
    },
  };
}

/** Throw unless `n` is an integer >= `min`. */
export function checkCount(n: number, where: string, min: number): void {
  if (!Number.isInteger(n) || n < min) throw new DflsimInputError(where, `must be an integer >= ${min}, got ${n}`);
}

function isIndex(i: number, n: number): boolean {
  return Number.isInteger(i) && i >= 0 && i < n;
}
