/** End-to-end: the quick demo (what `npm start` runs) in a temporary directory. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

describe('quick demo', () => {
  it('runs end to end and writes every result file and the report', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'dflsim-demo-')), 'quick-demo');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), 'run', path.join(ROOT, 'experiments/quick-demo.json'), '--out', out], { encoding: 'utf8', cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cycle time per round on gaia/);
    expect(r.stdout).toMatch(/multigraph-ring\s+[\d.]+\s+0\.\d\dx/);
    expect(r.stdout).toContain(`report: ${path.join(out, 'report.html')}`);
    for (const f of ['summary.json', 'cycle-times.csv', 'cycle-times.json', 'topologies.json', 'report.md', 'report.html']) expect(existsSync(path.join(out, f)), f).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.runs.map((x: { topology: string }) => x.topology)).toEqual(['ring', 'multigraph-ring']);
    for (const run of ['topology=ring', 'topology=multigraph-ring']) {
      for (const f of ['metrics.csv', 'summary.json', 'config.resolved.json', 'topology.json', 'checkpoint.bin']) expect(existsSync(path.join(out, run, f)), `${run}/${f}`).toBe(true);
      const s = JSON.parse(readFileSync(path.join(out, run, 'summary.json'), 'utf8'));
      expect(s.completed).toBe(true);
      expect(s.model).toMatchObject({ name: 'fadnet', inputSize: 64 });
      expect(Number.isFinite(s.final.testRmse)).toBe(true);
      const resolved = JSON.parse(readFileSync(path.join(out, run, 'config.resolved.json'), 'utf8'));
      expect(resolved).toMatchObject({ seed: 1, version: expect.any(String), backend: { backend: expect.any(String), threads: expect.any(Number) } });
      const csv = readFileSync(path.join(out, run, 'metrics.csv'), 'utf8').trim().split('\n');
      expect(csv[0]).toBe('round,simulatedMs,wallMs,trainLoss,testLoss,testRmse,consensus,siloTestRmse,isolated');
      expect(csv).toHaveLength(1 + s.rounds);
    }
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThan(3);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  }, 900_000);
});
