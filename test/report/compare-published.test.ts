/**
 * Two published conditions compared seed by seed (scripts/compare-published.mjs): the metric
 * at the last round both evaluated, regression relative to each run's constant predictor,
 * and the curves' roughness over the second half; hand-computed on small bundles. And the
 * report's own comparison with RING (whichever place it has in the sweep), paired by seed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparePublished, readPublishedCondition } from '../../src/report/publish.js';
import { differenceTable, referenceCondition, type ReportData } from '../../src/report/markdown.js';
import type { MetricRow } from '../../src/learning/dpasgd.js';
import type { RunSummary } from '../../src/experiment/run-types.js';
import { ROOT } from '../helpers.js';

function bundle(dir: string, runs: string[], evals: string[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'runs.csv'),
    ['condition,seed,finalTestAccuracy,finalTestRmse,constantPredictorRmse', ...runs].join('\n') + '\n',
  );
  writeFileSync(path.join(dir, 'evaluations.csv'), ['condition,seed,round,simulatedMs,testAccuracy,testRmse', ...evals].join('\n') + '\n');
  return dir;
}

describe('comparePublished', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'dflsim-compare-'));
  // regression: A (fadnet) and B (dronet); seed 1's constant predictor 0.5, seed 2's 0.25
  const a = bundle(
    path.join(root, 'a'),
    ['ring,1,,0.2,0.5', 'ring,2,,0.1,0.25'],
    [
      'ring,1,1,10,,0.4',
      'ring,1,3,30,,0.3',
      'ring,1,5,50,,0.25',
      'ring,1,7,70,,0.2',
      'ring,2,1,10,,0.2',
      'ring,2,3,30,,0.15',
      'ring,2,5,50,,0.1',
      'ring,2,7,70,,0.1',
    ],
  );
  const b = bundle(
    path.join(root, 'b'),
    ['ring,1,,0.3,0.5', 'ring,2,,0.2,0.25', 'ring,3,,0.2,0.25'],
    [
      'ring,1,1,10,,0.45',
      'ring,1,3,30,,0.25',
      'ring,1,5,50,,0.35',
      'ring,1,7,70,,0.3',
      'ring,1,9,90,,0.3',
      'ring,2,1,10,,0.2',
      'ring,2,3,30,,0.2',
      'ring,2,5,50,,0.15',
      'ring,2,7,70,,0.2',
      'ring,3,1,10,,0.2',
    ],
  );

  it('pairs the seeds both ran, at the last round both evaluated, relative to each constant predictor', () => {
    const c = comparePublished(readPublishedCondition(a, 'ring'), readPublishedCondition(b, 'ring'));
    expect(c.seeds).toEqual([1, 2]);
    expect(c.round).toBe(7); // B's seed 1 went on to round 9: not compared
    expect(c.metric).toBe('testRmse relative to the constant predictor');
    // finals: A 0.2/0.5 = 0.4, 0.1/0.25 = 0.4; B 0.3/0.5 = 0.6, 0.2/0.25 = 0.8
    expect(c.a.final[0]).toBeCloseTo(0.4, 12);
    expect(c.b.final[1]).toBeCloseTo(0.8, 12);
    expect(c.finalDiff.meanDiff).toBeCloseTo(0.3, 12);
    // roughness over rounds >= 3.5: rounds 5 and 7. A seed 1: |0.2 - 0.25| / 0.5 = 0.1; B seed 1: |0.3 - 0.35| / 0.5 = 0.1
    // A seed 2: 0; B seed 2: |0.2 - 0.15| / 0.25 = 0.2
    expect(c.a.roughness).toEqual([expect.closeTo(0.1, 12), 0]);
    expect(c.b.roughness[1]).toBeCloseTo(0.2, 12);
    expect(c.roughnessDiff.meanDiff).toBeCloseTo(0.1, 12);
    // two seeds, differences 0 and 0.2: sd 0.1414, se 0.1, t(0.975, 1) = 12.706
    expect(c.roughnessDiff.high).toBeCloseTo(0.1 + 1.27062, 4);
  });

  it('names what is wrong: a missing condition, a folder that is not published results', () => {
    expect(() => readPublishedCondition(a, 'star')).toThrow(/no run of "star" \(its conditions: ring\)/);
    expect(() => readPublishedCondition(root, 'ring')).toThrow(/runs\.csv: not found/);
  });

  it('the script prints the table and the paired differences, and exits 2 on bad input', () => {
    const ok = spawnSync(process.execPath, [path.join(ROOT, 'scripts/compare-published.mjs'), a, 'ring', b, 'ring'], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('| 1 | 0.4000 | 0.6000 | 0.1000 | 0.1000 |');
    expect(ok.stdout).toMatch(/final 0\.3000 \[/);
    const bad = spawnSync(process.execPath, [path.join(ROOT, 'scripts/compare-published.mjs'), a, 'star', b, 'ring'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^compare-published: .*no run of "star"/);
  });
});

describe('the report compares every topology with RING, paired by seed', () => {
  const run = (condition: string, seed: number, acc: number) => ({
    condition,
    seed,
    label: condition,
    metrics: [{ round: 9, simulatedMs: condition === 'ring' ? 500 : 100, testAccuracy: acc } as unknown as MetricRow],
    summary: {
      task: 'classification',
      constantPredictorRmse: NaN,
      majorityClassAccuracy: 0.05,
      rounds: 10,
      simulatedMs: 100,
    } as unknown as RunSummary,
    config: null,
    drawing: null,
  });

  it('takes RING as the reference wherever it is in the sweep, else the first condition', () => {
    const runs = [run('star', 1, 0.5), run('star', 2, 0.7), run('ring', 1, 0.6), run('ring', 2, 0.6)];
    const data = { runs, sweepAxes: ['topology'] } as unknown as ReportData;
    expect(referenceCondition(data)).toBe('ring');
    const t = differenceTable(data)!;
    expect(t.title).toContain('minus ring');
    // star - ring: -0.1 and +0.1 (points: -10, +10): mean 0, the interval holds 0
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0]![0]).toBe('star');
    expect(t.rows[0]![2]).toMatch(/^\+0\.0 \[-127\.\d, \+127\.\d\], p = 1\.000: the data do not decide$/);
    expect(referenceCondition({ runs: runs.slice(0, 2) } as unknown as ReportData)).toBe('star');
    // a topology with the same results as RING in every seed (MATCHA(+) and MATCHA on Gaia)
    const same = { runs: [...runs, run('matcha', 1, 0.6), run('matcha', 2, 0.6)], sweepAxes: ['topology'] } as unknown as ReportData;
    // (RING's evaluation at 500 ms comes after the common time, 100 ms: no pair there)
    expect(differenceTable(same)!.rows[1]).toEqual(['matcha', '2', '0 in every seed (the same results)', '']);
  });
});
