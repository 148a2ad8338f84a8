/**
 * The Base-(k+1) graph of Takezawa, Sato, Bao, Niwa and Yamada, "Beyond Exponential Graph:
 * Communication-Efficient Topologies for Decentralized Learning via Finite-time
 * Convergence" (NeurIPS 2023): for any number of silos n and any maximum degree k, a
 * finite sequence of rounds in which every silo exchanges with at most k peers per round
 * and the product of the rounds' mixing matrices is exactly (1/n) 11ᵀ.
 *
 * Building blocks, as in the paper (sections 4 and 5):
 *
 * - **k-peer hyper-hypercube** H_k(V) for |V| = n₁ × ⋯ × n_L with every n_l ∈ [2, k+1]:
 *   write a silo's index in the mixed radix (n₁, …, n_L); in round l the silos that differ
 *   only in digit l form a clique of n_l ≤ k+1 silos that averages uniformly (weights
 *   1/n_l). After the L rounds every silo holds the average. We use a factorisation with
 *   the fewest factors.
 * - **Simple Base-(k+1) graph** for any n (the paper's Algorithm 1): write n in base k+1,
 *   n = a₁(k+1)^p₁ + ⋯ + a_L(k+1)^p_L with p₁ > ⋯ > p_L ≥ 0 and a_l ∈ [1, k]; split the
 *   silos into consecutive groups V_l of a_l (k+1)^p_l silos and each V_l into a_l
 *   subgroups V_{l,a} of (k+1)^p_l silos. Then
 *   1. every V_l averages internally with H_k(V_l) (all groups at once; a group that
 *      finishes early idles);
 *   2. for s = 1, …, L−1, one round: every silo i of V_{s+1} ∪ ⋯ ∪ V_L pairs with one
 *      fresh silo of each subgroup V_{s,a} (a_s ≤ k peers; there are enough, as
 *      |V_{s+1}| + ⋯ + |V_L| < (k+1)^p_s), and each pair exchanges with weight
 *      (k+1)^p_s / S_s where S_s = |V_s| + ⋯ + |V_L|. Silo i then holds the average of
 *      V_s ∪ ⋯ ∪ V_L weighted by group size, which is the global average once s = L−1;
 *      every subgroup V_{s,a} now has the global average as its mean;
 *   3. right after its round of step 2, each subgroup V_{s,a} averages internally with
 *      H_k(V_{s,a}) (p_s rounds); V_1's subgroups finish last.
 *   Length |H_k(V_1)| + 1 + p₁.
 * - **Base-(k+1) graph** (the paper's Algorithm 2): write n = n_s · n_r with n_s the
 *   (k+1)-smooth part of n (every prime factor ≤ k+1) and n_r coprime to all of 2..k+1.
 *   Either run the simple Base-(k+1) graph on all n silos, or run it on each of the n_s
 *   consecutive blocks of n_r silos in parallel and then H_k on each of the n_r strided
 *   sets {j, j + n_r, j + 2n_r, …} of n_s silos; the simple graph is used when strictly
 *   shorter (as in the authors' code).
 *
 * **Against the authors' code** (`base_graph.py`, Takezawa et al.; reproduced edge for
 * edge by `./base-graph-reference.ts`, option `baseGraph: "reference"`). The period (but
 * for the factor note below) and exact averaging are the same; the edges differ in most
 * (n, k) that are not powers
 * of k+1, for five reasons (in 1, 2, 4 and 5 dflsim leaves out exchanges that change no
 * model; 3 is another choice of partners):
 * 1. in step 1 the reference lets a group that finished its hyper-hypercube repeat its
 *    rounds; here it idles (it already holds its group's average);
 * 2. in step 2 the reference lets the silos of V_s left unpaired average among themselves
 *    (in cliques of k+1, across subgroups); they already hold equal values, so here they
 *    idle;
 * 3. the reference pairs step 2 in another order: the later groups from the last one
 *    backwards (V_L first), here from V_{s+1} forwards (same weights, other partners);
 * 4. the reference keeps cycling a subgroup's step-3 rounds after it finished, until V₁'s
 *    subgroups finish; here it idles;
 * 5. the reference runs step 3 for the last group V_L as well; here V_L, which holds the
 *    global average after its last pull, idles.
 * Also, the reference takes the hyper-hypercube's factors greedily from k+1 down, which
 * can need one more round than the fewest factors used here (first at n = 216, k = 7).
 * The extra exchanges cost time: on Gaia (11 silos, FEMNIST; docs/reproduction.md has the
 * commands) the reference's cycle time is 8.6% (base-2) to 29.5% (base-5) longer.
 *
 * Everything is defined on positions 0..n−1 (see `relabel` in ./mixing-sequence.ts).
 * Pair weights are symmetric, so every round here is symmetric and doubly stochastic.
 */
