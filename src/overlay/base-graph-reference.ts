/**
 * The Base-(k+1) graph exactly as its authors' code builds it (Takezawa, Sato, Bao, Niwa
 * and Yamada, "Beyond Exponential Graph: Communication-Efficient Topologies for
 * Decentralized Learning via Finite-time Convergence", NeurIPS 2023; their repository
 * `yukiTakezawa/BaseGraph`, `base_graph.py` and `simple_base_graph.py`), written anew from
 * a reading of that construction, so that a user can reproduce the paper's graphs edge for
 * edge (option `baseGraph: "reference"`, `--base-graph reference`). dflsim's default,
 * sparser variant is `./base-graph.ts`, whose header describes the building blocks
 * (hyper-hypercube, groups V_l of a_l (k+1)^p_l silos and their subgroups, steps 1-3).
 *
 * The reference differs from dflsim's default in five ways (rounds counted from 0, T₁ the
 * length of V₁'s hyper-hypercube, L the number of groups):
 * 1. **Step 1, groups that finish early repeat their rounds**: in round m < T₁ group V_l
 *    runs round m mod |H(V_l)| of its hyper-hypercube (dflsim: it idles).
 * 2. **Step 2, V_s's unpaired silos average among themselves**: in V_s's pull round, the
 *    silos of V_s no later silo paired with are split, in order (subgroup by subgroup,
 *    across subgroup boundaries), into cliques of k+1 (the last one smaller; a single
 *    silo left alone), each averaging uniformly (dflsim: they keep their models; they
 *    hold equal values, so averaging changes nothing but costs messages).
 * 3. **Step 2 pairs in another order**: the later groups take V_s's silos from the last
 *    group V_L backwards (V_L's silos first, then V_{L−1}'s, …), each taking the last
 *    silo still unpaired of every subgroup of V_s (dflsim: from V_{s+1} forwards).
 * 4. **Step 3 keeps cycling**: a subgroup whose hyper-hypercube is done runs it again,
 *    round b mod its length, until V₁'s subgroups finish (dflsim: it idles).
 * 5. **The last group runs step 3 too**: from its pull round on, V_L (a_L (k+1)^p_L
 *    silos) averages within its subgroups (or, when p_L = 0, as one clique of a_L), round
 *    after round (dflsim: it already holds the average and idles).
 * Two smaller differences: the reference's hyper-hypercube takes its factors greedily from
 * k+1 down to 2 (then in ascending order), which needs one more round than dflsim's
 * fewest-factor choice in rare cases (first n = 216, k = 7: 3·3·3·8 against 6·6·6); and a
 * single silo's hyper-hypercube is one (identity) round, not none. The five keep exact
 * averaging and the period's length; only the edges differ.
 *
 * Integers here are exact: the reference takes ⌊log_{k+1} m⌋ as `int(math.log(m, k+1))`
 * in floating point, which with CPython on glibc comes out one too small at a few exact
 * powers (3⁵ = 243, 3¹⁰, 9⁵, 10³, 10⁶, …); a group of exactly such a size then gets
 * k+1 subgroups of the next power down (n = 245, k = 2: ten rounds, one with three
 * peers, where this file gives eleven rounds of at most two). No network of the papers
 * is near those sizes.
 *
 * Everything is defined on positions 0..n−1 (see `relabel` in ./mixing-sequence.ts).
 */
import { DflsimInputError } from '../errors.js';
import { checkArgs, emptyPlan, mergeInto, roughPart, toRounds, type RoundPlan } from './base-graph.js';
import { periodicSequence, type MixingSequence } from './mixing-sequence.js';

/** The factors of a (k+1)-smooth m taken greedily from k+1 down to 2, ascending (the reference's order). */
function greedyFactors(m: number, k: number): number[] {
  const factors: number[] = [];
  let rest = m;
  for (let f = k + 1; f >= 2; f--)
    while (rest % f === 0) {
      factors.push(f);
      rest /= f;
    }
  if (rest !== 1) throw new DflsimInputError('referenceHyperHypercube.n', `${m} has a prime factor larger than k + 1 = ${k + 1}`);
  return factors.reverse();
}

/**
 * The reference's k-peer hyper-hypercube on `nodes` (|nodes| (k+1)-smooth): round r, with
 * factor f_r and stride f_0 ⋯ f_{r−1}, joins the silos that differ only in digit r into
 * cliques of f_r (the reference finds them by a greedy scan that yields exactly these);
 * one round with no clique for a single silo.
 */
function referenceHyperHypercubePlans(nodes: readonly number[], k: number): RoundPlan[] {
  if (nodes.length === 1) return [emptyPlan()];
  const plans: RoundPlan[] = [];
  let stride = 1;
  for (const f of greedyFactors(nodes.length, k)) {
    const plan = emptyPlan();
    for (let x = 0; x < nodes.length; x++) {
      if (Math.floor(x / stride) % f !== 0) continue;
      plan.cliques.push(Array.from({ length: f }, (_, d) => nodes[x + d * stride]));
    }
    plans.push(plan);
    stride *= f;
  }
  return plans;
}

/** Add round `r` of `rounds` onto `into` (the reference's `w += extend(...)`). */
function addRound(into: RoundPlan, rounds: readonly RoundPlan[], r: number): void {
  const p = rounds[r % rounds.length];
  into.cliques.push(...p.cliques);
  into.pairs.push(...p.pairs);
}

