/**
 * `schedule`: a user's own time-varying topology, from a schedule file (`--schedule`,
 * config `schedule`; see `../schedule-file.ts`): round k uses entry k mod the period.
 * Timed by the per-silo max-plus clock over each round's edges (cycle time = end of
 * round K / K); trained with the run's mixing scheme on each round's edges.
 */
import { DflsimInputError } from '../../errors.js';
import type { SiloPair } from '../round-state.js';
import { timeVaryingPlan, type Topology } from '../topology.js';
import { SCHEME_MIXING } from '../mixing-rules.js';

/** The user-schedule topology. */
export const userScheduleTopology: Topology = {
  name: 'schedule',
  family: 'time-varying',
  description: 'your own time-varying topology: one overlay per round (--schedule file.json)',
  supports: { cycleTime: true, training: true, drawing: true, multigraphBase: false },
  needs: { scheduleFile: true },
  build(ctx) {
    const rounds = ctx.userSchedule;
    if (!rounds) throw new DflsimInputError('--topologies', 'topology "schedule" needs --schedule <file.json>');
    const pairs = rounds.map((o) => o.edges.map((e) => [e.from, e.to] as SiloPair));
    return timeVaryingPlan(ctx, 'schedule', {
      round: (k) => ({ pairs: pairs[k % pairs.length] }),
      period: pairs.length,
      mixing: SCHEME_MIXING,
      details: { period: pairs.length },
    });
  },
};
