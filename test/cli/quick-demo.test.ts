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
import { ROOT } from '../helpers.js';

describe('quick demo', () => {
  it('runs end to end and writes every result file and the report', () => {
    const cfg = JSON.parse(readFileSync(path.join(ROOT, 'experiments/quick-demo.json'), 'utf8')) as { rounds: number; simulatedBudgetMs?: number; sweep: { topology: string[] } };
    const topologies = cfg.sweep.topology;
    expect(topologies.length).toBeGreaterThanOrEqual(2);
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'dflsim-demo-')), 'quick-demo');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), 'run', path.join(ROOT, 'experiments/quick-demo.json'), '--out', out], { encoding: 'utf8', cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cycle time per round on gaia/);
    expect(r.stdout).toMatch(/multigraph-ring\s+[\d.]+\s+0\.\d\dx/);
    expect(r.stdout).toContain(`report: ${path.join(out, 'report.html')}`);
    for (const f of ['summary.json', 'cycle-times.csv', 'cycle-times.json', 'topologies.json', 'report.md', 'report.html']) expect(existsSync(path.join(out, f)), f).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.runs.map((x: { topology: string }) => x.topology)).toEqual(topologies);
    for (const run of topologies.map((t) => `topology=${t}`)) {
      for (const f of ['metrics.csv', 'summary.json', 'config.resolved.json', 'topology.json', 'checkpoint.bin']) expect(existsSync(path.join(out, run, f)), `${run}/${f}`).toBe(true);
      const s = JSON.parse(readFileSync(path.join(out, run, 'summary.json'), 'utf8'));
      expect(s.completed).toBe(true);
      expect(s.model).toMatchObject({ name: 'fadnet', inputSize: 64 });
      // the trained model predicts better than the training mean does
      expect(s.final.testRmse).toBeLessThan(s.constantPredictorRmse);
      expect(s.rmseRatioToConstant).toBeCloseTo(s.final.testRmse / s.constantPredictorRmse, 12);
      const resolved = JSON.parse(readFileSync(path.join(out, run, 'config.resolved.json'), 'utf8'));
      expect(resolved).toMatchObject({ seed: 1, version: expect.any(String), backend: { backend: expect.any(String), threads: expect.any(Number) } });
      const csv = readFileSync(path.join(out, run, 'metrics.csv'), 'utf8').trim().split('\n');
      expect(csv[0]).toBe('round,simulatedMs,wallMs,trainLoss,testLoss,testRmse,consensus,siloTestRmse,isolated,down,testAccuracy,siloTestAccuracy');
      expect(csv).toHaveLength(1 + s.rounds);
      const clock = csv.slice(1).map((l) => Number(l.split(',')[1]));
      expect(clock[clock.length - 1]).toBe(s.simulatedMs);
      if (cfg.simulatedBudgetMs !== undefined) {
        // the shared budget: each run stops at the first round whose end reaches it (not at
        // the round cap first), so its clock ends within one round of the budget
        expect(s.simulatedMs, `${run} reached the budget`).toBeGreaterThanOrEqual(cfg.simulatedBudgetMs);
        expect(clock.length >= 2 ? clock[clock.length - 2] : 0, `${run}: the round before ended under the budget`).toBeLessThan(cfg.simulatedBudgetMs);
      } else {
        expect(s.rounds).toBe(cfg.rounds);
      }
    }
    // the headline sentence printed after the tables names one of the compared topologies
    const named = (line: string) => topologies.some((t) => new RegExp(`(^|[\\s=(])${t.replace(/[+]/g, '\\+')}([\\s,:;)]|$)`).test(line));
    const sentences = r.stdout.split('\n').map((l) => l.trim()).filter((l) => /^[A-Z].{40,}\.$/.test(l));
    expect(sentences.filter(named), r.stdout).not.toEqual([]);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThan(3);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  }, 900_000);
});
