/**
 * OU-EquiDyn, the one-peer undirected dynamic EquiTopo graph of Song, Li, Jin, Shi, Yan,
 * Yin and Yuan, "Communication-Efficient Topologies for Decentralized Learning with O(1)
 * Consensus Rate" (NeurIPS 2022), section 4, as in the authors' reference implementation
 * (EquiTopo, `OUEquiDyn`).
 *
 * Round k draws a shift u uniformly from the basis set (all of 1..n−1 by default: the
 * "complete" variant with M = n−1; or the shifts a U-EquiStatic draw picked) and a start
 * position s uniformly from 0..n−1. Scanning i = s, s+1, …, s+n−1 (mod n), silo i is
 * matched with j = i + u (mod n) when neither is matched yet. The matching gives the
 * symmetric permutation-like matrix Ã (1 at (i, j) and (j, i) for matched pairs, 1 on the
 * diagonal for unmatched silos) and
 *   W = (1 − η) I + η (I/n + ((n−1)/n) Ã),
 * i.e. a matched silo keeps 1 − η + η/n of its own model and takes η(n−1)/n of its peer's;
 * an unmatched silo keeps its model. W is symmetric and doubly stochastic. With odd n at
 * least one silo is idle every round (the paper's handling of odd n); the greedy scan can
 * leave more idle, even for even n (n = 6, u = 2: silos 4, 5; n = 8, u = 3, s = 0: 6, 7).
 *
 * η ∈ (0, 1]; the default 1/2 is the authors' training setting. (A short calculation for
 * the directed one-peer variant W = (1 − η + η/n) I + η((n−1)/n) P_u, u uniform in
 * 1..n−1, gives E‖(W − J)x‖² = (n−1)/(2n) ‖(I − J)x‖² at η = 1/2, close to the minimum
 * over η, reached at η = n/(2(n−1)): an n-independent consensus rate.)
 *
 * Randomness: round k uses `createRng(seed).fork('equidyn').fork(k)`, so it depends only
 * on (seed, k), never on which rounds were asked for before.
 */
import { DflsimInputError } from '../errors.js';
import { createRng } from '../random.js';
import { checkCount, checkRoundIndex, type MixingSequence, type WeightedRound } from './mixing-sequence.js';

/** Options of {@link equidynSequence}. */
export interface EquidynOptions {
  /** Weight parameter η ∈ (0, 1]. */
  eta?: number;
  /** The basis set of shifts u to draw from (integers in 1..n−1; repeats weigh more). Default: all of 1..n−1. */
  shifts?: readonly number[];
}

/** Defaults of {@link EquidynOptions}: η = 1/2 (the authors' setting); shifts: all of 1..n−1. */
export const DEFAULT_EQUIDYN_OPTIONS: Readonly<{ eta: number }> = Object.freeze({ eta: 0.5 });

/**
 * The matching OU-EquiDyn uses for a shift and a start position.
 * @param n number of silos
 * @param shift u in 1..n−1
 * @param start s in 0..n−1
 * @returns matched pairs [i, i + u mod n] in scan order
 */
export function equidynMatching(n: number, shift: number, start: number): [number, number][] {
  const matched = new Uint8Array(n);
  const pairs: [number, number][] = [];
  for (let t = 0; t < n; t++) {
    const i = (start + t) % n;
    const j = (i + shift) % n;
    if (i === j || matched[i] || matched[j]) continue;
    matched[i] = matched[j] = 1;
    pairs.push([i, j]);
  }
  return pairs;
}

/**
 * OU-EquiDyn on n silos, seeded: a random one-peer undirected sequence (no period).
 * Each matched pair's two directed edges are listed (i→j, then j→i).
 * @param n number of silos (>= 1; for n = 1 every round is empty)
 * @param seed any integer
 * @param opts η and the basis set of shifts
 */
export function equidynSequence(n: number, seed: number, opts: EquidynOptions = {}): MixingSequence {
  checkCount(n, 'equidynSequence.n', 1);
  if (!Number.isFinite(seed)) throw new DflsimInputError('equidynSequence.seed', `must be a finite number, got ${seed}`);
  const eta = opts.eta ?? DEFAULT_EQUIDYN_OPTIONS.eta;
  if (!(eta > 0 && eta <= 1)) throw new DflsimInputError('equidynSequence.eta', `must be in (0, 1], got ${eta}`);
  const shifts = opts.shifts ? opts.shifts.slice() : Array.from({ length: n - 1 }, (_, i) => i + 1);
  shifts.forEach((u, idx) => {
    if (!Number.isInteger(u) || u < 1 || u > n - 1) throw new DflsimInputError(`equidynSequence.shifts[${idx}]`, `shift ${u} is not an integer in 1..${n - 1}`);
  });
  if (n > 1 && shifts.length === 0) throw new DflsimInputError('equidynSequence.shifts', 'needs at least one shift');
  const peerWeight = (eta * (n - 1)) / n;
  const keepWeight = 1 - eta + eta / n;
  const base = createRng(seed).fork('equidyn');
  return {
    n,
    round(k: number): WeightedRound {
      checkRoundIndex(k, 'round');
      const selfWeights = new Array<number>(n).fill(1);
      if (n === 1) return { edges: [], weights: [], selfWeights };
      const rng = base.fork(k);
      const shift = shifts[rng.int(shifts.length)];
      const start = rng.int(n);
      const edges: [number, number][] = [];
      for (const [i, j] of equidynMatching(n, shift, start)) {
        edges.push([i, j], [j, i]);
        selfWeights[i] = selfWeights[j] = keepWeight;
      }
      return { edges, weights: edges.map(() => peerWeight), selfWeights };
    },
  };
}
