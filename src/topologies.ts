/**
 * Loads every topology builder into the registry (importing this module registers them).
 */
import './overlay/registry.js';
import './multigraph/topology.js';
import './overlay/matcha.js';
import { topologyNames } from './overlay/registry.js';

/** Display order of the topologies (Table 3's order, then the rest). */
export const TOPOLOGY_ORDER = ['star', 'matcha', 'matcha+', 'mst', 'delta-mbst', 'ring', 'multigraph-ring', 'multigraph-mst', 'multigraph-delta-mbst', 'multigraph-star', 'overlay', 'multigraph-overlay'];

/** All registered topologies in display order. */
export function allTopologies(): string[] {
  const names = topologyNames();
  const rank = (t: string): number => { const i = TOPOLOGY_ORDER.indexOf(t); return i < 0 ? TOPOLOGY_ORDER.length : i; };
  return names.slice().sort((a, b) => rank(a) - rank(b));
}
