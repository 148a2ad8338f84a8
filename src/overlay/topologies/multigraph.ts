/**
 * `multigraph-<base>`: the multigraph (Do et al., ICCV 2023) on any static overlay of the
 * catalogue (`multigraph-ring`, `multigraph-mst`, `multigraph-delta-mbst`,
 * `multigraph-star`, `multigraph-overlay` on a user's file, `multigraph-exponential`,
 * ...). Round k uses graph state k mod S; its cycle time is the mean of τk over the
 * context's rounds (spec section 6.3); trained with the stale-copy rule. On the max-plus
 * clock round k lasts τk; its transfers are the physical per-silo clock the event clock
 * runs (the choice is explained in `timing/clock.ts`).
 */
import { DflsimInputError } from '../../errors.js';
import { overlayExchanges, type Overlay } from '../overlay.js';
import { multigraphMixing, type PlanMixing } from '../mixing-rules.js';
import { cached, type Topology, type TopologyContext, type TopologyPattern, type TopologyPlan } from '../topology.js';
import type { RoundExchanges } from '../../timing/exchanges.js';
import { buildMultigraph, type Multigraph } from '../../multigraph/multigraph.js';
import { multigraphStats, simulateMultigraph, type MultigraphRounds } from '../../multigraph/rounds.js';
import type { RoundState, SiloPair } from '../round-state.js';

/** The names of the topologies of a context that a multigraph can be built on. */
export function multigraphBaseNames(ctx: Pick<TopologyContext, 'catalogue'>): string[] {
  return ctx.catalogue.names((t) => t.supports.multigraphBase);
}

/** The overlay of a base topology of the context, by name (a static topology of the catalogue). */
export function baseOverlay(ctx: TopologyContext, base: string): Overlay {
  const t = ctx.catalogue.find(base);
  if (!t || !t.supports.multigraphBase)
    throw new DflsimInputError('--overlay-of', `unknown base overlay "${base}"; expected one of ${multigraphBaseNames(ctx).join(', ')}`);
  if (t.needs.overlayFile && !ctx.userOverlay) throw new DflsimInputError('--topologies', `multigraph-${base} needs --overlay <file.json>`);
  const o = t.build(ctx).overlay;
  if (!o) throw new DflsimInputError('--overlay-of', `topology "${base}" has no overlay to build a multigraph on`);
  return o;
}

/** The multigraph of a context on a base overlay, and its simulated rounds (cached). */
export function multigraphOf(ctx: TopologyContext, base: string): { mg: Multigraph<Overlay>; sim: MultigraphRounds } {
  return cached(ctx, `multigraph:${base}:${ctx.tMax}:${ctx.rounds}`, () => {
    const mg = buildMultigraph(baseOverlay(ctx, base), ctx.k, ctx.tMax);
    return { mg, sim: simulateMultigraph(mg, ctx.k, ctx.rounds) };
  });
}

/**
 * The multigraph's physical per-silo clock as transfers: in round k every strong edge e
 * carries a transfer launched in the round after its previous strong round
 * (`k - m(e) + 1` for k >= m(e), else 0), so a transfer stays in flight over the weak
 * rounds between; the shares are the base overlay's degrees (every edge, strong or weak,
 * holds its links). With t = 1 this is the base overlay's clock.
 */
export function multigraphExchanges(mg: Multigraph<Overlay>): (k: number) => RoundExchanges {
  const all = overlayExchanges(mg.base, 'async');
  const S = mg.states.length;
  const memo = new Map<number, { idx: Int32Array; ex: Omit<RoundExchanges, 'launchRound'> }>();
  const stateOf = (s: number): { idx: Int32Array; ex: Omit<RoundExchanges, 'launchRound'> } => {
    const hit = memo.get(s);
    if (hit) return hit;
    const idx = Int32Array.from(mg.states[s].strongEdges);
    const pickI = (a: Int32Array): Int32Array => Int32Array.from(idx, (e) => a[e]);
    const pickF = (a: Float64Array): Float64Array => Float64Array.from(idx, (e) => a[e]);
    const v = {
      idx,
      ex: {
        sync: 'async' as const,
        from: pickI(all.from),
        to: pickI(all.to),
        latencyMs: pickF(all.latencyMs),
        pathBitsPerMs: pickF(all.pathBitsPerMs),
        upShare: pickI(all.upShare),
        downShare: pickI(all.downShare),
      },
    };
    memo.set(s, v);
    return v;
  };
  return (k) => {
    const { idx, ex } = stateOf(k % S);
    const launchRound = Int32Array.from(idx, (e) => {
      const m = mg.multiplicity[e];
      return k >= m ? k - m + 1 : 0;
    });
    return { ...ex, launchRound };
  };
}

