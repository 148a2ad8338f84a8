/**
 * The topology names in display order (the catalogue's; kept for the library API).
 */
import { topologyNames } from './overlay/catalogue.js';

/** All catalogue topologies that can be timed, in display order. */
export function allTopologies(): string[] {
  return topologyNames((t) => t.supports.cycleTime);
}
