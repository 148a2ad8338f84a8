/**
 * Cycle time of a static overlay (`../shared/spec/cycle-time-model.md`, section 4): the
 * maximum cycle mean of the overlay weighted by its section-3 delays.
 */
import { edgeDelaysMs, type Overlay } from './delay-model.js';
import { maxCycleMean } from './karp.js';
import type { DelayConstants } from './workload.js';

/** A cycle time with the circuit that sets it. */
export interface CycleTimeResult {
  /** Cycle time (ms per round). */
  cycleTimeMs: number;
  /** Silo names along the critical circuit. */
  criticalCircuit: string[];
  /** Delays of the critical circuit's links (ms), in order. */
  criticalDelaysMs: number[];
}

/**
 * Cycle time of an overlay.
 * A silo with no cycle through it (a single silo) runs at its compute time C.
 */
export function overlayCycleTime(o: Overlay, k: DelayConstants): CycleTimeResult {
  const d = edgeDelaysMs(o, k);
  const from = Int32Array.from(o.edges, (e) => e.from);
  const to = Int32Array.from(o.edges, (e) => e.to);
  const r = maxCycleMean(o.silos.length, from, to, d);
  if (r.value === -Infinity) return { cycleTimeMs: k.computeMs, criticalCircuit: [], criticalDelaysMs: [] };
  return {
    cycleTimeMs: r.value,
    criticalCircuit: r.circuit.map((i) => o.silos[i]),
    criticalDelaysMs: r.circuitEdges.map((e) => d[e]),
  };
}
