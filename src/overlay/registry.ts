/**
 * The topology registry: every topology dflsim can time, by name. A builder takes the
 * network context and returns a result with the cycle time, the critical circuit, the
 * overlay and topology-specific details. MATCHA and the multigraph register here too.
 */
import { DflsimInputError } from '../errors.js';
import type { ConnectivityGraph } from '../network/connectivity.js';
import type { Underlay } from '../network/underlay.js';
import { overlayCycleTime } from '../timing/cycle-time.js';
import type { DelayConstants, TimingParams } from '../timing/workload.js';
import { buildDeltaMbst } from './delta-mbst.js';
import { buildMst } from './mst.js';
import type { Overlay } from './overlay.js';
import { buildRing, type RingOptions } from './ring.js';
import { buildStar } from './star.js';

/** Everything a topology builder may need. */
export interface TopologyContext {
  underlay: Underlay;
  cg: ConnectivityGraph;
  params: TimingParams;
  k: DelayConstants;
  /** Core link capacity the connectivity graph was built with (Gbit/s). */
  coreGbps: number;
  ring: RingOptions;
  /** A user's overlay (for `overlay` and `multigraph-overlay`). */
  userOverlay?: Overlay;
  /** Multigraph: maximum number of edges between two silos. */
  tMax: number;
  /** Rounds over which round-varying topologies are averaged. */
  rounds: number;
  /** MATCHA communication budget. */
  budget: number;
  /** Seed for sampled topologies. */
  seed: number;
  /** Memo shared by builders (e.g. the RING tour reused by multigraph-ring). */
  cache: Map<string, unknown>;
}

/** The result of timing one topology. */
export interface TopologyResult {
  topology: string;
  /** Cycle time (ms per round). */
  cycleTimeMs: number;
  /** Silo names along the circuit that sets the cycle time (if the notion applies). */
  criticalCircuit: string[];
  /** Number of directed overlay edges. */
  overlayEdges: number;
  /** The overlay (for static topologies; the base overlay for round-varying ones). */
  overlay?: Overlay;
  /** Topology-specific details (centre, best δ, tour, statistics, ...). */
  details?: Record<string, unknown>;
}

/** A topology builder. */
export type TopologyBuilder = (ctx: TopologyContext) => TopologyResult;

const builders = new Map<string, TopologyBuilder>();

/** Register a topology by name. */
export function registerTopology(name: string, builder: TopologyBuilder): void {
  builders.set(name, builder);
}

/** Names of all registered topologies, in registration order. */
export function topologyNames(): string[] {
  return [...builders.keys()];
}

/** Look up a topology builder, with a clear error for an unknown name. */
export function getTopology(name: string, field = '--topologies'): TopologyBuilder {
  const b = builders.get(name);
  if (!b) throw new DflsimInputError(field, `unknown topology "${name}"; expected one of ${topologyNames().join(', ')}`);
  return b;
}

/** Cached helpers so that derived topologies reuse the same base overlay. */
export function cached<T>(ctx: TopologyContext, key: string, make: () => T): T {
  if (!ctx.cache.has(key)) ctx.cache.set(key, make());
  return ctx.cache.get(key) as T;
}

function staticResult(topology: string, overlay: Overlay, ctx: TopologyContext, details?: Record<string, unknown>): TopologyResult {
  const ct = overlayCycleTime(overlay, ctx.k);
  return { topology, cycleTimeMs: ct.cycleTimeMs, criticalCircuit: ct.criticalCircuit, overlayEdges: overlay.edges.length, overlay, details };
}

/** The RING of a context (cached). */
export function ringOf(ctx: TopologyContext): ReturnType<typeof buildRing> {
  return cached(ctx, `ring:${ctx.ring.localSearch}`, () => buildRing(ctx.cg, ctx.k, ctx.ring));
}

registerTopology('star', (ctx) => {
  const s = cached(ctx, 'star', () => buildStar(ctx.cg, ctx.k));
  return {
    topology: 'star',
    cycleTimeMs: s.cycleTime.cycleTimeMs,
    criticalCircuit: s.cycleTime.criticalCircuit,
    overlayEdges: s.overlay.edges.length,
    overlay: s.overlay,
    details: { center: ctx.cg.silos[s.center], oneWayCycleTimeMs: s.oneWayCycleTimeMs },
  };
});
registerTopology('mst', (ctx) => staticResult('mst', cached(ctx, 'mst', () => buildMst(ctx.cg, ctx.k)), ctx));
registerTopology('delta-mbst', (ctx) => {
  const r = cached(ctx, 'delta-mbst', () => buildDeltaMbst(ctx.cg, ctx.k));
  return staticResult('delta-mbst', r.overlay, ctx, { bestDelta: r.bestDelta, fromCube: r.fromCube });
});
registerTopology('ring', (ctx) => {
  const r = ringOf(ctx);
  return staticResult('ring', r.overlay, ctx, { tour: r.tour.map((i) => ctx.cg.silos[i]), localSearch: ctx.ring.localSearch });
});
registerTopology('overlay', (ctx) => {
  if (!ctx.userOverlay) throw new DflsimInputError('--topologies', 'topology "overlay" needs --overlay <file.json>');
  return staticResult('overlay', ctx.userOverlay, ctx);
});

