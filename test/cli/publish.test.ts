/**
 * `dflsim run --only` (one run of a sweep, with the bits it has in the whole sweep) and
 * `dflsim report --publish` (the committable results: tables, SVG plots, CSVs, and each
 * run's metrics digest, which `cut -d, -f1,2,4- metrics.csv | sha256sum` reproduces).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { metricsDigest } from '../../src/report/publish.js';
import { selectRuns } from '../../src/experiment/experiment.js';
import { parseOnly } from '../../src/cli/commands/run.js';
import { networkFile, ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');
const dflsim = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
/** A short linear-model training config on Gaia's GML (the fields the tests vary come in `extra`). */
function linearConfig(dir: string, name: string, extra: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      kind: 'train',
      name,
      network: networkFile('gaia'),
      model: { name: 'linear', inputSize: 16 },
      dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
      rounds: 6,
      batchSize: 2,
      workers: 1,
      backend: 'wasm',
      ...extra,
    }),
  );
  return file;
}

describe('--only', () => {
  const plan = ['topology=ring,seed=1', 'topology=ring,seed=2', 'topology=star,seed=1'].map((label) => ({ label }));

  it('selects the points matching every pair, and names what is wrong otherwise', () => {
    expect(selectRuns(plan, parseOnly('topology=ring')).map((p) => p.label)).toEqual(['topology=ring,seed=1', 'topology=ring,seed=2']);
    expect(selectRuns(plan, parseOnly('seed=1, topology=star')).map((p) => p.label)).toEqual(['topology=star,seed=1']);
    expect(selectRuns(plan, undefined)).toHaveLength(3);
    expect(() => selectRuns(plan, parseOnly('tMax=2'))).toThrow(/"tMax" is not an axis of this sweep \(its axes: topology, seed\)/);
    expect(() => selectRuns(plan, parseOnly('topology=mst'))).toThrow(
      /no sweep point matches topology=mst; the points are: topology=ring,seed=1;/,
    );
    expect(() => selectRuns([{ label: 'run' }], parseOnly('seed=1'))).toThrow(/no sweep and one run/);
    expect(() => parseOnly('topology')).toThrow(/expected axis=value pairs/);
    expect(() => parseOnly('seed=1,seed=2')).toThrow(/"seed" is given twice/);
  });

  it('re-runs one run of a sweep with the bits it has in the sweep, and publishes the sweep', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-only-'));
    const cfg = linearConfig(dir, 'only', { evalEvery: 2, sweep: { topology: ['ring', 'multigraph-ring'] }, seeds: [1, 2] });
    const all = path.join(dir, 'all');
    const a = dflsim('run', cfg, '--out', all);
    expect(a.status, a.stderr).toBe(0);
    const one = path.join(dir, 'one');
    const b = dflsim('run', cfg, '--out', one, '--only', 'topology=multigraph-ring,seed=2');
    expect(b.status, b.stderr).toBe(0);
    expect(readdirSync(one).filter((f) => f.startsWith('topology='))).toEqual(['topology=multigraph-ring,seed=2']);
    const run = 'topology=multigraph-ring,seed=2/metrics.csv';
    expect(metricsDigest(readFileSync(path.join(one, run), 'utf8'))).toBe(metricsDigest(readFileSync(path.join(all, run), 'utf8')));
    // the shell's digest is the same
    const sh = spawnSync('sh', ['-c', `cut -d, -f1,2,4- "${path.join(all, run)}" | sha256sum`], { encoding: 'utf8' });
    expect(sh.stdout.split(' ')[0]).toBe(metricsDigest(readFileSync(path.join(all, run), 'utf8')));

    // finishing the rest with --only keeps the finished run in the summary, in the sweep's order
    const c = dflsim('run', cfg, '--out', one, '--resume', '--only', 'seed=1');
    expect(c.status, c.stderr).toBe(0);
    const names = (JSON.parse(readFileSync(path.join(one, 'summary.json'), 'utf8')) as { runs: { name: string }[] }).runs.map(
      (r) => r.name,
    );
    // the point --only left without a run is named, and the report says the sweep is partial
    expect((JSON.parse(readFileSync(path.join(one, 'summary.json'), 'utf8')) as { notRun: string[] }).notRun).toEqual([
      'topology=ring,seed=2',
    ]);
    expect(readFileSync(path.join(one, 'report.md'), 'utf8')).toContain(
      '3 finished runs are reported; not finished: topology=ring,seed=2.',
    );
    // ring seed 2 never ran; the others in the sweep's order (topology, then seed)
    expect(names).toEqual(['only/topology=ring,seed=1', 'only/topology=multigraph-ring,seed=1', 'only/topology=multigraph-ring,seed=2']);

    const bad = dflsim('run', cfg, '--out', path.join(dir, 'bad'), '--only', 'topology=mst');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^dflsim: --only: no sweep point matches topology=mst/m);
    expect(bad.stderr).not.toMatch(/\n\s+at /);

    // publish: the tables, plots, CSVs and digests; never checkpoints
    const pub = path.join(dir, 'pub');
    const p = dflsim('report', all, '--publish', pub);
    expect(p.status, p.stderr).toBe(0);
    const files = readdirSync(pub).sort();
    expect(files).toEqual(
      [
        'cycle-times.svg',
        'evaluations.csv',
        'report.md',
        'runs.csv',
        'summary.csv',
        'summary.json',
        'training-test-loss.svg',
        'training-test-rmse.svg',
      ].sort(),
    );
    const runs = parse(readFileSync(path.join(pub, 'runs.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(runs).toHaveLength(4);
    for (const r of runs) {
      const f = path.join(all, `topology=${r.topology},seed=${r.seed}`, 'metrics.csv');
      expect(r.metricsSha256).toBe(metricsDigest(readFileSync(f, 'utf8')));
      expect(Number(r.rounds)).toBe(6);
    }
    // evaluations: rounds 1, 3, 5 of each run, with metrics.csv's numbers
    const evals = parse(readFileSync(path.join(pub, 'evaluations.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(evals.filter((e) => e.condition === 'ring' && e.seed === '1').map((e) => e.round)).toEqual(['1', '3', '5']);
    const ringRows = readFileSync(path.join(all, 'topology=ring,seed=1/metrics.csv'), 'utf8').trim().split('\n');
    const header = ringRows[0].split(',');
    const row5 = ringRows[6].split(',');
    expect(evals.find((e) => e.condition === 'ring' && e.seed === '1' && e.round === '5')!.testRmse).toBe(row5[header.indexOf('testRmse')]);
    const summary = parse(readFileSync(path.join(pub, 'summary.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(summary.map((s) => s.condition)).toEqual(['ring', 'multigraph-ring']);
    expect(summary[1].reference).toBe('ring');
    expect(summary[1].equalRounds).toBe('6');
    const md = readFileSync(path.join(pub, 'report.md'), 'utf8');
    expect(md).toContain('![');
    expect(md).toContain('(training-test-rmse.svg)');
    // the gap to RING as training goes on: of the evaluations (rounds 2, 4, 6) those nearest to
    // 2.5%, 5%, 10%, 20%, 50% and 100% of the run (round 4 ties with round 2 for 50%: the first wins)
    expect(md).toMatch(/### Each topology minus ring as training goes on, paired by seed[^\n]*\n\n\| topology \| round 2 \| round 6 \|/);
    const pj = JSON.parse(readFileSync(path.join(pub, 'summary.json'), 'utf8')) as { differencesOverRounds: { rounds: number[] } };
    expect(pj.differencesOverRounds.rounds).toEqual([1, 5]);
    expect(readFileSync(path.join(pub, 'training-test-rmse.svg'), 'utf8')).toMatch(/^<svg/);
    expect(existsSync(path.join(pub, 'checkpoint.bin'))).toBe(false);

    // --target: the level every topology is timed to, said in the report and the published summary
    const tgt = dflsim('report', all, '--target', '0.9', '--publish', path.join(dir, 'pub-target'));
    expect(tgt.status, tgt.stderr).toBe(0);
    expect(readFileSync(path.join(all, 'report.md'), 'utf8')).toContain('| verdict rules | target 0.9;');
    const st = JSON.parse(readFileSync(path.join(dir, 'pub-target', 'summary.json'), 'utf8')) as { simulated: Record<string, string> };
    expect(st.simulated['verdict rules']).toMatch(/^target 0\.9;/);
    for (const bad of ['0', '-1', 'x']) {
      const b = dflsim('report', all, '--target', bad);
      expect(b.status, bad).toBe(2);
      expect(b.stderr).toMatch(/^dflsim: --target: expected a positive test RMSE/);
    }

    // a sweep still running: its finished runs, and the started ones named
    const partial = path.join(dir, 'partial');
    for (const r of ['topology=ring,seed=1', 'topology=multigraph-ring,seed=1'])
      cpSync(path.join(all, r), path.join(partial, r), { recursive: true });
    mkdirSync(path.join(partial, 'topology=ring,seed=2'));
    copyFileSync(
      path.join(all, 'topology=ring,seed=2', 'config.resolved.json'),
      path.join(partial, 'topology=ring,seed=2', 'config.resolved.json'),
    );
    const pr = dflsim('report', partial);
    expect(pr.status, pr.stderr).toBe(0);
    const pmd = readFileSync(path.join(partial, 'report.md'), 'utf8');
    expect(pmd).toContain(
      '**Partial results: the sweep has not finished. 2 finished runs are reported; not finished: topology=ring,seed=2.',
    );
    expect(pmd).toMatch(/\| multigraph-ring \| 6 \|/); // one seed per topology: no seed column

    // a sweep stopped part-way: its summary lists the interrupted run, which is named, not analysed
    const stopped = path.join(dir, 'stopped');
    cpSync(all, stopped, { recursive: true });
    const sj = JSON.parse(readFileSync(path.join(stopped, 'summary.json'), 'utf8')) as { runs: { name: string; completed: boolean }[] };
    sj.runs.find((r) => r.name === 'only/topology=ring,seed=2')!.completed = false;
    writeFileSync(path.join(stopped, 'summary.json'), JSON.stringify(sj));
    const sr = dflsim('report', stopped);
    expect(sr.status, sr.stderr).toBe(0);
    const smd = readFileSync(path.join(stopped, 'report.md'), 'utf8');
    expect(smd).toContain('3 finished runs are reported; not finished: topology=ring,seed=2.');
    expect(smd).not.toMatch(/\| ring \| 2 \|/);

    // publishing into a file, or into the results themselves, is refused
    const f = dflsim('report', all, '--publish', path.join(pub, 'report.md'));
    expect(f.status).toBe(2);
    expect(f.stderr).toContain('is a file, not a directory');
    const same = dflsim('report', all, '--publish', all);
    expect(same.status).toBe(2);
    expect(same.stderr).toContain('is the results directory itself');
  }, 180_000);

  it("--rounds overrides the config's length, and a bad value names the flag", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-rounds-'));
    const cfg = linearConfig(dir, 'r', { topology: 'ring' });
    const a = dflsim('run', cfg, '--out', path.join(dir, 'three'), '--rounds', '3');
    expect(a.status, a.stderr).toBe(0);
    expect(
      readFileSync(path.join(dir, 'three', 'metrics.csv'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(4);
    expect((JSON.parse(readFileSync(path.join(dir, 'three', 'config.resolved.json'), 'utf8')) as { rounds: number }).rounds).toBe(3);
    const bad = dflsim('run', cfg, '--out', path.join(dir, 'bad'), '--rounds', '-1');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^dflsim: --rounds: /);
  }, 60_000);
});
