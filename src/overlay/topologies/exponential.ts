/**
 * `exponential`: the static exponential graph (Ying et al., NeurIPS 2021): with
 * τ = ⌈log₂ n⌉, the silo at position p sends to positions p + 2⁰, …, p + 2^(τ−1) (mod n),
 * weights 1/(τ+1). Positions follow dflsim's RING tour, so that hop-1 links are short.
 * Static: Karp's cycle time and critical circuit; trained with its own weights.
 */
import { exponentialSequence } from '../exponential.js';
import { relabel } from '../mixing-sequence.js';
import { cached, ringTourOrder, sequencePlan, type Topology } from '../topology.js';

/** The static exponential graph. */
export const exponentialTopology: Topology = {
  name: 'exponential',
  family: 'static',
  description: 'static exponential graph (Ying et al. 2021), silos along the RING tour',
  supports: { cycleTime: true, training: true, drawing: true, multigraphBase: true },
  needs: {},
  build(ctx) {
    const order = ringTourOrder(ctx);
    const seq = cached(ctx, `exponential:${ctx.ring.localSearch}`, () => relabel(exponentialSequence(ctx.cg.n), order));
    return sequencePlan(ctx, 'exponential', seq, { details: { siloOrder: 'ring tour', order: order.map((i) => ctx.cg.silos[i]) } });
  },
};
