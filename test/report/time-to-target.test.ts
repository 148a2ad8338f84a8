/** The demo's headline: which run first reaches the best test RMSE every run reached. */
import { describe, expect, it } from 'vitest';
import type { MetricRow } from '../../src/learning/dpasgd.js';
import { timeToTarget } from '../../src/report/markdown.js';
import type { RunSummary } from '../../src/experiment/runner.js';

function run(label: string, evals: [number, number][]): { label: string; metrics: MetricRow[]; summary: RunSummary } {
  const metrics = evals.map(([simulatedMs, testRmse], round) => ({ round, simulatedMs, wallMs: 0, trainLoss: 1, testLoss: null, testRmse, consensus: null, siloTestRmse: null, isolated: 0 }));
  return { label, metrics, summary: {} as RunSummary };
}

describe('timeToTarget', () => {
  it('targets the highest best RMSE and orders runs by the simulated time they reach it', () => {
    // ring's best is 0.20 (at 300 ms); the multigraph reaches 0.20 at 150 ms
    const ring = run('ring', [[100, 0.3], [200, 0.25], [300, 0.2]]);
    const mg = run('multigraph-ring', [[50, 0.29], [100, 0.24], [150, 0.19], [200, 0.15]]);
    const t = timeToTarget([ring, mg], 300)!;
    expect(t.targetRmse).toBe(0.2);
    expect(t.reached).toEqual([{ label: 'multigraph-ring', simulatedMs: 150, round: 2 }, { label: 'ring', simulatedMs: 300, round: 2 }]);
    expect(t.sentence).toBe('Within the same simulated-time budget (0.30 s), multigraph-ring first reached test RMSE 0.2000 (the best level every run reached) after 0.15 s of simulated time (round 3); ring at 0.30 s (round 3): 2.00x sooner than ring.');
  });

  it('skips rounds without evaluation and needs two evaluated runs', () => {
    const a = run('a', [[10, 0.5]]);
    a.metrics.push({ ...a.metrics[0], round: 1, simulatedMs: 20, testRmse: null });
    expect(timeToTarget([a])).toBeNull();
    expect(timeToTarget([a, run('b', [])])).toBeNull();
    const t = timeToTarget([a, run('b', [[5, 0.6], [30, 0.4]])])!;
    expect(t.targetRmse).toBe(0.5);
    expect(t.reached.map((r) => [r.label, r.simulatedMs])).toEqual([['a', 10], ['b', 30]]);
    expect(t.sentence.startsWith('Of these runs, a first reached test RMSE 0.5000')).toBe(true);
  });
});
