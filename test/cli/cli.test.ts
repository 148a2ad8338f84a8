/** End-to-end: the built `dflsim` binary as a user runs it. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkFile, reference, ringOverlayFile, ROOT } from '../helpers.js';

function dflsim(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('dflsim cycle-time', () => {
  it('prints one JSON object with the four classic topologies and the user overlay', () => {
    const r = dflsim(
      'cycle-time',
      '--network',
      networkFile('gaia'),
      '--workload',
      'femnist',
      '--topologies',
      'star,mst,delta-mbst,ring',
      '--overlay',
      ringOverlayFile('gaia'),
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.network).toBe('gaia');
    expect(j.silos).toBe(11);
    expect(j.workload).toMatchObject({ name: 'femnist', modelSizeBits: 4843243, computeMs: 4.6 });
    expect(j.results.map((x: { topology: string }) => x.topology)).toEqual(['star', 'mst', 'delta-mbst', 'ring', 'overlay']);
    const overlay = j.results.find((x: { topology: string }) => x.topology === 'overlay');
    expect(overlay.cycleTimeMs).toBeCloseTo(reference('gaia').ring.cycleTimeMs, 6);
    expect(overlay.criticalCircuit).toHaveLength(11);
    expect(overlay.overlayEdges).toBe(11);
  });

  it('writes CSV with a header', () => {
    const r = dflsim('cycle-time', '-n', networkFile('gaia'), '-t', 'mst,ring', '--format', 'csv');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('topology,cycleTimeMs,overlayEdges,criticalCircuit');
    expect(lines).toHaveLength(3);
    // full precision: the MST row is the reference implementation's MST cycle time
    expect(lines[1].split(',')[0]).toBe('mst');
    expect(Math.abs(Number(lines[1].split(',')[1]) - reference('gaia').mst.cycleTimeMs)).toBeLessThan(1e-6);
  });

  it.each([
    [['cycle-time', '-n', 'gaia-cities', '-t', 'ring,hypercube'], /unknown topology "hypercube"/],
    [['cycle-time', '-n', 'gaia-cities', '--workload', 'imagenet'], /unknown workload "imagenet"/],
    [['cycle-time', '-n', 'gaia-cities', '--access-gbps', '0'], /--access-gbps: capacity must be a positive number/],
    [
      ['cycle-time', '-n', 'gaia-cities', '--workload', 'custom', '--model-size-bits', '-5', '--compute-ms', '1'],
      /model size must be a positive number/,
    ],
    [['cycle-time', '-n', 'nowhere.gml'], /nowhere\.gml: network file not found/],
    [['cycle-time', '-n', 'gaia-cities', '--overlay', ringOverlayFile('ebone')], /unknown silo/],
  ])('rejects bad input %j with exit 2 and no result', (args, message) => {
    const r = dflsim(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
    expect(r.out).toBe('');
  });

  it('rejects an overlay file that leaves a silo out, naming the field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-'));
    const f = path.join(dir, 'partial.json');
    writeFileSync(f, JSON.stringify({ silos: ['Virginia', 'California'], directed: true, edges: [['Virginia', 'California']] }));
    const r = dflsim('cycle-time', '-n', networkFile('gaia'), '--overlay', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/partial\.json: field "silos": leaves out 9 silo\(s\)/);
    expect(r.out).toBe('');
  });

  it('rejects malformed GML with file and line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-'));
    const f = path.join(dir, 'broken.gml');
    writeFileSync(f, 'graph [\n  node [ id 0 label "a" ]\n  node [ id 1 label "b" ]\n  edge [ source 0 target 1 distance 1.5\n]\n');
    const r = dflsim('cycle-time', '-n', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/broken\.gml: line 1: unbalanced "\["/);
  });
});

describe('dflsim multigraph and compare', () => {
  it('multigraph --format json on the reference ring reproduces the reference cycle time and sweeps t', () => {
    const r = dflsim(
      'multigraph',
      '-n',
      networkFile('gaia'),
      '--overlay',
      ringOverlayFile('gaia'),
      '--overlay-of',
      'overlay',
      '--sweep-t',
      '1..3',
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const ref = reference('gaia');
    expect(j.cycleTimeMs).toBeCloseTo(ref.multigraphRing.cycleTimeMs, 6);
    expect(j.states).toHaveLength(60);
    expect(j.sweep.map((s: { tMax: number }) => s.tMax)).toEqual([1, 2, 3]);
    expect(j.sweep[0].cycleTimeMs).toBeCloseTo(ref.ring.cycleTimeMs, 6);
    expect(j.statistics.statesWithIsolated).toBe(ref.multigraphRing.stateSummary.filter((x) => x.isolatedSilos.length > 0).length);
  });

  it('compare prints every topology best first with the ratio to RING', () => {
    const r = dflsim('compare', '-n', 'gaia-cities');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/vsRing/);
    const rows = r.out.split('\n').filter((l) => /^\S+\s+\d+\.\d+\s/.test(l));
    const times = rows.map((l) => Number(l.split(/\s+/)[1]));
    expect(times.length).toBeGreaterThanOrEqual(5);
    expect(times).toEqual(times.slice().sort((a, b) => a - b));
    expect(r.out).toMatch(/^ring\s+[\d.]+\s+\d+\s+1\.00x/m);
  });
});
