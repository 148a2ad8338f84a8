/**
 * The long runs' results committed under docs/results/ are reproducible: re-running the
 * first 50 rounds of a run of the table (`dflsim run <config> --only <run> --rounds 50`, on
 * two worker threads where the published runs used one, and the other runs of the sweep
 * not run at all) gives the published evaluations' exact numbers (the text metrics.csv
 * has, compared as strings: the same bits). The first rounds of a run do not depend on its
 * length, which the test of `--only` shows for whole runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');
const PREFIX_ROUNDS = 50;

type Row = Record<string, string>;
const csv = (file: string): Row[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Row[];

/** Re-run `run` of `experiment` for its first rounds; its evaluations against the published ones. */
function rerun(experiment: string, only: Record<string, string>, columns: string[]): void {
  const published = csv(path.join(ROOT, 'docs/results', experiment, 'evaluations.csv'));
  const condition =
    only.topology ??
    Object.entries(only)
      .find(([k]) => k !== 'seed')!
      .join('=');
  const mine = published.filter((r) => r.condition === condition && r.seed === only.seed && Number(r.round) < PREFIX_ROUNDS);
  expect(mine.length, `${experiment}: published evaluations of ${condition}, seed ${only.seed}`).toBeGreaterThan(0);
  const out = mkdtempSync(path.join(tmpdir(), `dflsim-${experiment}-`));
  const args = [
    BIN,
    'run',
    path.join(ROOT, 'experiments', `${experiment}.json`),
    '--out',
    out,
    '--only',
    Object.entries(only)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    '--rounds',
    String(PREFIX_ROUNDS),
    '--workers',
    '2',
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: ROOT });
  expect(r.status, r.stderr).toBe(0);
  const label = Object.entries(only)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const lines = readFileSync(path.join(out, label, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n');
  const header = lines[0].split(',');
  const byRound = new Map(lines.slice(1).map((l) => [l.split(',')[0], l.split(',')]));
  for (const p of mine) {
    const row = byRound.get(p.round)!;
    expect(row, `round ${p.round}`).toBeDefined();
    for (const c of ['simulatedMs', ...columns]) expect(row[header.indexOf(c)], `${experiment} ${label} round ${p.round} ${c}`).toBe(p[c]);
  }
}

describe('the published long runs are reproducible', () => {
  it("Table 4's multigraph on RING, seed 2: the first 50 rounds' evaluations, bit for bit", () => {
    rerun('table4-long', { topology: 'multigraph-ring', seed: '2' }, ['trainLoss', 'testLoss', 'testAccuracy']);
  }, 600_000);

  it("the FADNet comparison's RING, seed 3: the first 50 rounds' evaluations, bit for bit", () => {
    rerun('fadnet-comparison-long', { topology: 'ring', seed: '3' }, ['trainLoss', 'testLoss', 'testRmse']);
  }, 600_000);

  it('MATCHA and MATCHA(+) make the same rounds on Gaia (its connectivity graph is its underlay): their published runs have the same metrics digests', () => {
    const runs = csv(path.join(ROOT, 'docs/results/table4-long/runs.csv'));
    const digests = (c: string) => runs.filter((r) => r.condition === c).map((r) => r.metricsSha256);
    expect(digests('matcha')).toHaveLength(3);
    expect(digests('matcha')[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(digests('matcha+')).toEqual(digests('matcha'));
    // and the seeds differ from each other
    expect(new Set(digests('matcha')).size).toBe(3);
  });
});
