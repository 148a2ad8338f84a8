/**
 * A multigraph's full description (states, isolated silos, statistics) and the sweep of
 * its cycle time over t: the library form of `dflsim multigraph`.
 */
import { buildMultigraph } from '../multigraph/multigraph.js';
import { multigraphStats, simulateMultigraph, type MultigraphStats } from '../multigraph/rounds.js';
import { baseOverlay } from '../overlay/topologies/multigraph.js';
import { overlayCycleTime } from '../overlay/overlay.js';
import { prepareContext, type CycleTimeRequest } from './cycle-times.js';

/** The JSON shape of `dflsim multigraph`. */
export interface MultigraphReport {
  network: string;
  silos: number;
  workload: string;
  overlayOf: string;
  tMax: number;
  rounds: number;
  overlayCycleTimeMs: number;
  cycleTimeMs: number;
  speedupOverOverlay: number;
  edges: { from: string; to: string; d1Ms: number; delayMs: number; multiplicity: number }[];
  states: { state: number; strongEdges: number; weakEdges: number; isolatedSilos: string[]; strong: [string, string][] }[];
  firstRoundsCycleTimeMs: number[];
  statistics: MultigraphStats;
  sweep?: { tMax: number; states: number; cycleTimeMs: number; speedupOverOverlay: number; meanIsolatedPerRound: number }[];
}

/**
 * Describe the multigraph on a base overlay, optionally sweeping t.
 * @param overlayOf a static topology of the catalogue (`ring`, `mst`, `delta-mbst`, `star`, `exponential`, or `overlay` with `req.overlayFile`)
 */
export function describeMultigraph(req: CycleTimeRequest, overlayOf: string, sweepT?: number[]): MultigraphReport {
  const ctx = prepareContext(req);
  const base = baseOverlay(ctx, overlayOf);
  const own = overlayCycleTime(base, ctx.k).cycleTimeMs;
  const mg = buildMultigraph(base, ctx.k, ctx.tMax);
  const sim = simulateMultigraph(mg, ctx.k, ctx.rounds);
  const name = (i: number): string => ctx.cg.silos[i];
  const report: MultigraphReport = {
    network: ctx.underlay.name,
    silos: ctx.cg.n,
    workload: ctx.params.workload.name,
    overlayOf,
    tMax: ctx.tMax,
    rounds: ctx.rounds,
    overlayCycleTimeMs: own,
    cycleTimeMs: sim.cycleTimeMs,
    speedupOverOverlay: own / sim.cycleTimeMs,
    edges: base.edges.map((e, i) => ({
      from: name(e.from),
      to: name(e.to),
      d1Ms: mg.d1Ms[i],
      delayMs: mg.delayMs[i],
      multiplicity: mg.multiplicity[i],
    })),
    states: mg.states.map((s) => ({
      state: s.index,
      strongEdges: s.strongEdges.length,
      weakEdges: s.weakEdges.length,
      isolatedSilos: s.isolated.map(name),
      strong: s.strongEdges.map((e) => [name(base.edges[e].from), name(base.edges[e].to)] as [string, string]),
    })),
    firstRoundsCycleTimeMs: Array.from(sim.tauMs.slice(0, 12)),
    statistics: multigraphStats(mg, ctx.rounds),
  };
  if (sweepT) {
    report.sweep = sweepT.map((t) => {
      const m = buildMultigraph(base, ctx.k, t);
      const s = simulateMultigraph(m, ctx.k, ctx.rounds);
      return {
        tMax: t,
        states: m.states.length,
        cycleTimeMs: s.cycleTimeMs,
        speedupOverOverlay: own / s.cycleTimeMs,
        meanIsolatedPerRound: multigraphStats(m, ctx.rounds).meanIsolatedPerRound,
      };
    });
  }
  return report;
}
