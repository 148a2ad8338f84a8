/**
 * A plan on a clock: the topology's rounds with their ends on the chosen clock
 * (`../timing/clock.ts`, the only source of round ends), and with failures, the rounds'
 * graphs without what is down. Timing, training and drawing read it like any plan.
 *
 * Failures in a round (semantics in `../timing/availability.ts`): a down silo is listed in
 * the state's `down`; every edge from or to it, and every edge over a down link, leaves the
 * round's strong and weak edges (and its explicit mixing weight goes to the receiver's own
 * model); the engine neither trains nor mixes a down silo that round. The round's
 * `exchanges` stay as planned: the event clock drops the transfers itself.
 */
import { planClock, roundSiloTimes, type ClockChoice, type EventCycleTimeOptions } from '../timing/clock.js';
import type { SiloRoundTimes } from '../timing/exchanges.js';
import { isolatedSilos, type RoundState, type SiloPair } from './round-state.js';
import type { TopologyPlan } from './topology.js';

/** A topology's plan on a clock. */
export interface ClockedPlan extends TopologyPlan {
  /** The end of round k on the plan's clock (ms since the start). */
  roundEndMs(round: number): number;
  /**
   * Each silo's start and end of round k on the plan's clock (ms since the start; see
   * `roundSiloTimes` in `../timing/clock.ts`). Ask in round order: on max-plus only the
   * latest rounds' per-silo times are kept.
   */
  roundSilosMs(round: number): SiloRoundTimes;
}

/** A round's state without down silos and links. */
function withoutDown(s: RoundState, n: number, downSilos: Uint8Array, downLinks: Set<number>): RoundState {
  const keep = ([a, b]: SiloPair): boolean => !downSilos[a] && !downSilos[b] && !downLinks.has(a * n + b);
  const down: number[] = [];
  for (let i = 0; i < n; i++) if (downSilos[i]) down.push(i);
  if (!down.length && !downLinks.size) return s;
  const strong = s.strong.filter(keep);
  const weak = s.weak.filter(keep);
  const out: RoundState = { ...s, strong, weak, isolated: isolatedSilos(n, strong).filter((i) => !downSilos[i]), down };
  if (s.weights) {
    const edges: SiloPair[] = [],
      weights: number[] = [];
    const selfWeights = s.weights.selfWeights.slice();
    s.weights.edges.forEach((e, q) => {
      if (keep(e)) {
        edges.push(e);
        weights.push(s.weights!.weights[q]);
      } else selfWeights[e[1]] += s.weights!.weights[q];
    });
    out.weights = { edges, weights, selfWeights };
  }
  return out;
}

/**
 * A plan on a clock. `max-plus`: the plan's rounds, ended by its own max-plus rule.
 * `events`: every round timed with the event clock over the plan's exchanges; the cycle
 * time is the event clock's own rate (with the max-plus one kept in the details); with
 * failures, round states lose their down silos' and links' edges and list the down silos.
 * @param rounds K, the context's rounds (a random clock's cycle time is its mean round over them)
 */
export function clockedPlan(plan: TopologyPlan, c: ClockChoice, rounds: number, opts: EventCycleTimeOptions = {}): ClockedPlan {
  const clock = planClock(plan, c, rounds, opts);
  const ends = clock.ends;
  const roundSilosMs = roundSiloTimes(plan, c, ends);
  if (!clock.estimate) return { ...plan, roundEndMs: (k) => ends.roundEndMs(k), roundSilosMs };
  const n = plan.n;
  const down = clock.down;
  return {
    ...plan,
    static: plan.static && !down,
    ...(down ? { period: undefined } : {}),
    round(k) {
      const base = plan.round(k);
      if (!down) return base;
      const a = down(k);
      return withoutDown(base, n, a.silos, a.links);
    },
    roundEndMs: (k) => ends.roundEndMs(k),
    roundSilosMs,
    cycleTimeMs: clock.estimate.cycleTimeMs,
    criticalCircuit: [],
    details: { ...plan.details, ...clock.details, maxPlusCycleTimeMs: plan.cycleTimeMs },
  };
}