/** The reference's simple Base-(k+1) graph (`SimpleBaseGraph`) on `nodes`. */
function referenceSimplePlans(nodes: readonly number[], k: number): RoundPlan[] {
  const m = nodes.length;
  if (m === 1) return [emptyPlan()];
  if (roughPart(m, k) === 1) return referenceHyperHypercubePlans(nodes, k);
  const base = k + 1;
  const digits: { a: number; p: number }[] = [];
  for (let p = 0, rest = m; rest > 0; p++, rest = Math.floor(rest / base)) if (rest % base) digits.unshift({ a: rest % base, p });
  let start = 0;
  const groups = digits.map(({ a, p }) => {
    const sub = base ** p;
    const g = { size: a * sub, nodes: nodes.slice(start, start + a * sub), subgroups: [] as number[][] };
    for (let i = 0; i < a; i++) g.subgroups.push(g.nodes.slice(i * sub, (i + 1) * sub));
    start += a * sub;
    return g;
  });
  const L = groups.length;
  const whole = groups.map((g) => referenceHyperHypercubePlans(g.nodes, k));
  const parts = groups.map((g) => g.subgroups.map((sub) => referenceHyperHypercubePlans(sub, k)));
  const T1 = whole[0].length;
  const done = new Array<number>(L).fill(0); // step-3 rounds run by each group (the reference's b)
  const plans: RoundPlan[] = [];
  for (let m = 0; ; m++) {
    const plan = emptyPlan();
    let unpaired: number[][] | undefined;
    let unpairedAll: number[] = [];
    for (let l = L - 1; l >= 0; l--) {
      const g = groups[l];
      if (m < T1) {
        // step 1: every group averages internally, repeating its rounds when shorter
        addRound(plan, whole[l], m);
      } else if (m < T1 + l) {
        // step 2: group l pulls V_s's value in, s = m - T1, from the last group backwards
        const s = m - T1;
        if (!unpaired) {
          unpaired = groups[s].subgroups.map((x) => x.slice());
          unpairedAll = unpaired.flat();
        }
        const total = groups.slice(s).reduce((sum, x) => sum + x.size, 0);
        const w = groups[s].size / total / groups[s].subgroups.length;
        for (const i of g.nodes) {
          for (const sub of unpaired) {
            const j = sub.pop()!;
            unpairedAll.splice(unpairedAll.indexOf(j), 1);
            plan.pairs.push([i, j, w]);
          }
        }
      } else if (m === T1 + l && l !== L - 1) {
        // step 2, V_s's own round: its unpaired silos average in cliques of up to k + 1
        while (unpairedAll.length > 1) plan.cliques.push(unpairedAll.splice(0, Math.min(k + 1, unpairedAll.length)));
      } else {
        // step 3 (also for the last group), cycling
        if (g.size < base) addRound(plan, whole[l], done[l]);
        else for (const sub of parts[l]) addRound(plan, sub, done[l]);
        done[l]++;
      }
    }
    plans.push(plan);
    if (done[0] === parts[0][0].length) return plans;
  }
}

/** The reference's Base-(k+1) graph (`BaseGraph`) on positions 0..n−1. */
function referenceBasePlans(n: number, k: number): RoundPlan[] {
  const all = Array.from({ length: n }, (_, i) => i);
  const nRest = roughPart(n, k);
  const nSmooth = n / nRest;
  const simple = referenceSimplePlans(all, k);
  const blocks: RoundPlan[] = [];
  for (let b = 0; b < nSmooth; b++) mergeInto(blocks, referenceSimplePlans(all.slice(b * nRest, (b + 1) * nRest), k), 0);
  const strided: RoundPlan[] = [];
  for (let j = 0; j < nRest; j++)
    mergeInto(
      strided,
      referenceHyperHypercubePlans(
        Array.from({ length: nSmooth }, (_, b) => j + b * nRest),
        k,
      ),
      0,
    );
  // the simple graph when strictly shorter, else blocks then strided sets
  return simple.length < blocks.length + strided.length ? simple : [...blocks, ...strided];
}

/**
 * The Base-(k+1) graph on n silos as its authors' code builds it (see the file comment):
 * every round each silo exchanges with at most k peers (but see the floating-point note),
 * and one period multiplies to exactly (1/n) 11ᵀ (up to rounding).
 * @param n number of silos (>= 1)
 * @param k maximum number of peers per silo per round (>= 1)
 */
export function referenceBaseGraphSequence(n: number, k: number): MixingSequence {
  checkArgs(n, k, 'referenceBaseGraphSequence');
  return periodicSequence(n, toRounds(n, referenceBasePlans(n, k)));
}

/**
 * The authors' simple Base-(k+1) graph (their `SimpleBaseGraph`, without the smooth /
 * rough split of {@link referenceBaseGraphSequence}).
 * @param n number of silos (>= 1)
 * @param k maximum number of peers per silo per round (>= 1)
 */
export function referenceSimpleBaseGraphSequence(n: number, k: number): MixingSequence {
  checkArgs(n, k, 'referenceSimpleBaseGraphSequence');
  return periodicSequence(
    n,
    toRounds(
      n,
      referenceSimplePlans(
        Array.from({ length: n }, (_, i) => i),
        k,
      ),
    ),
  );
}
