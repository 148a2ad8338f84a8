/** `overlay`: a user's own static overlay, from an overlay file (`--overlay`, config `overlay`). */
import { DflsimInputError } from '../../errors.js';
import { staticPlan, type Topology } from '../topology.js';
import { SCHEME_MIXING } from '../mixing-rules.js';

/** The user-overlay topology. */
export const userOverlayTopology: Topology = {
  name: 'overlay',
  family: 'static',
  description: 'your own overlay file (--overlay file.json)',
  supports: { cycleTime: true, training: true, drawing: true, multigraphBase: true },
  needs: { overlayFile: true },
  build(ctx) {
    if (!ctx.userOverlay) throw new DflsimInputError('--topologies', 'topology "overlay" needs --overlay <file.json>');
    return staticPlan(ctx, 'overlay', ctx.userOverlay, { mixing: SCHEME_MIXING });
  },
};
