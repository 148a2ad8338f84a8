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
 * η ∈ (0, 1] is an option (config `equidynEta`, `--equidyn-eta`). The authors' code
 * defaults to η = 1 (`train.py --eta`, and the consensus notebook), and their deep-learning
 * runs (`run.sh`, 17 nodes) use η = 0.53. dflsim's default is η = n/(2(n−1)), for these
 * reasons:
 * - a matched silo then takes η(n−1)/n = 1/2 of its peer's model: each pair averages
 *   exactly, and an unmatched silo keeps its own;
 * - it minimises the consensus error of every round: with a = η(n−1)/n the weight a silo
 *   takes from its peer, for any matching
 *     ‖(W − J)x‖² = ‖(I − J)x‖² − 2a(1 − a) Σ over matched pairs (x_i − x_j)²,
 *   largest decrease at a = 1/2. For the directed one-peer variant W = (1 − a) I + a P_u,
 *   u uniform in 1..n−1, E‖(W − J)x‖² = (1 − 2a(1 − a) n/(n−1)) ‖(I − J)x‖²: a rate
 *   (n−2)/(2(n−1)) < 1/2 at a = 1/2, against 1 − 2/n at η = 1 (a = (n−1)/n: nearly a swap
 *   of the two models), close to 1 on many silos;
 * - for the authors' 17 nodes it is 17/32 = 0.531, their 0.53.
 * For n = 1 (no pair) η does not matter; the default is then 1.
 *
 * Randomness: round k uses `createRng(seed).fork('equidyn').fork(k)`, so it depends only
 * on (seed, k), never on which rounds were asked for before.
 */
import { DflsimInputError } from '../errors.js';
import { createRng } from '../random.js';
import { checkCount, checkRoundIndex, type MixingSequence, type WeightedRound } from './mixing-sequence.js';

/** Options of {@link equidynSequence}. */
export interface EquidynOptions {
  /** Weight parameter η ∈ (0, 1] (default {@link defaultEquidynEta}(n): matched pairs average exactly). */
  eta?: number;
  /** The basis set of shifts u to draw from (integers in 1..n−1; repeats weigh more). Default: all of 1..n−1. */
  shifts?: readonly number[];
}

/**
 * The default η on n silos: n/(2(n−1)), with which a matched pair averages exactly (see the
 * file comment; 1 for n = 1). The shifts default to all of 1..n−1.
 * @param n number of silos (>= 1)
 */
export function defaultEquidynEta(n: number): number {
  return n > 1 ? n / (2 * (n - 1)) : 1;
}

/** Throw unless η is in (0, 1], naming `where`. */
export function checkEquidynEta(eta: number, where: string): void {
  if (!(eta > 0 && eta <= 1)) throw new DflsimInputError(where, `η must be in (0, 1], got ${eta}`);
}

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
  const eta = opts.eta ?? defaultEquidynEta(n);
  checkEquidynEta(eta, 'equidynSequence.eta');
  const shifts = opts.shifts ? opts.shifts.slice() : Array.from({ length: n - 1 }, (_, i) => i + 1);
  shifts.forEach((u, idx) => {
    if (!Number.isInteger(u) || u < 1 || u > n - 1)
      throw new DflsimInputError(`equidynSequence.shifts[${idx}]`, `shift ${u} is not an integer in 1..${n - 1}`);
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
