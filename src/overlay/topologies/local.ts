/** `local`: the no-communication baseline: every silo trains on its own data; a round ends every C. */
import { localBaselinePlan, type Topology } from '../topology.js';

/** The local-training baseline. */
export const localTopology: Topology = {
  name: 'local',
  family: 'baseline',
  description: 'baseline: every silo trains alone',
  supports: { cycleTime: false, training: true, drawing: false, multigraphBase: false },
  needs: {},
  build: (ctx) => localBaselinePlan('local', ctx.cg.n, ctx),
};
