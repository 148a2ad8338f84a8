/**
 * End-to-end, the built binary on a Topology Zoo-style file written here (routers with
 * `silo 0`, LinkSpeedRaw / LinkSpeed on links, labels with '+' for spaces, a second
 * component): `cycle-time` times it with its real capacities, the router in no overlay;
 * the capacity warning counts the links without a speed; `--largest-component` says what it
 * dropped and, without it, the error names it; `--silos` chooses the silos; `compare`
 * takes a silo profile and `--out`; `run` reads `silos` and `component` from a config.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { ZOO_GML } from '../fixtures/zoo-gml.js';

function dflsim(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

type Report = {
  silos: number;
  routers?: number;
  warnings?: string[];
  results: { topology: string; cycleTimeMs: number; criticalCircuit: string[]; details?: { tour?: string[] } }[];
};

let dir = '';
let gml = '';
// a tiny workload: M = 1e6 bits, C = 1 ms
const TINY = ['--model-size-bits', '1000000', '--compute-ms', '1'];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dflsim-zoo-'));
  gml = path.join(dir, 'zoo.gml');
  writeFileSync(gml, ZOO_GML);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dflsim cycle-time on a network as it comes', () => {
  it("times RING on the 3 silos with the links' capacities: 22.4 ms by hand; the router is in no overlay", () => {
    // latencies (0.0085 km + 4, paths through Hub): 6.55, 7.4, 8.25 -> mean 7.4 ms; M / bandwidth
    // (bottleneck / 2 hops): 20, 20, 2 ms -> mean 14 ms; RING's 3-cycle: 1 + 7.4 + 14 = 22.4 ms
    const r = dflsim('cycle-time', '-n', gml, ...TINY, '-t', 'ring,star', '--link-capacities', 'gml', '--largest-component', '-f', 'json');
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out) as Report;
    expect(rep.silos).toBe(3);
    expect(rep.routers).toBe(1);
    const ring = rep.results.find((x) => x.topology === 'ring')!;
    // measured: exact to 4e-15
    expect(Math.abs(ring.cycleTimeMs - 22.4)).toBeLessThan(1e-9);
    expect([...ring.details!.tour!].sort()).toEqual(['Albany', 'Boston', 'New+York,+NY']);
    for (const x of rep.results) expect(x.criticalCircuit, x.topology).not.toContain('Hub');
    // each warning once, on stderr (not an error)
    const lines = r.err.trim().split('\n');
    expect(lines).toEqual([
      'warning: zoo: kept the largest connected component (4 of 6 nodes); dropped 1 other component: 2 nodes: Los Angeles, San Diego',
      'warning: 2 of 4 links in zoo.gml give no capacity: timed at the default 1 Gbit/s',
    ]);
  });

  it("ignores the capacities by default (the papers' core / hops): 1 + 7.4 + 2 = 10.4 ms, no capacity warning", () => {
    const r = dflsim('cycle-time', '-n', gml, ...TINY, '-t', 'ring', '--largest-component', '-f', 'json');
    expect(r.code, r.err).toBe(0);
    // measured: exact to 2e-15
    expect(Math.abs((JSON.parse(r.out) as Report).results[0].cycleTimeMs - 10.4)).toBeLessThan(1e-9);
    expect(r.err).not.toMatch(/capacity/);
  });

  it('shows labels decoded in its table; JSON keeps the raw label', () => {
    const r = dflsim('cycle-time', '-n', gml, ...TINY, '-t', 'ring', '--largest-component', '--link-capacities', 'gml');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/network zoo \(3 silos, 1 router\)/);
    expect(r.out).toMatch(/New York, NY > Boston > Albany/);
    expect(r.out).not.toMatch(/New\+York/);
  });

  it('refuses the disconnected file without --largest-component, naming the option, in one line', () => {
    const r = dflsim('cycle-time', '-n', gml, ...TINY, '-t', 'ring');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/zoo\.gml: the underlay "zoo" is disconnected \(2 components\).*give --largest-component/);
  });

  it('--silos chooses the silos (raw or as shown; a label with a comma survives the list); the rest route', () => {
    // A and B only: A-Hub-B, latency 6.55, M / bandwidth 20: the 2-cycle 1 + 6.55 + 20 = 27.55 ms
    for (const silos of ['New+York,+NY,Boston', 'New York, NY,Boston']) {
      const r = dflsim(
        'cycle-time',
        '-n',
        gml,
        ...TINY,
        '-t',
        'ring',
        '--largest-component',
        '--link-capacities',
        'gml',
        '--silos',
        silos,
        '-f',
        'json',
      );
      expect(r.code, r.err).toBe(0);
      const rep = JSON.parse(r.out) as Report;
      expect(rep.silos).toBe(2);
      expect(rep.routers).toBe(2);
      // measured: exact to 4e-15
      expect(Math.abs(rep.results[0].cycleTimeMs - 27.55)).toBeLessThan(1e-9);
    }
    const unknown = dflsim('cycle-time', '-n', gml, ...TINY, '--silos', 'Bostn,Albany');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--silos \(item 1\): unknown node "Bostn" in "zoo" \(did you mean "Boston"\?\)/);
    const one = dflsim('cycle-time', '-n', gml, ...TINY, '--largest-component', '--silos', 'Boston');
    expect(one.code).toBe(2);
    expect(one.err).toMatch(/--silos: a single silo \(Boston\).*at least 2 silos/);
    const apart = dflsim('cycle-time', '-n', gml, ...TINY, '--largest-component', '--silos', 'Boston,San+Diego');
    expect(apart.code).toBe(2);
    expect(apart.err).toMatch(/--silos: San Diego cannot reach the largest component of "zoo"/);
  });
});

describe('dflsim compare --silo-profile --out', () => {
  it('times with the profile (a silo named as shown), writes the results and their report', () => {
    const profile = path.join(dir, 'profile.csv');
    writeFileSync(profile, 'silo,computeMs\n"New York, NY",5\nAlbany,2\n');
    const out = path.join(dir, 'compare-out');
    const r = dflsim('compare', '-n', gml, ...TINY, '--largest-component', '--silo-profile', profile, '--rounds', '20', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/silo profile \(.*profile\.csv\).*slowest: New York, NY 5\.00 ms, Albany 2\.00 ms/);
    expect(r.err).toMatch(/^warning: zoo: kept the largest connected component/m);
    expect(r.err).toMatch(/^report: .*report\.html$/m);
    for (const f of ['summary.json', 'cycle-times.csv', 'topologies.json', 'config.resolved.json', 'report.html', 'report.md'])
      expect(existsSync(path.join(out, f)), f).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as {
      kind: string;
      reports: { report: Report & { profile?: { source: string } } }[];
    };
    expect(summary.kind).toBe('cycle-times');
    const rep = summary.reports[0].report;
    expect(rep.profile?.source).toBe(profile);
    // RING with New York's 5 ms steps: each silo's own compute in its out-edge (C_i + latency + M/bw):
    // (5 + 1 + 2) / 3 + 7.4 + 2 = 12.0667 ms
    const ring = rep.results.find((x) => x.topology === 'ring')!;
    expect(Math.abs(ring.cycleTimeMs - (8 / 3 + 9.4))).toBeLessThan(1e-9);
    // the drawings keep the raw label as the id and show it decoded
    const drawings = JSON.parse(readFileSync(path.join(out, 'topologies.json'), 'utf8')) as {
      drawings: { silos: { name: string; label?: string }[] }[];
    }[];
    expect(drawings[0].drawings[0].silos[0]).toMatchObject({ name: 'New+York,+NY', label: 'New York, NY' });
    expect(readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/zoo \(3 silos/);
  });
});

describe('dflsim run with "silos" and "component"', () => {
  it('reads them from a cycle-times config and logs the warnings once', () => {
    const cfg = path.join(dir, 'zoo-config.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        kind: 'cycle-times',
        networks: ['zoo.gml'],
        silos: ['New York, NY', 'Boston', 'Albany'],
        component: 'largest',
        linkCapacities: 'gml',
        workload: { name: 'tiny', modelSizeBits: 1e6, computeMs: 1, rounds: 10 },
        topologies: ['ring'],
      }),
    );
    const out = path.join(dir, 'run-out');
    const r = dflsim('run', cfg, '--out', out);
    expect(r.code, r.err).toBe(0);
    const warnings = r.err.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([
      'warning: zoo: kept the largest connected component (4 of 6 nodes); dropped 1 other component: 2 nodes (0 silos): Los Angeles, San Diego',
      'warning: 2 of 4 links in zoo.gml give no capacity: timed at the default 1 Gbit/s',
    ]);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as { reports: { report: Report }[] };
    // measured: exact to 4e-15
    expect(Math.abs(summary.reports[0].report.results[0].cycleTimeMs - 22.4)).toBeLessThan(1e-9);
    // --silos overrides the config's list
    const two = dflsim('run', cfg, '--out', path.join(dir, 'run-two'), '--silos', 'New+York,+NY,Boston');
    expect(two.code, two.err).toBe(0);
    const s2 = JSON.parse(readFileSync(path.join(dir, 'run-two', 'summary.json'), 'utf8')) as { reports: { report: Report }[] };
    expect(s2.reports[0].report.silos).toBe(2);
  });
});
