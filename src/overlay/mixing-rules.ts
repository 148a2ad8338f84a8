/**
 * Mixing rules: how silos combine models after their local steps, `w_i <- Σ_j A_ij w_j`,
 * as pure functions of a round's graph state. Each silo's row lists its terms; a term may
 * take the neighbour's model as it stood at the start of the round (`stale`), which is how
 * the multigraph's "did not wait" edges contribute (Do et al. 2023).
 *
 * A topology's plan carries its {@link PlanMixing}: the generic ones are here (uniform or
 * the run's scheme over the strong in-edges, a round's explicit weights, none); a topology
 * with a rule of its own (the multigraph's stale copies and self weight, MATCHA's α, STAR's
 * FedAvg) builds it in its own file from the row builders below. Nothing here knows a
 * topology by name. Applying rows to models is `learning/mixing.ts`.
 */
import type { Overlay } from './overlay.js';
import type { RoundState, RoundWeights, SiloPair } from './round-state.js';

/** One term of a silo's mixing row. */
export interface MixTerm {
  /** Source silo j. */
  from: number;
  /** Weight A_ij. */
  weight: number;
  /** Use j's model from the start of the round (before its local steps). */
  stale: boolean;
}

/** The mixing of one round: a row of terms per silo. */
export type MixingRows = MixTerm[][];

/**
 * Weighting schemes of a round's strong in-edges: Metropolis-Hastings, or uniform (equal
 * weights over the silo and its in-neighbours; on RING, `(A + I) / 2` as published).
 */
export type StaticScheme = 'metropolis' | 'uniform';

/** In-neighbours of each silo (edge i -> j means j receives from i). */
export function inNeighbours(n: number, pairs: readonly SiloPair[]): number[][] {
  const inn: number[][] = Array.from({ length: n }, () => []);
  const seen = new Set<number>();
  for (const [a, b] of pairs) {
    if (a === b || seen.has(a * n + b)) continue;
    seen.add(a * n + b);
    inn[b].push(a);
  }
  return inn;
}

/**
 * Mixing rows of a static overlay.
 * - `metropolis`: Metropolis-Hastings weights `1 / (1 + max(d_i, d_j))` (doubly stochastic
 *   on an undirected overlay; Xiao & Boyd 2004), the rest on the silo itself;
 * - `uniform`: equal weights over the silo and its in-neighbours (on RING, where every silo
 *   has one in-neighbour, `(A + I) / 2` as published).
 */
export function staticMixing(o: Overlay, scheme: StaticScheme): MixingRows {
  return pairsMixing(
    o.silos.length,
    o.edges.map((e) => [e.from, e.to] as SiloPair),
    scheme,
  );
}

/**
 * Mixing rows of one round's directed pairs with a static scheme (see {@link staticMixing}).
 * @param n number of silos
 * @param pairs the round's directed pairs `[from, to]`
 */
export function pairsMixing(n: number, pairs: readonly SiloPair[], scheme: StaticScheme): MixingRows {
  const inn = inNeighbours(n, pairs);
  const deg = inn.map((l) => l.length);
  return inn.map((nbrs, i) => {
    if (!nbrs.length) return [{ from: i, weight: 1, stale: false }];
    const terms: MixTerm[] =
      scheme === 'metropolis'
        ? nbrs.map((j) => ({ from: j, weight: 1 / (1 + Math.max(deg[i], deg[j])), stale: false }))
        : nbrs.map((j) => ({ from: j, weight: 1 / (1 + nbrs.length), stale: false }));
    const rest = 1 - terms.reduce((s, t) => s + t.weight, 0);
    return [{ from: i, weight: rest, stale: false }, ...terms];
  });
}

/**
 * Stale-copy mixing for one round (the multigraph's rule, Do et al. 2023; its self weight
 * is the multigraph topology's): a silo mixes only over its strong in-edges, keeping
 * `selfWeight` for itself and sharing the rest equally among its strong neighbours; a silo
 * with none (isolated) keeps its own model. An edge strong now but weak in the previous
 * round contributes the neighbour's model from the start of the round.
 * @param strong this round's strong directed pairs
 * @param previousStrong the previous round's strong pairs (null in round 0)
 * @param selfWeight a silo's weight for its own model when it has strong neighbours
 */
export function multigraphMixing(
  n: number,
  strong: readonly SiloPair[],
  previousStrong: readonly SiloPair[] | null,
  selfWeight: number,
): MixingRows {
  const inn = inNeighbours(n, strong);
  const prev = previousStrong ? new Set(previousStrong.map(([a, b]) => a * n + b)) : null;
  return inn.map((nbrs, i) => {
    if (!nbrs.length) return [{ from: i, weight: 1, stale: false }];
    const share = (1 - selfWeight) / nbrs.length;
    return [
      { from: i, weight: selfWeight, stale: false },
      ...nbrs.map((j) => ({ from: j, weight: share, stale: prev !== null && !prev.has(j * n + i) })),
    ];
  });
}

/**
 * MATCHA mixing `W = I - α L` for the Laplacian L of the round's active (undirected) edges
 * (Wang et al. 2019): `w_i <- (1 - α deg_i) w_i + α Σ_{j ~ i} w_j`.
 */
