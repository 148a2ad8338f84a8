/**
 * The clocks of a plan, the only source of round ends: the max-plus clock (exact: the
 * papers' model) or the event-driven clock (`./event-clock.ts`) over the plan's exchanges,
 * with fair sharing, stragglers and failures. Both read one description of each round:
 * its transfers (`round(k).exchanges`, `./exchanges.ts`) with the plan's per-silo times.
 *
 * **Max-plus.** A plan says how the max-plus clock times its rounds ({@link MaxPlusRounds}):
 * - `per-silo`: the per-silo max-plus recursion over each round's exchanges (`./max-plus.ts`):
 *   static overlays, graph sequences, MATCHA's barrier rounds (whose round ends are the
 *   running sum of its round times, the largest delay of each round's edges);
 * - `steady`: every round lasts the plan's cycle time, round k ends at (k + 1) · cycle time:
 *   STAR, whose published cycle time is its round trip `2 (λ − C) + C`, and the baselines
 *   (one compute per round);
 * - `durations`: round k lasts the topology's own round time and round k ends at their
 *   running sum: the multigraph, whose rounds last the paper's τk (spec section 6.3, the
 *   maximum cycle mean of the round's strong edges with their remaining delays).
 *
 * The multigraph is the one plan whose two descriptions differ: its exchanges are its
 * physical per-silo clock (a strong edge's transfer leaves after the edge's previous strong
 * round and stays in flight over the weak rounds between), which the event clock runs and
 * which is 6 to 8% slower than the paper's τk on the papers' networks
 * (`test/timing/exchanges-plans.test.ts`). Every result of dflsim on the max-plus clock
 * (Table 3, the multigraph's cycle time, the simulated time of its training rounds) has
 * always been the paper's sum of τk, so that is what max-plus keeps; the per-silo views
 * (`silo-times.csv`, the timelines of reports) are breakdowns only the event clock gives,
 * and for the multigraph they are its physical clock's, with fixed sharing unless the run
 * chose the event clock.
 *
 * **Events.** The event clock's cycle time is its own asymptotic rate (ms per round), the
 * quantity max-plus reports for a static overlay (Karp's maximum cycle mean), never the end
 * of round K over K (which includes the first rounds' transient); see `eventCycleTime` in `timing/asymptotic-rate.ts`.
 */
import {
  batchMeans,
  DEFAULT_PERIODIC_SEARCH_ROUNDS,
  describeCycleTimeEstimate,
  periodicRegime,
  type CycleTimeEstimate,
} from './asymptotic-rate.js';
import { availability as availabilityOf, type AvailabilitySpec, type RoundAvailability } from './availability.js';
import type { SiloTimes } from './delay-model.js';
import { eventClock, type EventClock, type Sharing } from './event-clock.js';
import type { RoundClock, RoundEnds, RoundExchanges, SiloRoundTimes } from './exchanges.js';
import { maxPlusClock } from './max-plus.js';
import type { StragglerSpec } from './stragglers.js';

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
  if (c.stragglers)
    parts.push(
      c.stragglers.model === 'lognormal'
        ? `lognormal stragglers (sigma ${c.stragglers.sigma})`
        : `stragglers (p ${c.stragglers.p}, x${c.stragglers.slowdown})`,
    );
  if (c.availability) parts.push('failures');
  return parts.join(', ');
}

/** How the max-plus clock times a plan's rounds (see the file comment). */
export type MaxPlusRounds =
  /** The per-silo max-plus recursion over each round's exchanges. */
  | { kind: 'per-silo' }
  /** Every round lasts `roundMs`: round k ends at (k + 1) · roundMs. */
  | {
      kind: 'steady';
      /** The duration of every round (ms). */
      roundMs: number;
    }
  /** Round k lasts `roundMs(k)`: round k ends at the running sum. */
  | {
      kind: 'durations';
      /** The duration of round `round` (ms; rounds from 0). */
      roundMs: (round: number) => number;
    };

/** What the clocks read of a plan (a topology plan is one): each round's exchanges and how to time them. */
export interface TimedRounds {
  /** Silos. */
  n: number;
  /** Every round has the same graph state. */
  static: boolean;
  /** Rounds after which the states repeat (undefined when they never do). */
  period?: number;
  /** Per-silo times the exchanges are timed with (n entries). */
  siloTimes: SiloTimes;
  /** How the max-plus clock times the rounds. */
  maxPlus: MaxPlusRounds;
  /** Rounds a transfer may be launched before the round that lists it (the multigraph's largest multiplicity − 1; default 0). */
  launchLagRounds?: number;
  /** Round k's description; the clocks read its transfers. */
  round(k: number): { exchanges: RoundExchanges };
}

