/**
 * dflsim's public library API (re-exports only).
 */
import './topologies.js';

export * from './errors.js';
export * from './random.js';
export * from './units.js';
export * from './network/underlay.js';
export * from './network/gml.js';
export * from './network/builtin.js';
export * from './network/load.js';
export * from './network/connectivity.js';
export * from './timing/workload.js';
export * from './timing/karp.js';
export * from './timing/cycle-time.js';
export * from './timing/graph-state.js';
export * from './overlay/overlay.js';
export * from './overlay/overlay-file.js';
export * from './overlay/star.js';
export * from './overlay/mst.js';
export * from './overlay/delta-mbst.js';
export * from './overlay/ring.js';
export * from './overlay/registry.js';
export * from './multigraph/multigraph.js';
export * from './multigraph/rounds.js';
export * from './multigraph/topology.js';
export * from './multigraph/report.js';
export * from './experiment/cycle-times.js';
export { allTopologies, TOPOLOGY_ORDER } from './topologies.js';