export function matchaMixing(n: number, active: readonly SiloPair[], alpha: number): MixingRows {
  const nb: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  for (const [a, b] of active)
    if (a !== b) {
      nb[a].add(b);
      nb[b].add(a);
    }
  return nb.map((s, i) => [
    { from: i, weight: 1 - alpha * s.size, stale: false },
    ...[...s].map((j) => ({ from: j, weight: alpha, stale: false })),
  ]);
}

/**
 * Mixing rows from a round's explicit weights (topologies whose weights are part of the
 * topology: exponential, Base-(k+1), EquiDyn): silo `to` keeps `selfWeights[to]` and
 * takes `weights[e]` from `edges[e] = [from, to]`, in edge order.
 */
export function explicitMixing(n: number, w: RoundWeights): MixingRows {
  if (w.selfWeights.length !== n) throw new Error(`mixing: ${w.selfWeights.length} self weights for ${n} silos`);
  if (w.weights.length !== w.edges.length) throw new Error(`mixing: ${w.weights.length} weights for ${w.edges.length} edges`);
  const rows: MixingRows = w.selfWeights.map((sw, i) => [{ from: i, weight: sw, stale: false }]);
  w.edges.forEach(([from, to], e) => rows[to].push({ from, weight: w.weights[e], stale: false }));
  return rows;
}

/** Server-based federated averaging weighted by shard size (McMahan et al. 2017). */
export function fedAvgMixing(shardSizes: readonly number[]): MixingRows {
  const total = shardSizes.reduce((a, b) => a + b, 0);
  const row = shardSizes.map((s, j) => ({ from: j, weight: s / total, stale: false }));
  return shardSizes.map(() => row);
}

/** No communication: every silo keeps its model. */
export function localMixing(n: number): MixingRows {
  return Array.from({ length: n }, (_, i) => [{ from: i, weight: 1, stale: false }]);
}

/** The dense matrix A of mixing rows (stale terms counted like fresh ones), for tests and reports. */
export function mixingMatrix(rows: MixingRows): Float64Array[] {
  const n = rows.length;
  return rows.map((r) => {
    const a = new Float64Array(n);
    for (const t of r) a[t.from] += t.weight;
    return a;
  });
}

/** A mixing rule: the rows of a round from its state (and the previous round's, null in round 0). */
export type MixingRule = (state: RoundState, previous: RoundState | null) => MixingRows;

/** What a mixing rule may need from the run besides the graph state. */
export interface MixingInputs {
  /** Samples per silo (FedAvg's weights). */
  shardSizes: readonly number[];
  /** The run's weighting scheme (config `mixing`) for topologies that take it. */
  scheme: StaticScheme;
}

/** How a topology's plan mixes: its rule for a run, and how rows treat silos that are down. */
export interface PlanMixing {
  /** The rule of a run on `n` silos. */
  rule(n: number, inputs: MixingInputs): MixingRule;
  /**
   * Silos that are down: `renormalise` averages each row over the silos that are up (a
   * server averaging the models it received); by default a down silo's weight goes to the
   * row's own model.
   */
  downSilos?: 'renormalise';
  /** The rule's name for exports and records (`uniform`, `metropolis`, `explicit`, `fedavg`, ...), given the run's inputs. */
  name?(inputs: MixingInputs): string;
  /**
   * True when the rule promises doubly stochastic rows (every column also sums to 1) for the
   * run's inputs, whatever the round: tests check the promise on every round they export.
   */
  doublyStochastic?(inputs: MixingInputs): boolean;
}

/** A plan mixing's name for a run (`custom` when the rule gives none). */
export function mixingName(m: PlanMixing, inputs: MixingInputs): string {
  return m.name?.(inputs) ?? 'custom';
}

/** Equal weights over a silo and its strong in-neighbours, whatever the run's scheme (RING's `(A + I) / 2`). */
export const UNIFORM_MIXING: PlanMixing = { rule: (n) => (s) => pairsMixing(n, s.strong, 'uniform'), name: () => 'uniform' };

/** The run's scheme (Metropolis-Hastings by default, or uniform) over each round's strong in-edges. */
export const SCHEME_MIXING: PlanMixing = {
  rule: (n, inputs) => (s) => pairsMixing(n, s.strong, inputs.scheme),
  name: (inputs) => inputs.scheme,
};

/**
 * {@link SCHEME_MIXING} on undirected overlays (MST, δ-MBST): Metropolis-Hastings weights are
 * symmetric there, so the rows are doubly stochastic (Xiao & Boyd 2004).
 */
export const UNDIRECTED_SCHEME_MIXING: PlanMixing = { ...SCHEME_MIXING, doublyStochastic: (inputs) => inputs.scheme === 'metropolis' };

/** Each round's own weights (`RoundState.weights`): topologies whose weights are part of the topology. */
export const EXPLICIT_MIXING: PlanMixing = {
  rule: (n) => (s) => {
    if (!s.weights) throw new Error(`mixing: round ${s.round} carries no explicit weights`);
    return explicitMixing(n, s.weights);
  },
  name: () => 'explicit',
};

/** No communication: every silo keeps its model (local training, the pooled-data silo). */
export const LOCAL_MIXING: PlanMixing = {
  rule: (n) => {
    const rows = localMixing(n);
    return () => rows;
  },
  name: () => 'local',
  doublyStochastic: () => true,
};
