/**
 * `centralised`: the pooled-data baseline: the runner pools every silo's data into one
 * silo (`needs.pooledData`), which trains alone; a round ends every C.
 */
import { roundComputeMs } from '../../timing/workload.js';
import { localBaselinePlan, type Topology } from '../topology.js';

/** The centralised-training baseline. */
export const centralisedTopology: Topology = {
  name: 'centralised',
  family: 'baseline',
  description: 'baseline: one model trained on the pooled data',
  supports: { cycleTime: false, training: true, drawing: false, multigraphBase: false },
  needs: { pooledData: true },
  build: (ctx) => localBaselinePlan('centralised', 1, roundComputeMs(ctx.params)),
};
