/**
 * Registers the multigraph topologies: `multigraph-ring`, `multigraph-mst`,
 * `multigraph-delta-mbst`, `multigraph-star` and `multigraph-overlay` (on a user's file).
 */
import { DflsimInputError } from '../errors.js';
import { buildDeltaMbst } from '../overlay/delta-mbst.js';
import { buildMst } from '../overlay/mst.js';
import type { Overlay } from '../overlay/overlay.js';
import { cached, registerTopology, ringOf, type TopologyContext, type TopologyResult } from '../overlay/registry.js';
import { buildStar } from '../overlay/star.js';
import { buildMultigraph, type Multigraph } from './multigraph.js';
import { multigraphStats, simulateMultigraph, type MultigraphRounds } from './rounds.js';

/** Base overlays the multigraph can be built on, by name. */
export const MULTIGRAPH_BASES = ['ring', 'mst', 'delta-mbst', 'star', 'overlay'] as const;
export type MultigraphBase = (typeof MULTIGRAPH_BASES)[number];

/** The base overlay of a context by name. */
export function baseOverlay(ctx: TopologyContext, base: string): Overlay {
  switch (base) {
    case 'ring': return ringOf(ctx).overlay;
    case 'mst': return cached(ctx, 'mst', () => buildMst(ctx.cg, ctx.k));
    case 'delta-mbst': return cached(ctx, 'delta-mbst', () => buildDeltaMbst(ctx.cg, ctx.k)).overlay;
    case 'star': return cached(ctx, 'star', () => buildStar(ctx.cg, ctx.k)).overlay;
    case 'overlay':
      if (!ctx.userOverlay) throw new DflsimInputError('--topologies', 'multigraph-overlay needs --overlay <file.json>');
      return ctx.userOverlay;
    default:
      throw new DflsimInputError('--overlay-of', `unknown base overlay "${base}"; expected one of ${MULTIGRAPH_BASES.join(', ')}`);
  }
}

/** The multigraph of a context on a base overlay, and its simulated rounds (cached). */
export function multigraphOf(ctx: TopologyContext, base: string): { mg: Multigraph; sim: MultigraphRounds } {
  return cached(ctx, `multigraph:${base}:${ctx.tMax}:${ctx.rounds}`, () => {
    const mg = buildMultigraph(baseOverlay(ctx, base), ctx.k, ctx.tMax);
    return { mg, sim: simulateMultigraph(mg, ctx.k, ctx.rounds) };
  });
}

/** The registry result of a multigraph topology. */
export function multigraphResult(ctx: TopologyContext, base: string): TopologyResult {
  const { mg, sim } = multigraphOf(ctx, base);
  const stats = multigraphStats(mg, ctx.rounds);
  // round-varying: no single critical circuit; the statistics say where silos wait
  return {
    topology: `multigraph-${base}`,
    cycleTimeMs: sim.cycleTimeMs,
    criticalCircuit: [],
    overlayEdges: mg.base.edges.length,
    overlay: mg.base,
    details: {
      tMax: mg.tMax,
      rounds: ctx.rounds,
      firstRoundsCycleTimeMs: Array.from(sim.tauMs.slice(0, 12)),
      ...stats,
    },
  };
}

for (const base of MULTIGRAPH_BASES) registerTopology(`multigraph-${base}`, (ctx) => multigraphResult(ctx, base));
