/**
 * End-to-end: the quick demo (what `npm start` runs) in a temporary directory. The checks
 * read experiments/quick-demo.json (its topologies, rounds and simulated-time budget), so
 * they hold for whatever the demo is set to compare.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOnClock, prepareContext } from '../../src/experiment/cycle-times.js';
import { findTopology } from '../../src/overlay/catalogue.js';
import { ROOT } from '../helpers.js';

describe('quick demo', () => {
  it('runs end to end over its seeds and writes every result file, the report and a verdict by the rules', async () => {
    const cfg = JSON.parse(readFileSync(path.join(ROOT, 'experiments/quick-demo.json'), 'utf8')) as {
      rounds: number;
      simulatedBudgetMs?: number;
      seeds: number[];
      sweep: { topology: string[] };
    };
    const topologies = cfg.sweep.topology;
    expect(topologies.length).toBeGreaterThanOrEqual(2);
    expect(cfg.seeds.length).toBeGreaterThanOrEqual(2);
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'dflsim-demo-')), 'quick-demo');
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bin/dflsim.js'), 'run', path.join(ROOT, 'experiments/quick-demo.json'), '--out', out],
      { encoding: 'utf8', cwd: ROOT },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cycle time per round on gaia/);
    expect(r.stdout).toMatch(/multigraph-ring\s+[\d.]+\s+0\.\d\dx/);
    expect(r.stdout).toContain(`report: ${path.join(out, 'report.html')}`);
    for (const f of ['summary.json', 'cycle-times.csv', 'cycle-times.json', 'topologies.json', 'report.md', 'report.html'])
      expect(existsSync(path.join(out, f)), f).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.runs.map((x: { topology: string; seed: number }) => `${x.topology}/${x.seed}`)).toEqual(
      topologies.flatMap((t) => cfg.seeds.map((s) => `${t}/${s}`)),
    );
    // the cycle-time section lists exactly the trained topologies
    const ct = JSON.parse(readFileSync(path.join(out, 'cycle-times.json'), 'utf8')) as { report: { results: { topology: string }[] } }[];
    expect(ct.flatMap((c) => c.report.results.map((x) => x.topology)).sort()).toEqual([...topologies].sort());
    for (const run of topologies.flatMap((t) => cfg.seeds.map((seed) => `topology=${t},seed=${seed}`))) {
      for (const f of ['metrics.csv', 'summary.json', 'config.resolved.json', 'topology.json'])
        expect(existsSync(path.join(out, run, f)), `${run}/${f}`).toBe(true);
      // a finished run keeps no checkpoint (--keep-checkpoints keeps it)
      expect(existsSync(path.join(out, run, 'checkpoint.bin')), `${run}/checkpoint.bin`).toBe(false);
      const s = JSON.parse(readFileSync(path.join(out, run, 'summary.json'), 'utf8'));
      expect(s.completed).toBe(true);
      expect(s.model).toMatchObject({ name: 'fadnet', inputSize: 64 });
      // timed with its own model's size: parameters x 32 bits
      expect(s.simulated.modelSizeBits).toBe(s.model.params * 32);
      expect(s.simulated.modelSizeSource).toMatch(/^model: /);
      expect(s.rmseRatioToConstant).toBeCloseTo(s.final.testRmse / s.constantPredictorRmse, 12);
      const resolved = JSON.parse(readFileSync(path.join(out, run, 'config.resolved.json'), 'utf8'));
      expect(resolved).toMatchObject({
        seed: Number(run.split('seed=')[1]),
        version: expect.any(String),
        backend: { backend: expect.any(String), threads: expect.any(Number) },
      });
      const csv = readFileSync(path.join(out, run, 'metrics.csv'), 'utf8')
        .trim()
        .split('\n');
      expect(csv[0]).toBe(
        'round,simulatedMs,wallMs,trainLoss,testLoss,testRmse,consensus,siloTestRmse,isolated,down,testAccuracy,siloTestAccuracy,keptOwn',
      );
      expect(csv).toHaveLength(1 + s.rounds);
      // about 20 evaluations (evalEvery left to its default), and the last round
      const evaluated = csv.slice(1).filter((l) => l.split(',')[5] !== '');
      expect(evaluated.length).toBeGreaterThanOrEqual(Math.min(s.rounds, 20));
      expect(csv.at(-1)!.split(',')[5]).not.toBe('');
      const clock = csv.slice(1).map((l) => Number(l.split(',')[1]));
      expect(clock[clock.length - 1]).toBe(s.simulatedMs);
      if (cfg.simulatedBudgetMs !== undefined) {
        // the budget: each run trains the rounds that end within it, and the next would not fit
        expect(s.simulatedMs, `${run} ends within the budget`).toBeLessThanOrEqual(cfg.simulatedBudgetMs);
        const ctx = prepareContext({
          network: 'gaia-cities',
          workload: { name: 'demo', modelSizeBits: s.simulated.modelSizeBits, computeMs: s.simulated.computeMs, rounds: 6400 },
          rounds: cfg.rounds,
          seed: s.seed,
        });
        const plan = buildOnClock(findTopology(s.topology)!, ctx);
        expect(plan.roundEndMs(s.rounds - 1)).toBeCloseTo(s.simulatedMs, 9);
        expect(plan.roundEndMs(s.rounds), `${run}: the next round would overrun`).toBeGreaterThan(cfg.simulatedBudgetMs);
      } else {
        expect(s.rounds).toBe(cfg.rounds);
      }
    }
    // the headline is the verdict the rules give on these results, and names a compared topology
    const { readResults } = await import('../../src/report/write.js');
    const { reportVerdict } = await import('../../src/report/markdown.js');
    const verdict = reportVerdict(readResults(out))!;
    expect(r.stdout).toContain(verdict.sentence);
    const named = (line: string) => topologies.some((t) => line.includes(t));
    expect(named(verdict.sentence)).toBe(true);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Verdict rule:');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThan(3);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  }, 900_000);
});
