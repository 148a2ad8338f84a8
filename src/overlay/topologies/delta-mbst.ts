/** `delta-mbst`: the δ-minimum bottleneck spanning tree overlay (Marfoq et al. 2020). */
import { buildDeltaMbst } from '../delta-mbst.js';
import { cached, staticPlan, type Topology } from '../topology.js';
import { UNDIRECTED_SCHEME_MIXING } from '../mixing-rules.js';

/** The δ-MBST topology. */
export const deltaMbstTopology: Topology = {
  name: 'delta-mbst',
  family: 'static',
  description: 'δ-minimum bottleneck spanning tree',
  supports: { cycleTime: true, training: true, drawing: true, multigraphBase: true },
  needs: {},
  lists: { defaultComparison: true, reportDrawing: true },
  build(ctx) {
    const r = cached(ctx, 'delta-mbst', () => buildDeltaMbst(ctx.cg, ctx.k));
    return staticPlan(ctx, 'delta-mbst', r.overlay, {
      mixing: UNDIRECTED_SCHEME_MIXING,
      details: { bestDelta: r.bestDelta, fromCube: r.fromCube },
    });
  },
};