import { DflsimInputError } from '../errors.js';
import { checkCount, periodicSequence, type MixingSequence, type WeightedRound } from './mixing-sequence.js';

/** One round under construction: cliques that average uniformly, and weighted pairs (shared with ./base-graph-reference.ts). */
export interface RoundPlan {
  cliques: number[][];
  /** [a, b, w]: a and b exchange with weight w (symmetric). */
  pairs: [number, number, number][];
}

/** A round with nothing in it (every silo keeps its model). */
export const emptyPlan = (): RoundPlan => ({ cliques: [], pairs: [] });

/** Merge `extra` rounds into `into`, round t of `extra` going to round `offset + t`. */
export function mergeInto(into: RoundPlan[], extra: readonly RoundPlan[], offset: number): void {
  extra.forEach((plan, t) => {
    while (into.length <= offset + t) into.push(emptyPlan());
    into[offset + t].cliques.push(...plan.cliques);
    into[offset + t].pairs.push(...plan.pairs);
  });
}

/** n with every prime factor <= k+1 removed (1 when n is (k+1)-smooth). */
export function roughPart(n: number, k: number): number {
  let rest = n;
  for (let d = 2; d <= k + 1; d++) while (rest % d === 0) rest /= d;
  return rest;
}

/** A factorisation of a (k+1)-smooth m into the fewest factors in [2, k+1], ascending. */
function fewestFactors(m: number, k: number): number[] {
  const memo = new Map<number, number[]>([[1, []]]);
  const best = (x: number): number[] => {
    const hit = memo.get(x);
    if (hit) return hit;
    let choice: number[] | undefined;
    for (let f = Math.min(k + 1, x); f >= 2; f--) {
      if (x % f !== 0) continue;
      const rest = best(x / f);
      if (choice === undefined || rest.length + 1 < choice.length) choice = [f, ...rest];
    }
    if (choice === undefined) throw new DflsimInputError('hyperHypercube.n', `${m} has a prime factor larger than k + 1 = ${k + 1}`);
    memo.set(x, choice);
    return choice;
  };
  return best(m)
    .slice()
    .sort((a, b) => a - b);
}

/** The k-peer hyper-hypercube on `nodes` (|nodes| must be (k+1)-smooth); [] for one node. */
function hyperHypercubePlans(nodes: readonly number[], k: number): RoundPlan[] {
  const factors = fewestFactors(nodes.length, k);
  const plans: RoundPlan[] = [];
  let stride = 1;
  for (const f of factors) {
    const plan = emptyPlan();
    for (let x = 0; x < nodes.length; x++) {
      if (Math.floor(x / stride) % f !== 0) continue; // x is the clique's digit-0 member
      plan.cliques.push(Array.from({ length: f }, (_, d) => nodes[x + d * stride]));
    }
    plans.push(plan);
    stride *= f;
  }
  return plans;
}

/** The simple Base-(k+1) graph (Algorithm 1) on `nodes`; [] for one node. */
function simpleBasePlans(nodes: readonly number[], k: number): RoundPlan[] {
  const m = nodes.length;
  if (roughPart(m, k) === 1) return hyperHypercubePlans(nodes, k);
  const base = k + 1;
  // Base-(k+1) digits of m, most significant first: m = sum of a_l * base^p_l.
  const digits: { a: number; p: number }[] = [];
  for (let p = 0, rest = m; rest > 0; p++, rest = Math.floor(rest / base)) if (rest % base) digits.unshift({ a: rest % base, p });
  let start = 0;
  const groups = digits.map(({ a, p }) => {
    const size = base ** p;
    const g = { a, p, size: a * size, nodes: nodes.slice(start, start + a * size), subgroups: [] as number[][] };
    for (let i = 0; i < a; i++) g.subgroups.push(g.nodes.slice(i * size, (i + 1) * size));
    start += a * size;
    return g;
  });
  const plans: RoundPlan[] = [];
  // Step 1: every group averages internally.
  const groupPlans = groups.map((g) => hyperHypercubePlans(g.nodes, k));
  groupPlans.forEach((gp) => mergeInto(plans, gp, 0));
  const t1 = groupPlans[0].length;
  while (plans.length < t1) plans.push(emptyPlan());
  for (let s = 0; s < groups.length - 1; s++) {
    // Step 2: the later groups pull V_s's value in, one round.
    const src = groups[s];
    const remaining = groups.slice(s).reduce((sum, g) => sum + g.size, 0);
    const w = base ** src.p / remaining;
    const step = emptyPlan();
    let r = 0;
    for (const g of groups.slice(s + 1)) {
      for (const i of g.nodes) {
        for (const sub of src.subgroups) step.pairs.push([i, sub[sub.length - 1 - r], w]);
        r++;
      }
    }
    mergeInto(plans, [step], t1 + s);
    // Step 3: V_s's subgroups average internally.
    for (const sub of src.subgroups) mergeInto(plans, hyperHypercubePlans(sub, k), t1 + s + 1);
  }
  return plans;
}

