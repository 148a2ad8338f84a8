/**
 * End-to-end, the built binary: `dflsim cycle-time --clock events` prints max-plus's cycle
 * time on static overlays (to 1e-9 relative) and says, per topology, how each cycle time was
 * obtained (table, CSV and JSON).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkFile, ROOT } from '../helpers.js';

function dflsim(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

type Result = { topology: string; cycleTimeMs: number; details?: { cycleTime?: string; cycleTimeEstimate?: { method: string } } };

describe('dflsim cycle-time --clock events', () => {
  const args = [
    'cycle-time',
    '-n',
    networkFile('geantdistance'),
    '--silo-profile',
    'experiments/geant-slow-silos.csv',
    '-t',
    'star,mst,ring,matcha',
  ];

  it('JSON: static overlays equal max-plus to 1e-9, exact; MATCHA is a batch-means estimate', () => {
    const mp = dflsim(...args, '--format', 'json');
    const ev = dflsim(...args, '--clock', 'events', '--format', 'json');
    expect(mp.code).toBe(0);
    expect(ev.code).toBe(0);
    const want = new Map((JSON.parse(mp.out).results as Result[]).map((r) => [r.topology, r.cycleTimeMs]));
    const got = JSON.parse(ev.out) as { clock: string; results: Result[] };
    expect(got.clock).toBe('events, fixed sharing');
    for (const r of got.results.filter((x) => x.topology !== 'matcha')) {
      // measured: at most 2.6e-15 relative (ring)
      expect(Math.abs(r.cycleTimeMs / want.get(r.topology)! - 1), r.topology).toBeLessThan(1e-9);
      expect(r.details?.cycleTime, r.topology).toMatch(/^exact: periodic regime after \d+ rounds?, cyclicity \d+$/);
      expect(r.details?.cycleTimeEstimate?.method).toBe('periodic');
    }
    const matcha = got.results.find((x) => x.topology === 'matcha')!;
    expect(matcha.details?.cycleTime).toMatch(
      /^estimate: mean round over rounds 640\.\.6399, 95% CI ±[0-9.]+ ms \(batch means, 20 batches of 288 rounds\)$/,
    );
  });

  it('table and CSV: a cycleTimeEstimate column, and the summary says what the cycle time is', () => {
    const table = dflsim(...args, '--clock', 'events');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/clock: events, fixed sharing \(cycle time: the clock's own rate per round/);
    expect(table.out).toMatch(/^ring\s+28\.00\s+exact: periodic regime after \d+ rounds, cyclicity 40\s/m);
    const csv = dflsim(...args, '--clock', 'events', '--format', 'csv');
    const lines = csv.out.trim().split('\n');
    expect(lines[0]).toBe('topology,cycleTimeMs,cycleTimeEstimate,overlayEdges,criticalCircuit,bottleneck');
    expect(lines.find((l) => l.startsWith('star,'))).toMatch(/^star,[0-9.]+,"exact: periodic regime after 1 round, cyclicity 1",78,/);
    // max-plus output has no such column
    expect(dflsim(...args, '--format', 'csv').out.split('\n')[0]).toBe('topology,cycleTimeMs,overlayEdges,criticalCircuit,bottleneck');
  });
});
