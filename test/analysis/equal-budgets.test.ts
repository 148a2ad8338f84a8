/**
 * Runs compared at equal rounds and at equal simulated time, and against a reference paired by
 * seed: hand-computed values on small cases where the two budgets pick different evaluations.
 */
import { describe, expect, it } from 'vitest';
import { equalBudgets, pairedDifferences, pairedDifferencesOverRounds, type AnalysedRun } from '../../src/analysis/training.js';
import type { MetricRow } from '../../src/learning/dpasgd.js';

function run(condition: string, seed: number, evals: [number, number, number][]): AnalysedRun {
  // [round, simulatedMs, accuracy]; rows without evaluation in between are skipped by the analysis
  const metrics = evals.map(([round, simulatedMs, acc]) => ({ round, simulatedMs, testAccuracy: acc }) as unknown as MetricRow);
  return {
    condition,
    seed,
    metrics,
    summary: { task: 'classification', constantPredictorRmse: null, majorityClassAccuracy: 0.1, rounds: 0, simulatedMs: 0 },
  };
}

describe('equalBudgets', () => {
  it('takes each run at the rounds and the time every run reached', () => {
    // ring: slow rounds (100 ms); multigraph: fast rounds (25 ms), evaluated every 10 rounds
    const runs = [
      run('ring', 1, [
        [9, 1000, 0.5],
        [19, 2000, 0.7],
      ]),
      run('ring', 2, [
        [9, 1000, 0.3],
        [19, 2000, 0.5],
      ]),
      run('multigraph', 1, [
        [9, 250, 0.2],
        [19, 500, 0.4],
        [29, 750, 0.6],
        [39, 1000, 0.8],
      ]),
      run('multigraph', 2, [
        [9, 250, 0.2],
        [19, 500, 0.3],
        [29, 750, 0.4],
        [39, 1000, 0.6],
      ]),
    ];
    const e = equalBudgets(runs)!;
    // every run reached round 19 (ring's last) and 1000 ms (ring's first... and multigraph's last)
    expect(e.round).toBe(19);
    expect(e.simulatedMs).toBe(1000);
    expect(e.metric).toBe('testAccuracy');
    expect(e.rows.map((r) => r.condition)).toEqual(['ring', 'multigraph']);
    const [ring, mg] = e.rows;
    // at equal rounds: ring (0.7 + 0.5) / 2, multigraph (0.4 + 0.3) / 2
    expect(ring!.atRounds.mean).toBeCloseTo(0.6, 12);
    expect(mg!.atRounds.mean).toBeCloseTo(0.35, 12);
    // at equal time: ring's evaluation at 1000 ms (0.5, 0.3), multigraph's at 1000 ms (0.8, 0.6)
    expect(ring!.atTime.mean).toBeCloseTo(0.4, 12);
    expect(mg!.atTime.mean).toBeCloseTo(0.7, 12);
    // two seeds: t(0.975, 1) = 12.706 times the standard error (sd 0.1414 / sqrt 2 = 0.1)
    expect(ring!.atTime.halfWidth).toBeCloseTo(12.7062 * 0.1, 3);
    expect(ring!.seeds).toBe(2);
  });

  it('leaves out a run not yet evaluated at the common time', () => {
    const e = equalBudgets([
      run('star', 1, [[9, 3000, 0.4]]),
      run('ring', 1, [
        [9, 1000, 0.5],
        [19, 2000, 0.7],
      ]),
    ])!;
    expect(e.simulatedMs).toBe(2000);
    expect(e.rows[0]!.evaluatedByTime).toBe(0);
    expect(Number.isNaN(e.rows[0]!.atTime.mean)).toBe(true);
    expect(e.rows[1]!.atTime.mean).toBe(0.7);
    expect(e.round).toBe(9);
    expect(e.rows[1]!.atRounds.mean).toBe(0.5);
  });

  it('takes regression runs relative to their own constant predictor when seeds drew other data, as the verdict does', () => {
    const reg = (seed: number, base: number, rmse: number): AnalysedRun => ({
      condition: 'ring',
      seed,
      metrics: [{ round: 4, simulatedMs: 100, testRmse: rmse } as unknown as MetricRow],
      summary: { task: 'regression', constantPredictorRmse: base, rounds: 5, simulatedMs: 100 },
    });
    const e = equalBudgets([reg(1, 0.5, 0.25), reg(2, 0.2, 0.1)])!;
    expect(e.relative).toBe(true);
    // 0.25 / 0.5 and 0.1 / 0.2: both 0.5, where absolute RMSEs (0.25, 0.1) would average 0.175
    expect(e.rows[0]!.atRounds.mean).toBeCloseTo(0.5, 12);
    expect(e.rows[0]!.atTime.mean).toBeCloseTo(0.5, 12);
    // the same constant predictor in every seed: absolute values
    expect(equalBudgets([reg(1, 0.5, 0.25), reg(2, 0.5, 0.1)])!.rows[0]!.atRounds.mean).toBeCloseTo(0.175, 12);
  });

  it('is null when a run has no evaluation', () => {
    expect(equalBudgets([run('ring', 1, [])])).toBeNull();
    expect(equalBudgets([])).toBeNull();
  });
});