/** The Base-(k+1) graph (Algorithm 2) on positions 0..n−1; [] for n = 1. */
function baseGraphPlans(n: number, k: number): RoundPlan[] {
  const all = Array.from({ length: n }, (_, i) => i);
  const nRest = roughPart(n, k);
  const nSmooth = n / nRest;
  if (nRest === 1 || nSmooth === 1) return simpleBasePlans(all, k);
  const simple = simpleBasePlans(all, k);
  const composite: RoundPlan[] = [];
  for (let b = 0; b < nSmooth; b++) mergeInto(composite, simpleBasePlans(all.slice(b * nRest, (b + 1) * nRest), k), 0);
  const first = composite.length;
  for (let j = 0; j < nRest; j++) {
    mergeInto(
      composite,
      hyperHypercubePlans(
        Array.from({ length: nSmooth }, (_, b) => j + b * nRest),
        k,
      ),
      first,
    );
  }
  return simple.length < composite.length ? simple : composite;
}

/** Turn plans into weighted rounds: clique members weigh 1/|clique|, a pair's two ends w. */
export function toRounds(n: number, plans: readonly RoundPlan[]): WeightedRound[] {
  if (plans.length === 0) return [{ edges: [], weights: [], selfWeights: new Array<number>(n).fill(1) }];
  return plans.map((plan) => {
    const edges: [number, number][] = [];
    const weights: number[] = [];
    const selfWeights = new Array<number>(n).fill(1);
    const incoming = new Float64Array(n);
    const explicit = new Uint8Array(n);
    for (const c of plan.cliques) {
      const w = 1 / c.length;
      for (const to of c) {
        selfWeights[to] = w;
        explicit[to] = 1;
        for (const from of c)
          if (from !== to) {
            edges.push([from, to]);
            weights.push(w);
          }
      }
    }
    for (const [a, b, w] of plan.pairs) {
      edges.push([b, a], [a, b]);
      weights.push(w, w);
      incoming[a] += w;
      incoming[b] += w;
    }
    for (let i = 0; i < n; i++) if (!explicit[i]) selfWeights[i] = 1 - incoming[i];
    return { edges, weights, selfWeights };
  });
}

/** Throw unless n >= 1 and k >= 1 are integers, naming `fn.n` / `fn.k`. */
export function checkArgs(n: number, k: number, fn: string): void {
  checkCount(n, `${fn}.n`, 1);
  checkCount(k, `${fn}.k`, 1);
}

/**
 * The Base-(k+1) graph on n silos: every round each silo exchanges with at most k peers,
 * and one period multiplies to exactly (1/n) 11ᵀ (up to rounding). One round without
 * edges for n = 1.
 * @param n number of silos (>= 1)
 * @param k maximum number of peers per silo per round (>= 1)
 */
export function baseGraphSequence(n: number, k: number): MixingSequence {
  checkArgs(n, k, 'baseGraphSequence');
  return periodicSequence(n, toRounds(n, baseGraphPlans(n, k)));
}

/**
 * The simple Base-(k+1) graph on n silos (the paper's Algorithm 1, without the smooth /
 * rough split of {@link baseGraphSequence}); also finite-time exact.
 * @param n number of silos (>= 1)
 * @param k maximum number of peers per silo per round (>= 1)
 */
export function simpleBaseGraphSequence(n: number, k: number): MixingSequence {
  checkArgs(n, k, 'simpleBaseGraphSequence');
  return periodicSequence(
    n,
    toRounds(
      n,
      simpleBasePlans(
        Array.from({ length: n }, (_, i) => i),
        k,
      ),
    ),
  );
}

/**
 * The k-peer hyper-hypercube on n silos, n with no prime factor above k+1: one round per
 * factor of the fewest-factor factorisation of n into factors in [2, k+1] (ascending).
 * @param n number of silos (>= 1, (k+1)-smooth)
 * @param k maximum number of peers per silo per round (>= 1)
 */
export function hyperHypercubeSequence(n: number, k: number): MixingSequence {
  checkArgs(n, k, 'hyperHypercubeSequence');
  if (roughPart(n, k) !== 1) throw new DflsimInputError('hyperHypercubeSequence.n', `${n} has a prime factor larger than k + 1 = ${k + 1}`);
  return periodicSequence(
    n,
    toRounds(
      n,
      hyperHypercubePlans(
        Array.from({ length: n }, (_, i) => i),
        k,
      ),
    ),
  );
}
