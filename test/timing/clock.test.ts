/**
 * The clock module (`src/timing/clock.ts`), the only source of round ends: each plan's
 * max-plus rule (a steady round for STAR, the running sum of τk for the multigraph, the
 * per-silo recursion over MATCHA's barrier rounds, equal bit for bit to MATCHA's own running
 * sum of round times), and a sequence's rounds built once each.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prepareContext } from '../../src/experiment/cycle-times.js';
import { multigraphOf } from '../../src/overlay/topologies/multigraph.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { clockedPlan } from '../../src/overlay/clocked-plan.js';
import { buildMatcha, matchaRoundTimes } from '../../src/overlay/matcha.js';
import { UNIFORM_MIXING } from '../../src/overlay/mixing-rules.js';
import { timeVaryingPlan, type RoundGraph } from '../../src/overlay/topology.js';
import { createRng } from '../../src/random.js';
import { endsOfDurations, MAX_PLUS, maxPlusRoundEnds, planClock } from '../../src/timing/clock.js';
import { networkFile } from '../helpers.js';

const gaia = underlayFromGml(readFileSync(networkFile('gaia'), 'utf8'), networkFile('gaia'));
const PROFILE = { computeMs: { lognormal: { median: 6, sigma: 0.6 } }, uploadGbps: { uniform: { min: 1, max: 10 } }, seed: 4 };

describe("each plan's max-plus rule", () => {
  const ctx = prepareContext({ network: gaia, workload: 'femnist', rounds: 300 });

  it('STAR: every round lasts its published cycle time, round k ends at (k + 1) · cycle time', () => {
    const plan = ctx.catalogue.find('star')!.build(ctx);
    expect(plan.maxPlus).toEqual({ kind: 'steady', roundMs: plan.cycleTimeMs });
    const ends = maxPlusRoundEnds(plan);
    for (const k of [0, 1, 9, 299, 5000]) expect(ends.roundEndMs(k)).toBe((k + 1) * plan.cycleTimeMs);
    // the same clock is kept for the plan
    expect(maxPlusRoundEnds(plan)).toBe(ends);
  });

  it('the multigraph: round k lasts τk, its end is the running sum; past the simulated rounds it says so', () => {
    const plan = ctx.catalogue.find('multigraph-ring')!.build(ctx);
    const { sim } = multigraphOf(ctx, 'ring');
    const ends = maxPlusRoundEnds(plan);
    let sum = 0;
    for (let k = 0; k < 300; k++) {
      sum += sim.tauMs[k];
      expect(ends.roundEndMs(k)).toBe(sum);
    }
    expect(ends.roundEndMs(299) / 300).toBeCloseTo(plan.cycleTimeMs, 9);
    expect(() => ends.roundEndMs(300)).toThrow(/round 300 is past the 300 rounds simulated/);
    // its transfers (the physical clock) go on: the event clock may run past K
    expect(plan.round(450).exchanges.from.length).toBeGreaterThan(0);
    expect(plan.launchLagRounds).toBe(Math.max(...plan.drawing!.multiplicity!) - 1);
  });

  it.each([false, true])(
    "MATCHA (profile %s): the per-silo clock over its barrier rounds is MATCHA's running sum of round times, bit for bit",
    (profile) => {
      const c = prepareContext({ network: gaia, workload: 'femnist', rounds: 300, seed: 3, ...(profile ? { siloProfile: PROFILE } : {}) });
      const plan = c.catalogue.find('matcha')!.build(c);
      expect(plan.maxPlus).toEqual({ kind: 'per-silo' });
      const r = buildMatcha('underlay', c.underlay, c.cg, c.k, { budget: c.budget, seed: c.seed, rounds: 0 });
      const own = [...matchaRoundTimes(r, c.cg, c.k, createRng(c.seed).fork('matcha-rounds'), 200)];
      const ends = maxPlusRoundEnds(plan);
      own.forEach((rt, k) => {
        expect(plan.round(k).extra?.activeMatchings).toEqual(rt.active);
        expect(ends.roundEndMs(k), `round ${k}`).toBe(rt.endMs);
      });
    },
  );

  it('the running sum adds the durations in order, each asked once', () => {
    const asked: number[] = [];
    const ends = endsOfDurations((k) => {
      asked.push(k);
      return 0.1 * (k + 1);
    });
    expect(ends.roundEndMs(2)).toBe(0.1 + 0.2 + 0.30000000000000004);
    expect(ends.roundEndMs(1)).toBe(0.1 + 0.2);
    expect(ends.roundEndMs(3)).toBe(0.1 + 0.2 + 0.30000000000000004 + 0.4);
    expect(asked).toEqual([0, 1, 2, 3]);
    expect(() => ends.roundEndMs(-1)).toThrow(/non-negative integer/);
  });

  it("max-plus has no estimate of its own: the plan's cycle time holds", () => {
    const plan = ctx.catalogue.find('ring')!.build(ctx);
    const c = planClock(plan, MAX_PLUS, 300);
    expect(c.estimate).toBeUndefined();
    expect(c.ends).toBe(maxPlusRoundEnds(plan));
    const on = clockedPlan(plan, MAX_PLUS, 300);
    expect(on.cycleTimeMs).toBe(plan.cycleTimeMs);
    expect(on.roundEndMs(10)).toBe(c.ends.roundEndMs(10));
  });
});

describe("a sequence's rounds: one description, built once", () => {
  const ctx = prepareContext({ network: gaia, workload: 'femnist', rounds: 100 });
  const n = ctx.cg.n;
  /** Round k: silo k mod n sends to its successor (both ways), counting the calls per round. */
  const counting = (period: number | undefined) => {
    const calls = new Map<number, number>();
    const plan = timeVaryingPlan(ctx, 'counting', {
      period,
      mixing: UNIFORM_MIXING,
      round: (k): RoundGraph => {
        calls.set(k, (calls.get(k) ?? 0) + 1);
        const a = k % n,
          b = (k + 1) % n;
        return {
          pairs: [
            [a, b],
            [b, a],
          ],
        };
      },
    });
    return { plan, calls };
  };

  it('periodic: once per state of the period, whatever the clock and the engine ask', () => {
    const { plan, calls } = counting(5);
    const on = clockedPlan(plan, MAX_PLUS, 100);
    for (let k = 0; k < 100; k++) {
      on.roundEndMs(k);
      on.round(k);
    }
    expect([...calls.keys()].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4]);
    expect([...calls.values()]).toEqual([1, 1, 1, 1, 1]);
    // a state's graph and transfers are one: the transfers are the strong edges at their degrees
    const s = on.round(7);
    expect(s.strong).toEqual([
      [2, 3],
      [3, 2],
    ]);
    expect(Array.from(s.exchanges.from)).toEqual([2, 3]);
    expect(Array.from(s.exchanges.to)).toEqual([3, 2]);
    expect(Array.from(s.exchanges.upShare)).toEqual([1, 1]);
  });

  it('without a period: once per round when the clock and the engine take rounds in turn', () => {
    const { plan, calls } = counting(undefined);
    // the cycle time (end of round K / K) ran the clock over the K rounds once
    expect(calls.size).toBe(100);
    expect([...calls.values()].every((c) => c === 1)).toBe(true);
    calls.clear();
    const on = clockedPlan(plan, MAX_PLUS, 100);
    const more = (k: number): void => {
      on.roundEndMs(k);
      on.round(k);
    };
    for (let k = 100; k < 140; k++) more(k);
    expect([...calls.values()].every((c) => c === 1)).toBe(true);
    expect(calls.size).toBe(40);
  });
});
