/**
 * `one-peer-exponential`: the one-peer exponential graph (Ying et al., NeurIPS 2021):
 * in round k the silo at position p sends to p + 2^(k mod τ) (mod n), weights 1/2; period
 * τ = ⌈log₂ n⌉. Positions follow dflsim's RING tour. Timed by the per-silo max-plus clock
 * over each round's edges (cycle time = end of round K / K).
 */
import { relabel } from '../mixing-sequence.js';
import { onePeerExponentialSequence } from '../one-peer-exponential.js';
import { cached, ringTourOrder, sequencePlan, type Topology } from '../topology.js';

/** The one-peer exponential graph. */
export const onePeerExponentialTopology: Topology = {
  name: 'one-peer-exponential',
  family: 'time-varying',
  description: 'one-peer exponential graph (Ying et al. 2021), silos along the RING tour',
  supports: { cycleTime: true, training: true, drawing: true, multigraphBase: false },
  needs: {},
  build(ctx) {
    const order = ringTourOrder(ctx);
    const seq = cached(ctx, `one-peer-exponential:${ctx.ring.localSearch}`, () => relabel(onePeerExponentialSequence(ctx.cg.n), order));
    return sequencePlan(ctx, 'one-peer-exponential', seq, {
      details: { siloOrder: 'ring tour', order: order.map((i) => ctx.cg.silos[i]) },
    });
  },
};
