import { describe, expect, it } from 'vitest';
import { decideVerdict, learnedLevel, type SeedRun } from '../../src/analysis/verdict.js';

/** A run whose test RMSE falls linearly from `from` to `to` over `evals` evaluations, one every `stepMs`. */
function run(condition: string, seed: number, from: number, to: number, stepMs: number, evals = 10): SeedRun {
  const rows = Array.from({ length: evals }, (_, i) => ({
    round: (i + 1) * 5 - 1,
    simulatedMs: (i + 1) * stepMs,
    value: from + ((to - from) * (i + 1)) / evals,
  }));
  return { condition, seed, evals: rows, rounds: evals * 5, endMs: evals * stepMs };
}

describe('verdicts', () => {
  it('the learned level: 5% below the constant predictor, or 5% less error than the majority class', () => {
    expect(learnedLevel('regression', 0.2, 0.05)).toBeCloseTo(0.19, 15);
    expect(learnedLevel('classification', 0.1, 0.05)).toBeCloseTo(1 - 0.95 * 0.9, 15);
  });

  it("nothing learned: every run at the constant predictor names no winner (the user's case: 1.00-1.01x)", () => {
    const baseline = 0.2599;
    const runs = ['ring', 'multigraph-ring', 'exponential'].flatMap((c, k) =>
      [1, 2, 3].map((s) => run(c, s, baseline * 1.01, baseline * (1.0 - 0.001 * k), 10 + k)),
    );
    const v = decideVerdict({ task: 'regression', baseline, runs });
    expect(v.outcome).toBe('nothing-learned');
    expect(v.winner).toBeUndefined();
    expect(v.sentence).toMatch(/No run beat the constant predictor by 5%/);
    expect(v.sentence).toMatch(/train longer/);
  });

  it('a clear winner: one topology reaches the target sooner in every seed, p below 0.05, and the rule is stated', () => {
    const baseline = 0.3;
    // fast reaches 0.2 after 4 s-ish, slow after about twice as long; seeds perturb both
    const runs = [1, 2, 3].flatMap((s) => [run('multigraph-ring', s, 0.28, 0.15, 100 + s), run('ring', s, 0.28, 0.15, 200 + 3 * s)]);
    const v = decideVerdict({ task: 'regression', baseline, runs });
    expect(v.outcome).toBe('winner');
    expect(v.winner).toBe('multigraph-ring');
    const c = v.comparisons[0];
    expect(c.paired).toBe(true);
    expect(c.ratio).toBeGreaterThan(1.9);
    expect(c.ratio).toBeLessThan(2.1);
    expect(c.p).toBeLessThan(0.05);
    expect(v.sentence).toMatch(/^multigraph-ring reached test RMSE 0\.1500 .* sooner than every other topology over 3 seeds/);
    expect(v.rule).toMatch(/p < 0\.05/);
    // every seed reached the common target (the best level of the worst run: 0.15)
    expect(v.targetSource).toBe('best level every run reached');
    expect(v.conditions.every((x) => x.reached === 3)).toBe(true);
  });

  it('a tie: the same cycle time and curves that differ by 1e-4 RMSE in either direction are no clear difference', () => {
    const baseline = 0.3;
    const runs = [1, 2, 3, 4].flatMap((s) => {
      const jitter = (s % 2 === 0 ? 1 : -1) * 1e-4;
      return [run('ring', s, 0.28, 0.2 + jitter, 52.11), run('multigraph-ring', s, 0.28, 0.2 - jitter, 52.11)];
    });
    const v = decideVerdict({ task: 'regression', baseline, runs });
    expect(v.outcome).toBe('no-clear-difference');
    expect(v.winner).toBeUndefined();
    expect(v.sentence).toMatch(/No clear winner over 4 seeds/);
    expect(v.comparisons[0].clear).toBe(false);
    expect(v.comparisons[0].p).toBeGreaterThan(0.05);
  });

  it('one seed only: no verdict, however large the difference looks', () => {
    const runs = [run('ring', 1, 0.28, 0.15, 300), run('multigraph-ring', 1, 0.28, 0.15, 100)];
    const v = decideVerdict({ task: 'regression', baseline: 0.3, runs });
    expect(v.outcome).toBe('one-seed');
    expect(v.winner).toBeUndefined();
    expect(v.sentence).toMatch(/One seed per topology/);
    expect(v.sentence).toMatch(/3\.00x sooner than ring/);
  });

  it('classification: the target is an accuracy, higher is better, baseline the majority class', () => {
    const acc = (condition: string, seed: number, stepMs: number): SeedRun => ({
      condition,
      seed,
      rounds: 50,
      endMs: 10 * stepMs,
      evals: Array.from({ length: 10 }, (_, i) => ({ round: 5 * i + 4, simulatedMs: (i + 1) * stepMs, value: 0.05 + 0.06 * (i + 1) })),
    });
    const runs = [1, 2, 3].flatMap((s) => [acc('star', s, 300 + 7 * s), acc('ring', s, 100 + 2 * s)]);
    const v = decideVerdict({ task: 'classification', baseline: 0.06, runs });
    expect(v.outcome).toBe('winner');
    expect(v.winner).toBe('ring');
    expect(v.metric).toBe('test accuracy');
    expect(v.target).toBeCloseTo(0.65, 12);
  });

  it('a run that never reaches the learned level counts with its end as a lower bound, and a leader that misses it in a seed is not named', () => {
    const baseline = 0.3;
    // fast learns in every seed; slow never gets below 0.29 (it has not learned): target = the learned level 0.285
    const runs = [1, 2, 3].flatMap((s) => [run('fast', s, 0.29, 0.2, 50 + s), run('slow', s, 0.3, 0.29, 60 + s)]);
    const v = decideVerdict({ task: 'regression', baseline, runs });
    expect(v.targetSource).toBe('learned level');
    expect(v.target).toBeCloseTo(0.285, 12);
    expect(v.outcome).toBe('winner');
    expect(v.comparisons[0].censored).toBe(3);
    // the leader missing the target in one seed: no verdict
    const miss = runs.map((r) => (r.condition === 'fast' && r.seed === 2 ? run('fast', 2, 0.3, 0.29, 52) : r));
    const v2 = decideVerdict({ task: 'regression', baseline, runs: miss });
    expect(v2.winner).toBeUndefined();
    expect(v2.outcome).toBe('no-clear-difference');
    // fast still reached it in 2 of 3 seeds, slow in none: fast leads, and the sentence says why no time is compared
    expect(v2.comparisons[0].faster).toBe('fast');
    expect(v2.sentence).toMatch(
      /no topology reached .* in every seed \(fast 2 of 3, slow 0 of 3\), so the times to reach it cannot be compared/,
    );
  });

  it('ranking puts the topology that reached the target in more seeds first, even when its runs were slower', () => {
    const baseline = 0.3;
    // quick reaches the learned level 0.285 in seed 1 only (and ends early); steady reaches it in every seed, later
    const runs = [1, 2, 3].flatMap((s) => [run('quick', s, 0.29, s === 1 ? 0.2 : 0.288, 10), run('steady', s, 0.29, 0.2, 40 + s)]);
    const v = decideVerdict({ task: 'regression', baseline, runs });
    expect(v.conditions.find((c) => c.condition === 'quick')!.reached).toBe(1);
    expect(v.comparisons[0].faster).toBe('steady');
    expect(v.comparisons[0].censored).toBe(2);
  });
});
