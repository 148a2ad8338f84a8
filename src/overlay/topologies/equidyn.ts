/**
 * `equidyn`: OU-EquiDyn (Song et al., NeurIPS 2022), a random one-peer undirected graph
 * per round, seeded by the context's seed, η = 1/2; positions are the silo indices (each
 * round draws a uniform shift, so no order is preferred). Timed by the per-silo max-plus
 * clock over each round's edges (cycle time = end of round K / K).
 */
import { equidynSequence } from '../equidyn.js';
import { sequencePlan, type Topology } from '../topology.js';

/** The OU-EquiDyn topology. */
export const equidynTopology: Topology = {
  name: 'equidyn',
  family: 'time-varying',
  description: 'OU-EquiDyn (Song et al. 2022): a random one-peer graph per round (seed)',
  supports: { cycleTime: true, training: true, drawing: true, multigraphBase: false },
  needs: {},
  build: (ctx) => sequencePlan(ctx, 'equidyn', equidynSequence(ctx.cg.n, ctx.seed), { details: { seed: ctx.seed, eta: 0.5, siloOrder: 'silo index' } }),
};