describe('pairedDifferences', () => {
  it('pairs each condition with the reference seed by seed, at equal rounds and at equal time', () => {
    const runs = [
      run('ring', 1, [
        [9, 1000, 0.5],
        [19, 2000, 0.7],
      ]),
      run('ring', 2, [
        [9, 1000, 0.3],
        [19, 2000, 0.5],
      ]),
      run('ring', 3, [
        [9, 1000, 0.4],
        [19, 2000, 0.6],
      ]),
      run('multigraph', 1, [
        [9, 250, 0.2],
        [19, 500, 0.4],
        [39, 1000, 0.8],
      ]),
      run('multigraph', 2, [
        [9, 250, 0.2],
        [19, 500, 0.3],
        [39, 1000, 0.6],
      ]),
      run('multigraph', 3, [
        [9, 250, 0.2],
        [19, 500, 0.2],
        [39, 1000, 0.5],
      ]),
    ];
    const d = pairedDifferences(runs)!;
    expect(d.reference).toBe('ring');
    expect(d.rows.map((r) => r.condition)).toEqual(['multigraph']);
    const [mg] = d.rows;
    // round 19: 0.4 - 0.7, 0.3 - 0.5, 0.2 - 0.6 = -0.3, -0.2, -0.4: mean -0.3, sd 0.1, se 0.1/sqrt 3
    expect(mg!.atRounds.seeds).toBe(3);
    expect(mg!.atRounds.meanDiff).toBeCloseTo(-0.3, 12);
    const h = 4.302653 * (0.1 / Math.sqrt(3)); // t(0.975, 2)
    expect(mg!.atRounds.low).toBeCloseTo(-0.3 - h, 5);
    expect(mg!.atRounds.high).toBeCloseTo(-0.3 + h, 5);
    // t = -0.3 / 0.0577 = -5.196 on 2 df: two-sided p = 0.0351
    expect(mg!.atRounds.p).toBeCloseTo(0.0351, 3);
    // 1000 ms: 0.8 - 0.5, 0.6 - 0.3, 0.5 - 0.4 = 0.3, 0.3, 0.1: mean 0.2333
    expect(mg!.atTime.meanDiff).toBeCloseTo(0.7 / 3, 12);
    expect(mg!.atTime.low).toBeLessThan(0); // sd 0.1155: the interval holds 0
    // another reference on request; an unknown one gives null
    expect(pairedDifferences(runs, 'multigraph')!.rows[0]!.atRounds.meanDiff).toBeCloseTo(0.3, 12);
    expect(pairedDifferences(runs, 'star')).toBeNull();
  });

  it('pairs only the seeds both conditions ran, and takes the first condition by default', () => {
    const d = pairedDifferences([
      run('t=1', 1, [[9, 100, 0.5]]),
      run('t=1', 2, [[9, 100, 0.6]]),
      run('t=2', 2, [[9, 50, 0.4]]),
      run('t=2', 3, [[9, 50, 0.9]]),
    ])!;
    expect(d.reference).toBe('t=1');
    expect(d.rows[0]!.atRounds.seeds).toBe(1);
    expect(d.rows[0]!.atRounds.meanDiff).toBeCloseTo(-0.2, 12);
    expect(Number.isNaN(d.rows[0]!.atRounds.low)).toBe(true);
  });
});

describe('pairedDifferencesOverRounds', () => {
  it('pairs each condition with the reference at rounds spread over the run, evaluated in every run', () => {
    // evaluations every 10 rounds up to round 99 (rounds 9, 19, ..., 99); the gap closes: -0.4, ..., 0
    const evals = (gap: (k: number) => number) =>
      Array.from({ length: 10 }, (_, i) => [10 * i + 9, 100 * i, 0.5 + gap(i)] as [number, number, number]);
    const runs = [1, 2, 3].flatMap((seed) => [
      run(
        'ring',
        seed,
        evals(() => 0.01 * seed),
      ),
      run(
        'multigraph',
        seed,
        evals((i) => 0.01 * seed - 0.04 * (9 - i) - (seed === 2 ? 0.01 : 0)),
      ),
    ]);
    const d = pairedDifferencesOverRounds(runs, 'ring', [0.1, 0.2, 0.5, 1])!;
    expect(d.reference).toBe('ring');
    // 10%, 20%, 50%, 100% of 100 rounds: rounds 10, 20, 50, 100 (0-based 9, 19, 49, 99)
    expect(d.rounds).toEqual([9, 19, 49, 99]);
    const [mg] = d.rows;
    expect(mg!.condition).toBe('multigraph');
    // round 10: -0.36 in seeds 1 and 3, -0.37 in seed 2
    expect(mg!.at[0]!.meanDiff).toBeCloseTo(-(0.36 * 2 + 0.37) / 3, 12);
    expect(mg!.at[3]!.meanDiff).toBeCloseTo(-0.01 / 3, 12);
    expect(mg!.at.every((x) => x.seeds === 3)).toBe(true);
    // a round not evaluated in every run is never compared
    const ragged = [...runs, run('star', 1, [[99, 500, 0.6]])];
    expect(pairedDifferencesOverRounds(ragged, 'ring')!.rounds).toEqual([99]);
    expect(pairedDifferencesOverRounds([run('ring', 1, [[9, 1, 0.5]])], 'ring')).toBeNull();
  });
});