const maxPlusMemo = new WeakMap<TimedRounds, RoundEnds>();

/**
 * The round ends of a plan on the max-plus clock, by the plan's {@link MaxPlusRounds}
 * (one clock per plan, kept: asking again extends the same one).
 */
export function maxPlusRoundEnds(p: TimedRounds): RoundEnds {
  const hit = maxPlusMemo.get(p);
  if (hit) return hit;
  const m = p.maxPlus;
  let ends: RoundEnds;
  if (m.kind === 'per-silo') {
    // only the ends are reported: keep the per-silo times transfers may still launch from
    ends = maxPlusClock(p.siloTimes, (k) => p.round(k).exchanges, { keepRounds: (p.launchLagRounds ?? 0) + 1 });
  } else if (m.kind === 'steady') {
    const per = m.roundMs;
    ends = { roundEndMs: (k) => (k + 1) * per };
  } else {
    ends = endsOfDurations(m.roundMs);
  }
  maxPlusMemo.set(p, ends);
  return ends;
}

/**
 * Each silo's start and end of round k on a plan's clock (ms since the start):
 * - max-plus `per-silo`: the per-silo recursion's `t_j(k)` and `t_j(k+1)`, from a clock of
 *   its own that keeps the last rounds only (asked in round order it holds O(n·L) numbers,
 *   L the launch lag; asked for an earlier round it starts again from round 0). Its values
 *   are the plan's clock's: the same recursion in the same order;
 * - the event clock: its own per-silo times;
 * - a clock that times rounds, not silos (max-plus `steady` and `durations`: STAR, the
 *   baselines, the multigraph's τk): every silo starts round k at the end of round k − 1
 *   and ends it at the round's end.
 * @param ends the plan's round ends on its clock ({@link PlanClock.ends})
 */
export function roundSiloTimes(p: TimedRounds, c: ClockChoice, ends: RoundEnds): (round: number) => SiloRoundTimes {
  if (c.clock === 'max-plus' && p.maxPlus.kind === 'per-silo') {
    const keepRounds = (p.launchLagRounds ?? 0) + 2;
    const fresh = (): { clock: RoundClock; asked: number } => ({
      clock: maxPlusClock(p.siloTimes, (k) => p.round(k).exchanges, { keepRounds }),
      asked: -1,
    });
    let own = fresh();
    return (k) => {
      if (k < own.asked - 1) own = fresh();
      own.asked = Math.max(own.asked, k);
      return own.clock.silos(k);
    };
  }
  const perSilo = (ends as Partial<RoundClock>).silos;
  if (c.clock === 'events' && typeof perSilo === 'function') return (k) => perSilo.call(ends, k);
  return (k) => ({
    startMs: new Float64Array(p.n).fill(k > 0 ? ends.roundEndMs(k - 1) : 0),
    endMs: new Float64Array(p.n).fill(ends.roundEndMs(k)),
  });
}

/**
 * Round ends as the running sum of round durations: round k ends at
 * `roundMs(0) + ... + roundMs(k)`, added in that order (lazily, each duration asked once).
 */
export function endsOfDurations(roundMs: (round: number) => number): RoundEnds {
  const sums: number[] = [];
  return {
    roundEndMs(k) {
      if (!Number.isInteger(k) || k < 0) throw new RangeError(`max-plus clock: round must be a non-negative integer, got ${k}`);
      for (let r = sums.length; r <= k; r++) sums.push((r > 0 ? sums[r - 1] : 0) + roundMs(r));
      return sums[k];
    },
  };
}

/**
 * The event clock of a plan (per-silo times and exchanges of the plan; fixed sharing and
 * nothing random unless asked). Its round ends equal the per-silo max-plus recursion under
 * fixed sharing; its breakdown gives each silo's compute, send and wait.
 */
export function planEventClock(p: TimedRounds, c: Omit<ClockChoice, 'clock'>): EventClock {
  return eventClock(p.siloTimes, (k) => p.round(k).exchanges, {
    sharing: c.sharing ?? 'fixed',
    ...(c.stragglers ? { stragglers: c.stragglers } : {}),
    ...(c.availability ? { availability: c.availability } : {}),
    seed: c.seed,
    launchLagRounds: p.launchLagRounds ?? 0,
  });
}

