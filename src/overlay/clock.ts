/**
 * The clock a plan's rounds are timed on: the topology's own (max-plus, exact: the papers'
 * model; for the multigraph the sum of its per-round cycle times τk), or the event-driven
 * clock (`timing/event-clock.ts`) over the plan's exchanges, with fair sharing, stragglers
 * and failures. {@link clockedPlan} returns the plan with its rounds' ends (and, with
 * failures, its rounds' graphs) on the chosen clock; timing, training and drawing read it
 * like any plan.
 *
 * The event clock's cycle time is its own asymptotic rate (ms per round), the quantity
 * max-plus reports for a static overlay (Karp's maximum cycle mean), never the end of
 * round K over K (which includes the first rounds' transient); how it was obtained is in
 * the plan's `details.cycleTime` (words) and `details.cycleTimeEstimate` (numbers), see
 * {@link eventCycleTime}.
 *
 * Failures in a round (semantics in `timing/availability.ts`): a down silo is listed in the
 * state's `down`; every edge from or to it, and every edge over a down link, leaves the
 * round's strong and weak edges (and its explicit mixing weight goes to the receiver's own
 * model); the engine neither trains nor mixes a down silo that round.
 */
import { batchMeans, DEFAULT_PERIODIC_SEARCH_ROUNDS, describeCycleTimeEstimate, periodicRegime, type CycleTimeEstimate } from '../timing/asymptotic-rate.js';
import { availability as availabilityOf, type AvailabilitySpec } from '../timing/availability.js';
import { eventClock, type EventClock, type Sharing } from '../timing/event-clock.js';
import { isolatedSilos, type RoundState, type SiloPair } from './round-state.js';
import type { StragglerSpec } from '../timing/stragglers.js';
import type { TopologyPlan } from './topology.js';

/** Which clock, and what it simulates (silo indices). */
export interface ClockChoice {
  clock: 'max-plus' | 'events';
  /** Event clock: `fixed` (default: its round ends are the per-silo max-plus clock's, its cycle time max-plus's on static overlays) or `fair`. */
  sharing?: Sharing;
  /** Event clock: per-round compute multipliers. */
  stragglers?: StragglerSpec;
  /** Event clock: silos and links down. */
  availability?: AvailabilitySpec;
  /** Seed of stragglers and random failures. */
  seed: number;
}

/** The max-plus clock (the default). */
export const MAX_PLUS: ClockChoice = { clock: 'max-plus', seed: 0 };

/** The clock in words, for results and reports. */
export function describeClock(c: ClockChoice): string {
  if (c.clock === 'max-plus') return 'max-plus';
  const parts = [`events, ${c.sharing ?? 'fixed'} sharing`];
  if (c.stragglers) parts.push(c.stragglers.model === 'lognormal' ? `lognormal stragglers (sigma ${c.stragglers.sigma})` : `stragglers (p ${c.stragglers.p}, x${c.stragglers.slowdown})`);
  if (c.availability) parts.push('failures');
  return parts.join(', ');
}

/** Rounds a plan's transfers may be launched before the round that lists them (the multigraph's multiplicity − 1). */
function launchLag(plan: TopologyPlan): number {
  const m = plan.drawing?.multiplicity;
  return m && m.length ? Math.max(0, Math.max(...m) - 1) : 0;
}

/**
 * The event clock of a plan (per-silo times and exchanges of the plan; fixed sharing and
 * nothing random unless asked). Its round ends equal the per-silo max-plus recursion under
 * fixed sharing; its breakdown gives each silo's compute, send and wait.
 */
export function planEventClock(plan: TopologyPlan, c: Omit<ClockChoice, 'clock'>): EventClock {
  return eventClock(plan.siloTimes, (k) => plan.exchanges(k), {
    sharing: c.sharing ?? 'fixed',
    ...(c.stragglers ? { stragglers: c.stragglers } : {}),
    ...(c.availability ? { availability: c.availability } : {}),
    seed: c.seed,
    launchLagRounds: launchLag(plan),
  });
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
    const edges: SiloPair[] = [], weights: number[] = [];
    const selfWeights = s.weights.selfWeights.slice();
    s.weights.edges.forEach((e, q) => {
      if (keep(e)) { edges.push(e); weights.push(s.weights!.weights[q]); } else selfWeights[e[1]] += s.weights!.weights[q];
    });
    out.weights = { edges, weights, selfWeights };
  }
  return out;
}

/** Options of {@link eventCycleTime} and {@link clockedPlan}. */
export interface EventCycleTimeOptions {
  /** Rounds the periodic-regime search simulates at most (default {@link DEFAULT_PERIODIC_SEARCH_ROUNDS}, 10,000). */
  maxRounds?: number;
}

