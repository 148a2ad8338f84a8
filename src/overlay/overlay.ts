/**
 * Overlays: directed graphs on the silos whose edges are the model exchanges. The type
 * and the delays live in the delay model (`../timing/delay-model.ts`); they are
 * re-exported here for the builders.
 */
export { d1Ms, degrees, edgeDelaysMs, overlayFromPairs, type Overlay, type OverlayEdge } from '../timing/delay-model.js';
import type { Overlay } from '../timing/delay-model.js';

/** Undirected pairs (a < b) of an overlay's edges, each once. */
export function undirectedPairs(o: Overlay): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (const e of o.edges) {
    const [a, b] = e.from < e.to ? [e.from, e.to] : [e.to, e.from];
    const key = `${a},${b}`;
    if (!seen.has(key)) { seen.add(key); out.push([a, b]); }
  }
  return out;
}