/** Options of the event clock (`eventCycleTime` and `planClock`; reached through {@link clockedPlan}). */
export interface EventCycleTimeOptions {
  /** Rounds the periodic-regime search simulates at most (default 10,000). */
  maxRounds?: number;
}

/**
 * The cycle time of a plan on its event clock, and how it was obtained:
 * - deterministic (no stragglers, no failures, a plan whose graph states repeat with a
 *   period P, `plan.period`; fixed or fair sharing): the clock's periodic regime
 *   (`./asymptotic-rate.ts`): rounds are simulated until the per-silo state repeats,
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
export function eventCycleTime(
  p: TimedRounds,
  c: Omit<ClockChoice, 'clock'>,
  clock: EventClock,
  rounds: number,
  opts: EventCycleTimeOptions = {},
): CycleTimeEstimate {
  const K = Math.max(1, rounds);
  const period = p.period ?? (p.static ? 1 : undefined);
  const random = c.stragglers !== undefined || c.availability?.random !== undefined || period === undefined;
  const scheduled = (c.availability?.intervals?.length ?? 0) > 0;
  const meanOverK = (reason: string): CycleTimeEstimate => ({
    method: 'mean',
    cycleTimeMs: clock.roundEndMs(K - 1) / K,
    fromRound: 0,
    toRound: K - 1,
    reason,
  });
  if (random) {
    return batchMeans((k) => clock.roundEndMs(k), { rounds: K }) ?? meanOverK('too few rounds for batch means');
  }
  if (scheduled) return meanOverK('failures scheduled in intervals: no periodic regime sought');
  const maxRounds = opts.maxRounds ?? DEFAULT_PERIODIC_SEARCH_ROUNDS;
  if (!Number.isInteger(maxRounds) || maxRounds < 1)
    throw new RangeError(`eventCycleTime: maxRounds must be a positive integer, got ${maxRounds}`);
  const regime = periodicRegime(clock, { period: period!, lagRounds: p.launchLagRounds ?? 0, maxRounds });
  if (regime) {
    return {
      method: 'periodic',
      cycleTimeMs: regime.rateMs,
      transientRounds: regime.transientRounds,
      cyclicity: regime.cyclicity,
      roundsSimulated: regime.roundsSimulated,
      sharing: c.sharing ?? 'fixed',
    };
  }
  // no regime within the bound: the last whole periods of the second half
  const count = Math.max(1, Math.floor(maxRounds / 2 / period!)) * period!;
  const toRound = maxRounds - 1,
    fromRound = Math.max(0, toRound - count + 1);
  const before = fromRound > 0 ? clock.roundEndMs(fromRound - 1) : 0;
  return {
    method: 'tail-mean',
    cycleTimeMs: (clock.roundEndMs(toRound) - before) / (toRound - fromRound + 1),
    fromRound,
    toRound,
    roundsSimulated: maxRounds,
    period: period!,
  };
}

/** A plan's rounds on a clock: their ends, and on the event clock its cycle time and failures. */
export interface PlanClock {
  /** When each round ends (ms since the start). */
  ends: RoundEnds;
  /** The event clock's cycle time and how it was taken (absent on max-plus: the plan's own cycle time holds). */
  estimate?: CycleTimeEstimate;
  /** Silos and links down in round k (the event clock with failures). */
  down?: (round: number) => RoundAvailability;
  /** The clock and its cycle time in words, for the plan's details (absent on max-plus). */
  details?: Record<string, unknown>;
}

/**
 * A plan on a clock. `max-plus`: the plan's own rule ({@link maxPlusRoundEnds}). `events`:
 * the event clock over the plan's exchanges (round k ends when its last silo does), its
 * cycle time its own rate (`eventCycleTime`), and the failures it simulates.
 * @param rounds K, the context's rounds (a random clock's cycle time is its mean round over them)
 */
export function planClock(p: TimedRounds, c: ClockChoice, rounds: number, opts: EventCycleTimeOptions = {}): PlanClock {
  if (c.clock === 'max-plus') return { ends: maxPlusRoundEnds(p) };
  const clock = planEventClock(p, c);
  const estimate = eventCycleTime(p, c, clock, rounds, opts);
  return {
    ends: clock,
    estimate,
    ...(c.availability ? { down: availabilityOf(c.availability, p.n, c.seed) } : {}),
    details: { clock: describeClock(c), cycleTime: describeCycleTimeEstimate(estimate), cycleTimeEstimate: estimate },
  };
}