/**
 * The cycle time of a plan on its event clock, and how it was obtained:
 * - deterministic (no stragglers, no failures, a plan whose graph states repeat with a
 *   period P, `plan.period`; fixed or fair sharing): the clock's periodic regime
 *   (`timing/asymptotic-rate.ts`): rounds are simulated until the per-silo state repeats,
 *   shifted, after c rounds (c a multiple of P), and the cycle time is the shift over c,
 *   the clock's exact asymptotic rate. Under fixed sharing it is the max-plus rate: Karp's
 *   cycle mean for a static overlay (STAR's round trip), the time-expanded graph's for a
 *   periodic plan. When no regime appears within `maxRounds` rounds, the mean round over
 *   the last whole periods of the second half of them, labelled an estimate;
 * - random (stragglers, random failures, or a graph sequence with no period such as
 *   MATCHA's or EquiDyn's samples): the mean round over the context's K rounds after a
 *   10% warm-up, with a 95% confidence interval by batch means (20 batches);
 * - failures scheduled in intervals only: the mean round over the K rounds (end of round
 *   K / K), since an asymptotic rate would leave the failures out.
 * @param rounds K, the context's rounds (random and scheduled cases)
 */
export function eventCycleTime(plan: TopologyPlan, c: Omit<ClockChoice, 'clock'>, clock: EventClock, rounds: number, opts: EventCycleTimeOptions = {}): CycleTimeEstimate {
  const K = Math.max(1, rounds);
  const period = plan.period ?? (plan.static ? 1 : undefined);
  const random = c.stragglers !== undefined || c.availability?.random !== undefined || period === undefined;
  const scheduled = (c.availability?.intervals?.length ?? 0) > 0;
  const meanOverK = (reason: string): CycleTimeEstimate => ({ method: 'mean', cycleTimeMs: clock.roundEndMs(K - 1) / K, fromRound: 0, toRound: K - 1, reason });
  if (random) {
    return batchMeans((k) => clock.roundEndMs(k), { rounds: K }) ?? meanOverK('too few rounds for batch means');
  }
  if (scheduled) return meanOverK('failures scheduled in intervals: no periodic regime sought');
  const maxRounds = opts.maxRounds ?? DEFAULT_PERIODIC_SEARCH_ROUNDS;
  if (!Number.isInteger(maxRounds) || maxRounds < 1) throw new RangeError(`eventCycleTime: maxRounds must be a positive integer, got ${maxRounds}`);
  const regime = periodicRegime(clock, { period: period!, lagRounds: launchLag(plan), maxRounds });
  if (regime) {
    return { method: 'periodic', cycleTimeMs: regime.rateMs, transientRounds: regime.transientRounds, cyclicity: regime.cyclicity, roundsSimulated: regime.roundsSimulated, sharing: c.sharing ?? 'fixed' };
  }
  // no regime within the bound: the last whole periods of the second half
  const count = Math.max(1, Math.floor(maxRounds / 2 / period!)) * period!;
  const toRound = maxRounds - 1, fromRound = Math.max(0, toRound - count + 1);
  const before = fromRound > 0 ? clock.roundEndMs(fromRound - 1) : 0;
  return { method: 'tail-mean', cycleTimeMs: (clock.roundEndMs(toRound) - before) / (toRound - fromRound + 1), fromRound, toRound, roundsSimulated: maxRounds, period: period! };
}

/**
 * A plan on a clock. `max-plus` returns the plan itself. `events` times every round with
 * the event clock over the plan's exchanges: round k ends when its last silo does; the
 * cycle time is the event clock's own rate ({@link eventCycleTime}); with failures, round
 * states lose their down silos' and links' edges and list the down silos.
 * @param rounds K, the context's rounds (a random clock's cycle time is its mean round over them)
 */
export function clockedPlan(plan: TopologyPlan, c: ClockChoice, rounds: number, opts: EventCycleTimeOptions = {}): TopologyPlan {
  if (c.clock === 'max-plus') return plan;
  const clock = planEventClock(plan, c);
  const n = plan.n;
  const down = c.availability ? availabilityOf(c.availability, n, c.seed) : undefined;
  const estimate = eventCycleTime(plan, c, clock, rounds, opts);
  return {
    ...plan,
    static: plan.static && !down,
    ...(down ? { period: undefined } : {}),
    round(k) {
      const base = plan.round(k);
      const s = down ? (() => { const a = down(k); return withoutDown(base, n, a.silos, a.links); })() : { ...base };
      s.endMs = clock.roundEndMs(k);
      s.durationMs = s.endMs - (k > 0 ? clock.roundEndMs(k - 1) : 0);
      return s;
    },
    cycleTimeMs: estimate.cycleTimeMs,
    criticalCircuit: [],
    details: {
      ...plan.details,
      clock: describeClock(c),
      cycleTime: describeCycleTimeEstimate(estimate),
      cycleTimeEstimate: estimate,
      maxPlusCycleTimeMs: plan.cycleTimeMs,
    },
  };
}
