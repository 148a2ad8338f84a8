/**
 * A topology's rounds as data for other trainers (PyTorch, JAX, ...): for each round, its
 * strong and weak edges, isolated and down silos, the mixing rows of the topology's own
 * rule (the rows dflsim's DPASGD engine applies, down silos included: see
 * {@link scheduleFromPlan}) and each silo's start and end of the round on the plan's clock.
 * Rounds are produced one at a time by a generator, so that a long plan on many silos is
 * never held in memory (the file formats are in `docs/plan.md`).
 */
import type { ClockedPlan } from '../overlay/clocked-plan.js';
import type { MixingRule, MixingRows } from '../overlay/mixing-rules.js';
import type { SiloPair } from '../overlay/round-state.js';
import { scheduleFromPlan } from './schedule.js';

/**
 * One term of a silo's exported mixing row: `[col, weight]`, or `[col, weight, 1]` when the
 * term takes silo `col`'s model from the start of the round (before its local steps: the
 * multigraph's edges that were weak in the previous round).
 */
export type PlanMixTerm = [number, number] | [number, number, 1];

/** One exported round (silo indices into the plan's silos). */
export interface PlanRound {
  /** Round index k (0-based). */
  round: number;
  /** Directed pairs `[from, to]` whose transfer the receiver waits for this round. */
  strong: SiloPair[];
  /** Directed pairs in the overlay not waited for this round (the multigraph's). */
  weak: SiloPair[];
  /** Silos with no strong edge this round (down silos are not listed). */
  isolated: number[];
  /** Silos down this round (failures on the event clock): they neither train nor mix. */
  down: number[];
  /** Row i: silo i's new model is `Σ weight · model[col]` over its terms (rows sum to 1). */
  mixing: PlanMixTerm[][];
  /** When each silo started this round (ms since the start of training). */
  startMs: Float64Array;
  /** When each silo finished this round (ms since the start of training). */
  endMs: Float64Array;
  /** When the round has ended everywhere: the plan's clock's round end (ms). */
  roundEndMs: number;
  /** The mean round so far: `roundEndMs / (round + 1)` (ms per round). */
  cycleTimeMs: number;
}

/** A round's mixing rows as sparse exported rows (terms in the rule's order; stale terms marked). */
export function exportedRows(rows: MixingRows): PlanMixTerm[][] {
  return rows.map((row) => row.map((t): PlanMixTerm => (t.stale ? [t.from, t.weight, 1] : [t.from, t.weight])));
}

/**
 * The first `rounds` rounds of a plan on its clock under a mixing rule, one at a time.
 * The mixing rows are those the training engine applies ({@link scheduleFromPlan}: the
 * rule's rows, with down silos keeping their model and the rows renormalised as the plan
 * says); the times are the plan's clock's ({@link ClockedPlan.roundSilosMs}).
 * @param plan a topology's plan on a clock (`clockedPlan`, `buildOnClock`)
 * @param rule the plan's mixing rule for the run (`mixingRule(plan, n, inputs)`)
 * @param rounds R ≥ 1, the rounds to produce
 */
export function* planRounds(plan: ClockedPlan, rule: MixingRule, rounds: number): Generator<PlanRound, void, undefined> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`planRounds: rounds must be a positive integer, got ${rounds}`);
  const schedule = scheduleFromPlan(plan, rule);
  for (let k = 0; k < rounds; k++) {
    const p = schedule.plan(k);
    const s = p.state ?? plan.round(k);
    const t = plan.roundSilosMs(k);
    yield {
      round: k,
      strong: s.strong,
      weak: s.weak,
      isolated: s.isolated,
      down: s.down ?? [],
      mixing: exportedRows(p.mixing),
      startMs: Float64Array.from(t.startMs),
      endMs: Float64Array.from(t.endMs),
      roundEndMs: p.endMs,
      cycleTimeMs: p.endMs / (k + 1),
    };
  }
}