/**
 * Round k's graph in the engine's format (its state's strong and weak edges and isolated
 * silos), with the round's transfers.
 * @param exchanges the round's transfers (see {@link multigraphExchanges})
 */
export function multigraphRoundState(mg: Multigraph, round: number, exchanges: RoundExchanges): RoundState {
  const st = mg.states[round % mg.states.length];
  const pair = (e: number): SiloPair => [mg.base.edges[e].from, mg.base.edges[e].to];
  return {
    round,
    state: st.index,
    strong: st.strongEdges.map(pair),
    weak: st.weakEdges.map(pair),
    isolated: st.isolated.slice(),
    exchanges,
  };
}

/** Self weight of a multigraph silo that has strong neighbours (Do et al. 2023). */
export const MULTIGRAPH_SELF_WEIGHT = 0.7;

/**
 * The multigraph's mixing: over a round's strong in-edges only, the silo keeping
 * {@link MULTIGRAPH_SELF_WEIGHT} and sharing the rest; an edge strong now but weak in the
 * previous round brings the neighbour's model from the start of the round (stale copy).
 */
export const MULTIGRAPH_MIXING: PlanMixing = {
  rule: (n) => (s, prev) => multigraphMixing(n, s.strong, prev ? prev.strong : null, MULTIGRAPH_SELF_WEIGHT),
  name: () => 'multigraph',
};

function multigraphPlan(ctx: TopologyContext, base: string): TopologyPlan {
  const { mg, sim } = multigraphOf(ctx, base);
  const stats = multigraphStats(mg, ctx.rounds);
  const edges = mg.base.edges.map((e) => [e.from, e.to] as [number, number]);
  const exchangesOf = multigraphExchanges(mg);
  // round-varying: no single critical circuit; the statistics say where silos wait
  return {
    topology: `multigraph-${base}`,
    n: mg.base.silos.length,
    static: false,
    period: mg.states.length,
    mixing: MULTIGRAPH_MIXING,
    round: (k) => multigraphRoundState(mg, k, exchangesOf(k)),
    siloTimes: ctx.k,
    // the paper's clock: round k lasts τk (what every max-plus result has been); the transfers describe the physical one
    maxPlus: {
      kind: 'durations',
      roundMs: (k) => {
        if (k >= sim.tauMs.length)
          throw new RangeError(`multigraph-${base}: round ${k} is past the ${sim.tauMs.length} rounds simulated (the context's rounds)`);
        return sim.tauMs[k];
      },
    },
    launchLagRounds: mg.multiplicity.length ? Math.max(0, Math.max(...mg.multiplicity) - 1) : 0,
    cycleTimeMs: sim.cycleTimeMs,
    criticalCircuit: [],
    overlay: mg.base,
    overlayEdges: mg.base.edges.length,
    details: {
      tMax: mg.tMax,
      rounds: ctx.rounds,
      firstRoundsCycleTimeMs: Array.from(sim.tauMs.slice(0, 12)),
      ...stats,
    },
    drawing: {
      multiplicity: Array.from(mg.multiplicity),
      states: mg.states.map((s) => ({ state: s.index, strong: s.strongEdges.map((e) => edges[e]), isolated: s.isolated })),
    },
  };
}

/** The multigraph on a base topology. */
export function multigraphTopology(base: Topology): Topology {
  return {
    name: `multigraph-${base.name}`,
    family: 'multigraph',
    description: `multigraph (Do et al. 2023) on ${base.name}`,
    supports: { cycleTime: true, training: true, drawing: true, multigraphBase: false },
    needs: { ...(base.needs.overlayFile ? { overlayFile: true } : {}) },
    lists: base.lists?.multigraph,
    // the multigraph's overlay is its base's: a tour stays a tour
    ...(base.display?.tour ? { display: { tour: true } } : {}),
    build: (ctx) => multigraphPlan(ctx, base.name),
  };
}

/** The names `multigraph-<static topology>`. */
export const multigraphPattern: TopologyPattern = {
  name: 'multigraph-<static overlay>',
  description: 'multigraph (Do et al. 2023) on a static overlay of the catalogue',
  pattern: /^multigraph-(.+)$/,
  examples: (listed) => listed.filter((t) => t.supports.multigraphBase).map((t) => `multigraph-${t.name}`),
  resolve(name, find) {
    const m = /^multigraph-(.+)$/.exec(name);
    const base = m ? find(m[1]) : undefined;
    return base && base.supports.multigraphBase ? multigraphTopology(base) : undefined;
  },
};
