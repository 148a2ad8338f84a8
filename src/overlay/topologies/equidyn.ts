/**
 * `equidyn`: OU-EquiDyn (Song et al., NeurIPS 2022), a random one-peer undirected graph
 * per round, seeded by the context's seed, with weight parameter η (the context's
 * `equidynEta`, default n/(2(n−1)): each matched pair averages exactly; see
 * `../equidyn.ts`); positions are the silo indices (each round draws a uniform shift, so
 * no order is preferred). Timed by the per-silo max-plus clock over each round's edges
 * (cycle time = end of round K / K); η changes the mixing weights, not the timing.
 */
import { defaultEquidynEta, equidynSequence } from '../equidyn.js';
import { sequencePlan, type Topology } from '../topology.js';

/** The OU-EquiDyn topology. */
export const equidynTopology: Topology = {
  name: 'equidyn',
  family: 'time-varying',
  description: 'OU-EquiDyn (Song et al. 2022): a random one-peer graph per round (seed, equidynEta)',
  supports: { cycleTime: true, training: true, drawing: true, multigraphBase: false },
  needs: {},
  build: (ctx) => {
    const eta = ctx.equidynEta ?? defaultEquidynEta(ctx.cg.n);
    return sequencePlan(ctx, 'equidyn', equidynSequence(ctx.cg.n, ctx.seed, { eta }), {
      details: { seed: ctx.seed, eta, siloOrder: 'silo index' },
    });
  },
};
