/**
 * The Table 3 experiment (`experiments/table3-femnist.json`): the published figures,
 * dflsim on the reference implementation's RING tour and dflsim on its own tour, side by
 * side in the run's output, summary and report. Needs ../shared beside the project.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentResult } from '../../src/experiment/experiment.js';
import { publishedSideBySide, type ReportCycleTimes } from '../../src/report/markdown.js';
import { experimentSummaryText } from '../../src/report/console-summary.js';
import { readResults, writeReport } from '../../src/report/write.js';
import { HAVE_SHARED, NETWORKS, reference, ROOT, table3 } from '../helpers.js';

const COLS = ['star', 'matcha', 'matcha+', 'mst', 'delta-mbst', 'ring', 'multigraph-ring'];

describe.skipIf(!HAVE_SHARED)('Table 3 side by side', () => {
  let dir: string;
  let res: ExperimentResult;
  let reports: ReportCycleTimes[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dflsim-table3-'));
    res = await runExperiment(path.join(ROOT, 'experiments/table3-femnist.json'), { outDir: path.join(dir, 'out') });
    reports = (JSON.parse(readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8')) as { reports: ReportCycleTimes[] }).reports;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records the published row and the reference tour for every network', () => {
    expect(reports.map((r) => r.report.network)).toEqual([...NETWORKS]);
    for (const r of reports) {
      expect(r.published?.cycleTimeMs).toEqual(table3()[r.report.network]);
      expect(r.overlayFile).toBe(`../../shared/reference/femnist/${r.report.network}.ring-overlay.json`);
    }
  });

  it('reproduces every published column on the reference tour', () => {
    const side = publishedSideBySide(reports)!;
    expect(side.headers).toEqual(['network', 'row', ...COLS]);
    expect(side.rows).toHaveLength(3 * NETWORKS.length);
    for (const net of NETWORKS) {
      const rows = side.rows.filter((r) => r[0] === net);
      expect(rows.map((r) => r[1])).toEqual(['published', `dflsim, tour of ${net}.ring-overlay.json`, 'dflsim, own RING tour']);
      const published = rows[0].slice(2).map(Number);
      const onRef = rows[1].slice(2).map(Number);
      COLS.forEach((t, i) => {
        // the paper prints one decimal: dflsim on the reference tour is within half of it
        // (cells carry two decimals, so 0.05 + 0.005); MATCHA and MATCHA(+) are sampled
        // and land within 3% (largest gap measured: Géant MATCHA 45.55 vs 46.9, 2.9%)
        const tol = t.startsWith('matcha') ? 0.03 * published[i] : 0.055;
        expect(Math.abs(onRef[i] - published[i]), `${net} ${t}`).toBeLessThanOrEqual(tol);
      });
    }
  });

  it('times RING and the multigraph on the reference tour exactly as the reference does', () => {
    for (const r of reports) {
      const ref = reference(r.report.network);
      const get = (t: string): number => r.report.results.find((x) => x.topology === t)!.cycleTimeMs;
      expect(get('overlay')).toBeCloseTo(ref.ring.cycleTimeMs, 6);
      expect(get('multigraph-overlay')).toBeCloseTo(ref.multigraphRing.cycleTimeMs, 6);
      // dflsim's own tour is never longer than the reference's (equal on Gaia)
      expect(get('ring')).toBeLessThanOrEqual(get('overlay') + 1e-9);
    }
  });

  it('prints the side-by-side table and puts it in the report', async () => {
    expect(experimentSummaryText(res)).toContain('Do et al., ICCV 2023, Table 3');
    expect(experimentSummaryText(res)).toMatch(
      /exodus\s+dflsim, own RING tour\s+265\.22\s+84\.69\s+211\.51\s+84\.43\s+84\.43\s+23\.93\s+12\.35/,
    );
    await writeReport(path.join(dir, 'out'));
    const md = readFileSync(path.join(dir, 'out', 'report.md'), 'utf8');
    expect(md).toContain('beside dflsim (ms per round)');
    expect(md).toMatch(/\| gaia \| published \| 289\.8 \| 166\.4 \| 166\.4 \| 77\.2 \| 77\.2 \| 57\.2 \| 15\.7 \|/);
    expect(readResults(path.join(dir, 'out')).cycleTimes[0].published?.table).toBe('do2023-table3');
  });
});
