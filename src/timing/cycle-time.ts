/**
 * Cycle time of a static overlay (`../shared/spec/cycle-time-model.md`, section 4): the
 * maximum cycle mean of the overlay weighted by its section-3 delays. With a silo profile
 * every silo also carries its self-loop C_j (a round of local steps with no exchange): a
 * self-loop is a circuit of its own, so the cycle time is `max(Karp's value, max_j C_j)`
 * (a cycle mean can be below a slow silo's compute).
 */
import { delayTerms, describeDelay, maxComputeMs, slowestSilo, type SiloTimes } from './delay-model.js';
import { exchangeDelaysMs, type RoundExchanges } from './exchanges.js';
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
 * Cycle time of a static plan whose every round has the transfers `r` (an overlay's edges
 * at its degrees): the maximum cycle mean of their delays. A silo with no cycle through it
 * (a single silo) runs at its compute time C.
 * @param silos silo names (indices of `r` refer to these)
 */
export function staticCycleTime(k: SiloTimes, silos: readonly string[], r: RoundExchanges): CycleTimeResult {
  const n = silos.length;
  const d = exchangeDelaysMs(k, r);
  const res = maxCycleMean(n, r.from, r.to, d);
  const slowest = slowestSilo(k);
  if (res.value === -Infinity || (k.profile && maxComputeMs(k) > res.value)) {
    const c = maxComputeMs(k);
    return {
      cycleTimeMs: c,
      criticalCircuit: k.profile && n > 0 ? [silos[slowest]] : [],
      criticalDelaysMs: k.profile && n > 0 ? [c] : [],
      ...(n > 0 ? { bottleneck: `compute at ${silos[slowest]} ${Math.round(c * 1000) / 1000} ms` } : {}),
    };
  }
  let worst = res.circuitEdges[0];
  for (const e of res.circuitEdges) if (d[e] > d[worst]) worst = e;
  const i = r.from[worst],
    j = r.to[worst];
  const terms = delayTerms(k, i, j, r.latencyMs[worst], r.pathBitsPerMs[worst], r.upShare[worst], r.downShare[worst]);
  return {
    cycleTimeMs: res.value,
    criticalCircuit: res.circuit.map((x) => silos[x]),
    criticalDelaysMs: res.circuitEdges.map((x) => d[x]),
    bottleneck: describeDelay(silos, i, j, terms),
  };
}
