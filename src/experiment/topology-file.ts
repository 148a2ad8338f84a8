/**
 * `topology.json`: what a report needs to draw a topology: the silos with their
 * coordinates, the overlay's edges, and for the multigraph each graph state's strong edges
 * and isolated silos.
 */
import { topologyNames, getTopologyValue } from '../overlay/catalogue.js';
import { displayLabel } from '../network/labels.js';
import { describeClock, planEventClock, type ClockChoice } from '../timing/clock.js';
import type { TopologyContext, TopologyPlan } from '../overlay/topology.js';
import { buildOnClock, contextClock, contextProfile } from './cycle-times.js';

/** Rounds shown in a timeline. */
export const TIMELINE_ROUNDS = 6;

/**
 * Each silo's first rounds on a clock: the event clock's breakdown (with fixed sharing it
 * is the per-silo max-plus clock; for the multigraph that is the physical per-silo clock,
 * not the paper's per-round cycle times).
 */
export function planTimeline(plan: TopologyPlan, clock: ClockChoice, rounds = TIMELINE_ROUNDS): SiloTimeline {
  const c = planEventClock(plan, clock.clock === 'events' ? clock : { seed: clock.seed });
  const silos = Array.from({ length: plan.n }, () => ({
    startMs: [] as number[],
    computeEndMs: [] as number[],
    sendEndMs: [] as number[],
    endMs: [] as number[],
  }));
  for (let k = 0; k < rounds; k++) {
    const b = c.breakdown(k);
    for (let j = 0; j < plan.n; j++) {
      silos[j].startMs.push(b.computeStartMs[j]);
      silos[j].computeEndMs.push(b.computeStartMs[j] + b.computeMs[j]);
      silos[j].sendEndMs.push(b.sendEndMs[j]);
      silos[j].endMs.push(b.endMs[j]);
    }
  }
  return { clock: clock.clock === 'events' ? describeClock(clock) : 'per-silo max-plus', rounds, silos };
}

/** A drawable description of one topology on one network. */
export interface TopologyDrawing {
  network: string;
  topology: string;
  /** Each silo: its name (the raw label, its id), how it is shown when that differs (`label`, e.g. `New York, NY` for `New+York,+NY`), and its position. */
  silos: { name: string; label?: string; latitude: number | null; longitude: number | null }[];
  /** Directed overlay edges by silo index. */
  edges: [number, number][];
  /** Graph states (strong edges and isolated silos by index) of a round-varying topology (multigraph: all S; sequences: the first rounds). */
  states?: { state: number; strong: [number, number][]; isolated: number[] }[];
  /** Multiplicity of each edge (multigraph). */
  multiplicity?: number[];
  cycleTimeMs?: number;
  /** Each silo's first rounds on the run's clock (compute, send, wait), for the timeline. */
  timeline?: SiloTimeline;
  /** The silos' profile (one local step's compute, access capacities), when one is given. */
  profile?: DrawingProfile;
}

/** Each silo's first rounds: when it started, finished computing, finished sending, and finished the round (ms). */
export interface SiloTimeline {
  /** The clock, in words (`max-plus`, `events, fair sharing, stragglers`, ...). */
  clock: string;
  /** Rounds shown. */
  rounds: number;
  /** Per silo (by index), per round. */
  silos: { startMs: number[]; computeEndMs: number[]; sendEndMs: number[]; endMs: number[] }[];
}

/** Per-silo profile values (by silo index). */
export interface DrawingProfile {
  computeMs: number[];
  uploadGbps: number[];
  downloadGbps: number[];
}

/**
 * Describe a topology of a context for drawing: the overlay of its plan (the static
 * overlay, a multigraph's base, the union of a sequence's period, MATCHA's base graph),
 * its states when round-varying, and its cycle time. A baseline has no edges.
 */
export function describeTopology(ctx: TopologyContext, topology: string): TopologyDrawing {
  const silos = ctx.underlay.silos.map((name, i) => ({
    name,
    ...(displayLabel(name) !== name ? { label: displayLabel(name) } : {}),
    latitude: ctx.underlay.coordinates[i]?.latitude ?? null,
    longitude: ctx.underlay.coordinates[i]?.longitude ?? null,
  }));
  const base = { network: ctx.underlay.name, topology, silos };
  const t = getTopologyValue(topology);
  if (t.family === 'baseline') return { ...base, edges: [] };
  const plan = buildOnClock(t, ctx);
  const profile = contextProfile(ctx);
  return {
    ...base,
    ...(t.supports.cycleTime && plan.n > 1
      ? { timeline: planTimeline(plan, contextClock(ctx), Math.min(TIMELINE_ROUNDS, ctx.rounds)) }
      : {}),
    ...(profile
      ? {
          profile: {
            computeMs: Array.from(profile.computeStepMs),
            uploadGbps: Array.from(profile.uploadBitsPerSec, (b) => b / 1e9),
            downloadGbps: Array.from(profile.downloadBitsPerSec, (b) => b / 1e9),
          },
        }
      : {}),
    edges: (plan.overlay?.edges ?? []).map((e) => [e.from, e.to] as [number, number]),
    ...(plan.drawing?.multiplicity ? { multiplicity: plan.drawing.multiplicity } : {}),
    cycleTimeMs: plan.cycleTimeMs,
    ...(plan.drawing?.states ? { states: plan.drawing.states } : {}),
  };
}

/** Topologies drawn in every report (the catalogue's `lists.reportDrawing`). */
export function drawnTopologies(): string[] {
  return topologyNames((t) => t.supports.drawing && t.lists?.reportDrawing === true);
}
