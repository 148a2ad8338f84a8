/**
 * Timing a topology by name: the catalogue's topology built on a context, summarised as
 * a {@link TopologyResult} (cycle time, critical circuit, overlay, details). The
 * topologies themselves are in `./catalogue.ts`.
 */
import type { Overlay } from './overlay.js';
import { getTopologyValue } from './catalogue.js';
import type { TopologyContext, TopologyPlan } from './topology.js';

export { cached, ringOf, type TopologyContext } from './topology.js';
export { topologyNames } from './catalogue.js';

/** The result of timing one topology. */
export interface TopologyResult {
  topology: string;
  /** Cycle time (ms per round). */
  cycleTimeMs: number;
  /** Silo names along the circuit that sets the cycle time (if the notion applies). */
  criticalCircuit: string[];
  /** What sets the pace on the critical circuit, in words (static overlays). */
  bottleneck?: string;
  /** Number of directed overlay edges. */
  overlayEdges: number;
  /** The overlay (for static topologies; the base overlay for round-varying ones). */
  overlay?: Overlay;
  /** Topology-specific details (centre, best δ, tour, statistics, ...). */
  details?: Record<string, unknown>;
}

/** A function timing one topology on a context. */
export type TopologyBuilder = (ctx: TopologyContext) => TopologyResult;

/** The timing summary of a plan. */
export function planResult(plan: TopologyPlan): TopologyResult {
  return {
    topology: plan.topology,
    cycleTimeMs: plan.cycleTimeMs,
    criticalCircuit: plan.criticalCircuit,
    ...(plan.bottleneck !== undefined ? { bottleneck: plan.bottleneck } : {}),
    overlayEdges: plan.overlayEdges,
    ...(plan.overlay ? { overlay: plan.overlay } : {}),
    ...(plan.details ? { details: plan.details } : {}),
  };
}

/** Look up a topology by name (a clear error for an unknown one) as a timing function. */
export function getTopology(name: string, field = '--topologies'): TopologyBuilder {
  const t = getTopologyValue(name, field);
  return (ctx) => planResult(t.build(ctx));
}
