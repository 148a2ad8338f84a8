/**
 * MST overlay (Marfoq et al., NeurIPS 2020): the minimum spanning tree of the
 * connectivity graph by `C + latency + M / bandwidth`, used in both directions.
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import type { SiloTimes } from '../timing/delay-model.js';
import { overlayFromPairs, type Overlay } from './overlay.js';
import { kruskalMst, mstWeightMs } from './weights.js';

/** Build the MST overlay. */
export function buildMst(cg: ConnectivityGraph, k: SiloTimes): Overlay {
  const tree = kruskalMst(cg, (i, j) => mstWeightMs(cg, k, i, j));
  return overlayFromPairs('mst', cg, tree, true);
}
