/** `mst`: the minimum spanning tree overlay (Marfoq et al. 2020), both directions. */
import { buildMst } from '../mst.js';
import { cached, staticPlan, type Topology } from '../topology.js';
import { UNDIRECTED_SCHEME_MIXING } from '../mixing-rules.js';

/** The MST topology. */
export const mstTopology: Topology = {
  name: 'mst',
  family: 'static',
  description: 'minimum spanning tree of the connectivity graph',
  supports: { cycleTime: true, training: true, drawing: true, multigraphBase: true },
  needs: {},
  lists: { defaultComparison: true, reportDrawing: true },
  build: (ctx) =>
    staticPlan(
      ctx,
      'mst',
      cached(ctx, 'mst', () => buildMst(ctx.cg, ctx.k)),
      { mixing: UNDIRECTED_SCHEME_MIXING },
    ),
};
