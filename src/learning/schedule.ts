/**
 * Training schedules: for each round, how silos mix (a mixing rule applied to the
 * round's graph state) and when the round ends on the simulated clock (the plan's clock,
 * from the timing core). Generic over topologies: a schedule is a plan on a clock
 * ({@link ClockedPlan}) plus a mixing rule; nothing here knows a topology by name.
 */
import { DflsimInputError, describeValue, expectObject, expectString } from '../errors.js';
import { clockedPlan, type ClockedPlan } from '../overlay/clocked-plan.js';
import type { MixingInputs, MixingRows, MixingRule, StaticScheme } from '../overlay/mixing-rules.js';
import type { TopologyContext, TopologyPlan } from '../overlay/topology.js';
import type { RoundState } from '../overlay/round-state.js';
import { MAX_PLUS } from '../timing/clock.js';

/** One round of a schedule. */
export interface RoundPlan {
  round: number;
  /** Mixing rows of this round. */
  mixing: MixingRows;
  /** Simulated clock when every silo has finished this round (ms). */
  endMs: number;
  /** Silos isolated this round (multigraph). */
  isolated: number[];
  /** Silos down this round: they do not train or mix (their mixing row is the identity). */
  down?: number[];
  /** The round's graph state the rows were computed from (on the plan's clock: without what is down). */
  state?: RoundState;
}

/** A topology's schedule over rounds. */
export interface TrainingSchedule {
  topology: string;
  /** Silos. */
  n: number;
  /** The plan of round k (0-based); k < rounds. */
  plan(round: number): RoundPlan;
  /** When round k ends on the simulated clock (ms), without its mixing rows (default: `plan(k).endMs`). */
  endMs?(round: number): number;
}

export type { MixingInputs, MixingRule } from '../overlay/mixing-rules.js';

/**
 * The mixing rule of a plan for a run: the topology's own (see `overlay/mixing-rules.ts`).
 * @param n number of silos
 */
export function mixingRule(plan: TopologyPlan, n: number, inputs: MixingInputs): MixingRule {
  return plan.mixing.rule(n, inputs);
}

/**
 * Mixing rows of a round with some silos down: a down silo keeps its model (identity
 * row); every other row drops its terms from down silos and gives their weight to its own
 * model, so rows stay stochastic and a symmetric (doubly stochastic) matrix stays so.
 * FedAvg instead renormalises each row over the silos that are up (the server averages
 * the models it received).
 * @param renormalise FedAvg's rule
 */
export function withoutDownSilos(rows: MixingRows, down: readonly number[], renormalise = false): MixingRows {
  const isDown = new Set(down);
  return rows.map((row, i) => {
    if (isDown.has(i)) return [{ from: i, weight: 1, stale: false }];
    const kept = row.filter((t) => !isDown.has(t.from));
    const lost = row.reduce((s, t) => s + (isDown.has(t.from) ? t.weight : 0), 0);
    if (lost === 0) return row;
    if (renormalise) {
      const total = 1 - lost;
      return kept.map((t) => ({ ...t, weight: t.weight / total }));
    }
    const self = kept.findIndex((t) => t.from === i && !t.stale);
    if (self >= 0) return kept.map((t, q) => (q === self ? { ...t, weight: t.weight + lost } : t));
    return [{ from: i, weight: lost, stale: false }, ...kept];
  });
}

/**
 * The schedule of a plan under a mixing rule. Rows are computed once for a static plan,
 * once per state of a periodic one (round 0 apart: it has no previous round), and per
 * round otherwise.
 */
export function scheduleFromPlan(plan: ClockedPlan, rule: MixingRule): TrainingSchedule {
  const rowsByKey = new Map<number, MixingRows>();
  const period = plan.static ? 1 : plan.period;
  // the engine asks for rounds in order: keep the last state for the next round's "previous"
  let last: RoundState | null = null;
  const stateOf = (k: number): RoundState => (last && last.round === k ? last : plan.round(k));
  return {
    topology: plan.topology,
    n: plan.n,
    endMs: (k) => plan.roundEndMs(k),
    plan: (k) => {
      const state = stateOf(k);
      const key = period === undefined ? undefined : k === 0 ? -1 : k % period;
      let mixing = key === undefined ? undefined : rowsByKey.get(key);
      if (!mixing) {
        mixing = rule(state, k > 0 ? stateOf(k - 1) : null);
        if (key !== undefined) rowsByKey.set(key, mixing);
      }
      last = state;
      const endMs = plan.roundEndMs(k);
      if (state.down?.length)
        return {
          round: k,
          mixing: withoutDownSilos(mixing, state.down, plan.mixing.downSilos === 'renormalise'),
          endMs,
          isolated: state.isolated,
          down: state.down,
          state,
        };
      return { round: k, mixing, endMs, isolated: state.isolated, state };
    },
  };
}

/**
 * The schedule of a topology by name for `rounds` rounds on the max-plus clock (the
 * topology is looked up in the context's catalogue).
 * @param topology e.g. `ring`, `multigraph-ring`, `star` (FedAvg), `local`
 * @param shardSizes samples per silo (FedAvg weights)
 * @param scheme weights of static overlays other than RING (default Metropolis-Hastings)
 */
export function buildSchedule(
  ctx: TopologyContext,
  topology: string,
  rounds: number,
  shardSizes: readonly number[],
  scheme: StaticScheme = 'metropolis',
): TrainingSchedule {
  expectObject(ctx, 'buildSchedule: ctx', 'a topology context (from prepareContext)');
  if (!ctx.catalogue || typeof ctx.catalogue.find !== 'function')
    throw new DflsimInputError(
      'buildSchedule: ctx',
      'expected a topology context (from prepareContext), got an object without a catalogue',
    );
  expectString(topology, 'buildSchedule: topology', 'a topology name such as "ring"');
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new DflsimInputError('buildSchedule: rounds', `expected an integer >= 1, got ${describeValue(rounds)}`);
  if (!Array.isArray(shardSizes) || shardSizes.some((n) => typeof n !== 'number' || !(n >= 0)))
    throw new DflsimInputError(
      'buildSchedule: shardSizes',
      `expected an array of sample counts (numbers >= 0), got ${describeValue(shardSizes)}`,
    );
  const t = ctx.catalogue.find(topology);
  if (!t || !t.supports.training) {
    throw new DflsimInputError(
      'topology',
      `cannot train over "${topology}"; expected one of ${ctx.catalogue.names((x) => x.supports.training).join(', ')}`,
    );
  }
  const plan = clockedPlan(t.build(rounds === ctx.rounds ? ctx : { ...ctx, rounds }), MAX_PLUS, rounds);
  return scheduleFromPlan(plan, mixingRule(plan, plan.n, { shardSizes, scheme }));
}
