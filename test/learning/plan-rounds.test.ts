/** planRounds: lazy, one round at a time; the engine's rows; per-silo times that chain round to round. */
import { describe, expect, it } from 'vitest';
import { buildOnClock, prepareContext, timedTopology } from '../../src/experiment/cycle-times.js';
import { planRounds } from '../../src/learning/plan-rounds.js';
import { mixingRule, scheduleFromPlan } from '../../src/learning/schedule.js';
import type { RoundState } from '../../src/overlay/round-state.js';

describe('planRounds', () => {
  const ctx = prepareContext({ network: 'gaia-cities', workload: 'femnist', rounds: 40 });
  const inputs = { shardSizes: new Array<number>(11).fill(1), scheme: 'metropolis' as const };

  it('produces rounds as they are asked for, with the rows the engine applies', () => {
    const plan = buildOnClock(timedTopology('one-peer-exponential'), ctx);
    const asked: number[] = [];
    const watched = {
      ...plan,
      round: (k: number): RoundState => {
        asked.push(k);
        return plan.round(k);
      },
    };
    const rule = mixingRule(plan, 11, inputs);
    const gen = planRounds(watched, rule, 1_000_000);
    const first = [gen.next().value!, gen.next().value!, gen.next().value!];
    expect(Math.max(...asked)).toBe(2);
    const schedule = scheduleFromPlan(plan, rule);
    first.forEach((r, k) => {
      expect(r.round).toBe(k);
      expect(r.mixing).toEqual(schedule.plan(k).mixing.map((row) => row.map((t) => [t.from, t.weight])));
      expect(r.roundEndMs).toBe(plan.roundEndMs(k));
    });
  });

  it("chains each silo's times (a silo starts round k when it finished round k - 1) on the per-silo max-plus clock", () => {
    const plan = buildOnClock(timedTopology('exponential'), ctx);
    const rounds = [...planRounds(plan, mixingRule(plan, 11, inputs), 6)];
    expect(Array.from(rounds[0].startMs)).toEqual(new Array(11).fill(0));
    for (let k = 1; k < 6; k++) expect(rounds[k].startMs).toEqual(rounds[k - 1].endMs);
    // silos do not all end together: the clock is per silo
    expect(new Set(rounds[3].endMs).size).toBeGreaterThan(1);
    // asked again from round 0, the same numbers (its own clock restarts)
    expect([...planRounds(plan, mixingRule(plan, 11, inputs), 2)][1].endMs).toEqual(rounds[1].endMs);
  });

  it('refuses fewer than one round', () => {
    const plan = buildOnClock(timedTopology('ring'), ctx);
    expect(() => planRounds(plan, mixingRule(plan, 11, inputs), 0).next()).toThrow(/rounds must be a positive integer, got 0/);
  });
});
