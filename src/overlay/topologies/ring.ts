/**
 * `ring`: dflsim's RING (Marfoq et al. 2020), a directed travelling-salesman tour, mixed
 * as published with (A + I) / 2.
 */
import { ringOf, staticPlan, type Topology } from '../topology.js';
import { UNIFORM_MIXING } from '../mixing-rules.js';

/** The RING topology. */
export const ringTopology: Topology = {
  name: 'ring',
  family: 'static',
  description: 'directed RING along a short tour (Christofides + local search)',
  supports: { cycleTime: true, training: true, drawing: true, multigraphBase: true },
  // the papers compare every cycle time with RING's; its tour orders silos on a circle
  display: { reference: true, tour: true },
  needs: {},
  lists: { defaultComparison: true, reportDrawing: true, multigraph: { defaultComparison: true, reportDrawing: true } },
  build(ctx) {
    const r = ringOf(ctx);
    return staticPlan(ctx, 'ring', r.overlay, {
      // (A + I) / 2 on a directed cycle: each silo's column holds its own 1/2 and its successor's 1/2
      mixing: { ...UNIFORM_MIXING, doublyStochastic: () => true },
      details: { tour: r.tour.map((i) => ctx.cg.silos[i]), localSearch: ctx.ring.localSearch },
    });
  },
};
