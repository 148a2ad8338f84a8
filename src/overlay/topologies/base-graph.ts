/**
 * `base-(k+1)`, i.e. `base-2`, `base-3`, …: the Base-(k+1) graph (Takezawa et al.,
 * NeurIPS 2023): every round each silo exchanges with at most k peers and one period
 * averages exactly. Two constructions (the context's `baseGraph`): `dflsim` (default,
 * `../base-graph.ts`, sparser: no redundant exchanges) or `reference`, the authors' code
 * edge for edge (`../base-graph-reference.ts`, whose header lists the five differences).
 * Positions follow dflsim's RING tour. Timed by the per-silo max-plus clock over each
 * round's edges (cycle time = end of round K / K). A name pattern: `base-<k+1>` for any
 * k >= 1.
 */
import { baseGraphSequence } from '../base-graph.js';
import { referenceBaseGraphSequence } from '../base-graph-reference.js';
import { relabel } from '../mixing-sequence.js';
import { cached, ringTourOrder, sequencePlan, type BaseGraphVariant, type Topology, type TopologyPattern } from '../topology.js';

/** The Base-(k+1) constructions: dflsim's (the default) and the authors' code's. */
export const BASE_GRAPH_VARIANTS: readonly BaseGraphVariant[] = ['dflsim', 'reference'];

/** The Base-(k+1) graph with at most `k` peers per silo and round. */
export function baseGraphTopology(k: number): Topology {
  const name = `base-${k + 1}`;
  return {
    name,
    family: 'time-varying',
    description: `Base-${k + 1} graph (Takezawa et al. 2023): ${k} peer${k > 1 ? 's' : ''} per round, exact averaging after one period`,
    supports: { cycleTime: true, training: true, drawing: true, multigraphBase: false },
    needs: {},
    build(ctx) {
      const variant = ctx.baseGraph ?? 'dflsim';
      const order = ringTourOrder(ctx);
      const build = variant === 'reference' ? referenceBaseGraphSequence : baseGraphSequence;
      const seq = cached(ctx, `${name}:${variant}:${ctx.ring.localSearch}`, () => relabel(build(ctx.cg.n, k), order));
      return sequencePlan(ctx, name, seq, {
        details: { maxPeers: k, construction: variant, siloOrder: 'ring tour', order: order.map((i) => ctx.cg.silos[i]) },
      });
    },
  };
}

/** The names `base-2`, `base-3`, … */
export const baseGraphPattern: TopologyPattern = {
  name: 'base-(k+1)',
  description: 'Base-(k+1) graph (Takezawa et al. 2023), k >= 1 peers per round: base-2, base-3, ... (baseGraph: dflsim or reference)',
  pattern: /^base-(\d+)$/,
  schemaPattern: '^base-([2-9]|[1-9][0-9]+)$',
  examples: () => ['base-2', 'base-3', 'base-4', 'base-5'],
  resolve(name) {
    const m = /^base-(\d+)$/.exec(name);
    const b = m ? Number(m[1]) : NaN;
    return Number.isSafeInteger(b) && b >= 2 ? baseGraphTopology(b - 1) : undefined;
  },
};
