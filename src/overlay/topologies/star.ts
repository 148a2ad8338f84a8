/**
 * `star`: the server-based overlay (every silo exchanges with one centre; Marfoq et al.
 * 2020), trained as federated averaging weighted by shard size (McMahan et al. 2017).
 * Its cycle time is the star's round trip, as published; a training round ends every
 * cycle time. Its exchanges are a `round-trip` round: each child's model to the centre,
 * answered by the centre's model back.
 */
import { fedAvgMixing, type PlanMixing } from '../mixing-rules.js';
import { buildStar } from '../star.js';
import { cached, roundTripExchanges, staticPlan, type Topology } from '../topology.js';

/**
 * FedAvg's mixing: every silo takes the average of all models weighted by shard size (the
 * server's average, sent back); a silo that is down is left out and the rest renormalised.
 */
export const FEDAVG_MIXING: PlanMixing = {
  rule: (n, inputs) => {
    if (inputs.shardSizes.length !== n) throw new Error(`mixing: ${inputs.shardSizes.length} shard sizes for ${n} silos`);
    const rows = fedAvgMixing(inputs.shardSizes);
    return () => rows;
  },
  downSilos: 'renormalise',
  name: () => 'fedavg',
};

/** The STAR topology. */
export const starTopology: Topology = {
  name: 'star',
  family: 'server',
  description: 'server-based STAR, trained as FedAvg',
  supports: { cycleTime: true, training: true, drawing: true, multigraphBase: true },
  needs: {},
  lists: { defaultComparison: true, reportDrawing: true },
  build(ctx) {
    const s = cached(ctx, 'star', () => buildStar(ctx.cg, ctx.k));
    const per = s.cycleTime.cycleTimeMs;
    return staticPlan(ctx, 'star', s.overlay, {
      mixing: FEDAVG_MIXING,
      cycleTime: s.cycleTime,
      maxPlus: { kind: 'steady', roundMs: per },
      exchanges: roundTripExchanges(s.overlay, s.center),
      details: { center: ctx.cg.silos[s.center], oneWayCycleTimeMs: s.oneWayCycleTimeMs },
    });
  },
};
