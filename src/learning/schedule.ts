/**
 * Training schedules: for each round, how silos mix (from the topology's graph state) and
 * when the round ends on the simulated clock (from the timing core).
 */
import { DflsimInputError } from '../errors.js';
import { baseOverlay, multigraphOf } from '../multigraph/topology.js';
import { edgeDelaysMs, type Overlay } from '../overlay/overlay.js';
import { cached, type TopologyContext } from '../overlay/registry.js';
import { buildStar } from '../overlay/star.js';
import { matchaRoundTimes, planMatcha } from '../overlay/matcha.js';
import { createRng } from '../random.js';
import type { SiloPair } from '../timing/graph-state.js';
import { fedAvgMixing, localMixing, matchaMixing, multigraphMixing, staticMixing, type MixingRows, type StaticScheme } from './mixing.js';

/** One round of a schedule. */
export interface RoundPlan {
  round: number;
  /** Mixing rows of this round. */
  mixing: MixingRows;
  /** Simulated clock when every silo has finished this round (ms). */
  endMs: number;
  /** Silos isolated this round (multigraph). */
  isolated: number[];
}

/** A topology's schedule over rounds. */
export interface TrainingSchedule {
  topology: string;
  /** Silos. */
  n: number;
  /** The plan of round k (0-based); k < rounds. */
  plan(round: number): RoundPlan;
}

/**
 * Per-silo max-plus clock of a static overlay: `t_j(k+1) = max(t_j(k) + C, max_i t_i(k) + d(i,j))`
 * (silos finish rounds at their own times). Returns the time at which round k ends for
 * every silo, k = 0 .. rounds-1, as the latest silo.
 */
export function maxPlusRoundEnds(o: Overlay, d: Float64Array, computeMs: number, rounds: number): Float64Array {
  const n = o.silos.length;
  let t = new Float64Array(n);
  let next = new Float64Array(n);
  const ends = new Float64Array(rounds);
  for (let k = 0; k < rounds; k++) {
    for (let j = 0; j < n; j++) next[j] = t[j] + computeMs;
    o.edges.forEach((e, idx) => { const c = t[e.from] + d[idx]; if (c > next[e.to]) next[e.to] = c; });
    let mx = 0;
    for (let j = 0; j < n; j++) if (next[j] > mx) mx = next[j];
    ends[k] = mx;
    [t, next] = [next, t];
  }
  return ends;
}

/** Topologies the engine can train over. */
export const TRAINING_TOPOLOGIES = ['ring', 'mst', 'delta-mbst', 'star', 'multigraph-ring', 'multigraph-mst', 'multigraph-delta-mbst', 'multigraph-overlay', 'overlay', 'local'] as const;

/**
 * The schedule of a topology for `rounds` rounds.
 * @param topology e.g. `ring`, `multigraph-ring`, `star` (FedAvg), `local`
 * @param shardSizes samples per silo (FedAvg weights)
 * @param scheme weights of static overlays other than RING (default Metropolis-Hastings)
 */
export function buildSchedule(ctx: TopologyContext, topology: string, rounds: number, shardSizes: readonly number[], scheme: Exclude<StaticScheme, 'ring'> = 'metropolis'): TrainingSchedule {
  const n = ctx.cg.n;
  const C = ctx.k.computeMs;
  if (topology === 'local') {
    const rows = localMixing(n);
    return { topology, n, plan: (k) => ({ round: k, mixing: rows, endMs: (k + 1) * C, isolated: [] }) };
  }
  if (topology === 'star') {
    const s = cached(ctx, 'star', () => buildStar(ctx.cg, ctx.k));
    const rows = fedAvgMixing(shardSizes);
    const per = s.cycleTime.cycleTimeMs;
    return { topology, n, plan: (k) => ({ round: k, mixing: rows, endMs: (k + 1) * per, isolated: [] }) };
  }
  if (topology.startsWith('multigraph-')) {
    const { mg, sim } = multigraphOf({ ...ctx, rounds }, topology.slice('multigraph-'.length));
    const base = mg.base;
    const pairsOf = (s: number): SiloPair[] => mg.states[s].strongEdges.map((e) => [base.edges[e].from, base.edges[e].to]);
    const S = mg.states.length;
    const rowsByState = new Map<string, MixingRows>();
    return {
      topology,
      n,
      plan: (k) => {
        const s = k % S;
        const key = k === 0 ? 'first' : `${s}`;
        if (!rowsByState.has(key)) rowsByState.set(key, multigraphMixing(n, pairsOf(s), k === 0 ? null : pairsOf((k - 1) % S)));
        return { round: k, mixing: rowsByState.get(key)!, endMs: sim.endMs[k], isolated: mg.states[s].isolated };
      },
    };
  }
  if (topology === 'matcha' || topology === 'matcha+') {
    const plan = cached(ctx, `matcha-plan:${topology}:${ctx.budget}`, () => planMatcha(topology === 'matcha' ? 'underlay' : 'connectivity', ctx.underlay, ctx.cg, ctx.budget));
    const active: number[][] = [];
    const ends = new Float64Array(rounds);
    let r = 0;
    for (const rt of matchaRoundTimes(plan, ctx.cg, ctx.k, createRng(ctx.seed).fork('matcha-rounds'), rounds)) {
      active.push(rt.active);
      ends[r++] = rt.endMs;
    }
    return {
      topology,
      n,
      plan: (k) => {
        const pairs: SiloPair[] = active[k].flatMap((m) => plan.matchings[m].map(([a, b]) => [a, b] as SiloPair));
        return { round: k, mixing: matchaMixing(n, pairs, plan.alpha), endMs: ends[k], isolated: [] };
      },
    };
  }
  if (['ring', 'mst', 'delta-mbst', 'overlay'].includes(topology)) {
    const o = baseOverlay(ctx, topology);
    const rows = staticMixing(o, topology === 'ring' ? 'ring' : scheme);
    const ends = maxPlusRoundEnds(o, edgeDelaysMs(o, ctx.k), C, rounds);
    return { topology, n, plan: (k) => ({ round: k, mixing: rows, endMs: ends[k], isolated: [] }) };
  }
  throw new DflsimInputError('topology', `cannot train over "${topology}"; expected one of ${TRAINING_TOPOLOGIES.join(', ')}, matcha, matcha+ or centralised`);
}
