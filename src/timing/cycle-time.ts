/**
 * Cycle time of a static overlay (`../shared/spec/cycle-time-model.md`, section 4): the
 * maximum cycle mean of the overlay weighted by its section-3 delays. With a silo profile
 * every silo also carries its self-loop C_j (a round of local steps with no exchange): a
 * self-loop is a circuit of its own, so the cycle time is `max(Karp's value, max_j C_j)`
 * (a cycle mean can be below a slow silo's compute).
 */
import { degrees, delayTerms, describeDelay, edgeDelaysMs, maxComputeMs, slowestSilo, type Overlay, type SiloTimes } from './delay-model.js';
import { maxCycleMean } from './karp.js';

/** A cycle time with the circuit that sets it. */
export interface CycleTimeResult {
  /** Cycle time (ms per round). */
  cycleTimeMs: number;
  /** Silo names along the critical circuit. */
  criticalCircuit: string[];
  /** Delays of the critical circuit's links (ms), in order. */
  criticalDelaysMs: number[];
  /**
   * What sets the pace, in words: the critical circuit's slowest edge and its terms
   * (`upload of X (k copies)`, `download at Y (k copies)`, `path X-Y bandwidth`, latency,
   * `compute at X`), largest first; or `compute at X` when a silo's own compute is the cycle.
   */
  bottleneck?: string;
}

/**
 * Cycle time of an overlay.
 * A silo with no cycle through it (a single silo) runs at its compute time C.
 */
export function overlayCycleTime(o: Overlay, k: SiloTimes): CycleTimeResult {
  const n = o.silos.length;
  const d = edgeDelaysMs(o, k);
  const from = Int32Array.from(o.edges, (e) => e.from);
  const to = Int32Array.from(o.edges, (e) => e.to);
  const r = maxCycleMean(n, from, to, d);
  const slowest = slowestSilo(k);
  if (r.value === -Infinity || (k.profile && maxComputeMs(k) > r.value)) {
    const c = maxComputeMs(k);
    return {
      cycleTimeMs: c,
      criticalCircuit: k.profile && n > 0 ? [o.silos[slowest]] : [],
      criticalDelaysMs: k.profile && n > 0 ? [c] : [],
      ...(n > 0 ? { bottleneck: `compute at ${o.silos[slowest]} ${Math.round(c * 1000) / 1000} ms` } : {}),
    };
  }
  const deg = degrees(o);
  let worst = r.circuitEdges[0];
  for (const e of r.circuitEdges) if (d[e] > d[worst]) worst = e;
  const e = o.edges[worst];
  const terms = delayTerms(k, e.from, e.to, e.latencyMs, e.bandwidthBitsPerMs, deg.out[e.from], deg.in[e.to]);
  return {
    cycleTimeMs: r.value,
    criticalCircuit: r.circuit.map((i) => o.silos[i]),
    criticalDelaysMs: r.circuitEdges.map((x) => d[x]),
    bottleneck: describeDelay(o.silos, e.from, e.to, terms),
  };
}
