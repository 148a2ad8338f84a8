/** Silo profiles: the CSV reader, the seeded generator, GML node attributes, and how sources merge. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { computeCycleTimes, prepareContext } from '../../src/experiment/cycle-times.js';
import {
  generateSiloProfile,
  parseSiloProfileCsv,
  profileFromUnderlay,
  profileSummary,
  resolveSiloTimes,
} from '../../src/network/silo-profile.js';
import { underlayFromGml } from '../../src/network/underlay.js';

const SILOS = ['Vienna', 'Paris, FR', 'Rome'];

function errorOf(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected an input error');
}

describe('CSV silo profiles', () => {
  it('reads any subset of the value columns, in any order, with quoting; empty cells and missing silos take the defaults', () => {
    const p = parseSiloProfileCsv('uploadGbps,silo\n1.5,Vienna\n,"Paris, FR"\n', 'p.csv', SILOS);
    expect(p).toEqual({ Vienna: { uploadGbps: 1.5 }, 'Paris, FR': {} });
    const r = resolveSiloTimes(SILOS, { computeStepMs: 4.6, uploadBitsPerSec: 1e10, downloadBitsPerSec: 2e10 }, [p])!;
    expect(Array.from(r.computeStepMs)).toEqual([4.6, 4.6, 4.6]);
    expect(Array.from(r.uploadBitsPerSec)).toEqual([1.5e9, 1e10, 1e10]);
    expect(Array.from(r.downloadBitsPerSec)).toEqual([2e10, 2e10, 2e10]);
  });

  it('reads all four columns', () => {
    const p = parseSiloProfileCsv('silo,computeMs,uploadGbps,downloadGbps\r\nRome,25,1,2.5e0\r\n', 'p.csv', SILOS);
    expect(p).toEqual({ Rome: { computeMs: 25, uploadGbps: 1, downloadGbps: 2.5 } });
  });

  it.each([
    ['an unknown column', 'silo,cpuMs\nRome,3\n', 'p.csv:1:2', 'unknown column "cpuMs"'],
    ['a repeated column', 'silo,computeMs,computeMs\n', 'p.csv:1:3', 'appears twice'],
    ['no silo column', 'computeMs\n3\n', 'p.csv:1:1', 'no "silo" column'],
    ['an unknown silo', 'silo,computeMs\nRome,3\nMilan,4\n', 'p.csv:3:1', 'unknown silo "Milan"'],
    ['a duplicate row', 'silo,computeMs\nRome,3\nVienna,1\nRome,4\n', 'p.csv:4:1', 'listed twice (first on line 2)'],
    ['a zero value', 'silo,computeMs,uploadGbps\nRome,3,0\n', 'p.csv:2:3', 'must be positive'],
    ['a negative value', 'silo,downloadGbps\nRome,-1\n', 'p.csv:2:2', 'must be positive'],
    ['a non-numeric value', 'silo,computeMs\nRome,fast\n', 'p.csv:2:2', 'not a number: "fast"'],
    ['too many fields', 'silo,computeMs\nRome,3,4\n', 'p.csv:2:3', 'expected 2 fields'],
    ['too few fields', 'silo,computeMs,uploadGbps\nRome,3\n', 'p.csv:2:3', 'expected 3 fields'],
    ['an unclosed quote', 'silo,computeMs\n"Rome,3\n', 'p.csv:', 'not valid CSV'],
    ['an empty file', '', 'p.csv:1:1', 'empty silo profile'],
  ])('rejects %s naming file:line:column', (_what, text, where, message) => {
    const e = errorOf(() => parseSiloProfileCsv(text, 'p.csv', SILOS));
    expect(e.where.startsWith(where)).toBe(true);
    expect(e.message).toContain(message);
  });

  it('a missing file is an input error naming the flag', () => {
    const u = underlayFromGml(GML, 'three.gml');
    const e = errorOf(() => prepareContext({ network: u, workload: 'femnist', siloProfile: '/nonexistent/silos.csv' }));
    expect(e.message).toContain('/nonexistent/silos.csv');
  });
});

describe('generated silo profiles', () => {
  const names = Array.from({ length: 2000 }, (_, i) => `silo-${i}`);
  const spec = {
    computeMs: { lognormal: { median: 25, sigma: 0.5 } },
    uploadGbps: { uniform: { min: 1, max: 10 } },
    downloadGbps: 10,
    seed: 3,
  };

  it("is deterministic by seed and independent of the silos' order and of the other silos", () => {
    const a = generateSiloProfile(spec, names, 0);
    const b = generateSiloProfile(spec, names.slice().reverse(), 0);
    const c = generateSiloProfile(spec, names.slice(0, 10), 0);
    expect(b).toEqual(a);
    for (const n of names.slice(0, 10)) expect(c[n]).toEqual(a[n]);
    const d = generateSiloProfile({ ...spec, seed: 4 }, names, 0);
    expect(d['silo-0'].computeMs).not.toBe(a['silo-0'].computeMs);
    // the spec's seed wins over the caller's; without one the caller's is used
    expect(generateSiloProfile(spec, names.slice(0, 5), 99)).toEqual(generateSiloProfile(spec, names.slice(0, 5), 0));
    const { seed: _s, ...noSeed } = spec;
    expect(generateSiloProfile(noSeed, names.slice(0, 5), 3)).toEqual(generateSiloProfile(spec, names.slice(0, 5), 0));
  });

  it('draws from the distributions: the median of 2,000 lognormal draws within 5% of 25, uniform in [1, 10], constants', () => {
    const p = generateSiloProfile(spec, names, 0);
    const compute = names.map((n) => p[n].computeMs!).sort((x, y) => x - y);
    const median = (compute[999] + compute[1000]) / 2;
    expect(Math.abs(median / 25 - 1)).toBeLessThan(0.05);
    const up = names.map((n) => p[n].uploadGbps!);
    expect(Math.min(...up)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...up)).toBeLessThanOrEqual(10);
    expect(Math.abs(up.reduce((s, x) => s + x, 0) / up.length / 5.5 - 1)).toBeLessThan(0.05);
    expect(new Set(names.map((n) => p[n].downloadGbps))).toEqual(new Set([10]));
  });

  it('choice draws values in proportion to their weights', () => {
    const p = generateSiloProfile({ computeMs: { choice: { values: [5, 50], weights: [3, 1] } } }, names, 1);
    const slow = names.filter((n) => p[n].computeMs === 50).length;
    // 2,000 draws with p = 1/4: mean 500, standard deviation 19.4; 5 sigma
    expect(Math.abs(slow - 500)).toBeLessThan(97);
    expect(names.every((n) => p[n].computeMs === 5 || p[n].computeMs === 50)).toBe(true);
  });

  it.each([
    [{ computeMs: { lognormal: { median: 25, sigma: -1 } } }, 'siloProfile.computeMs.lognormal.sigma'],
    [{ computeMs: { lognormal: { median: 0, sigma: 1 } } }, 'siloProfile.computeMs.lognormal.median'],
    [{ computeMs: { lognormal: { median: 2, sigma: 1, mean: 3 } } }, 'siloProfile.computeMs.lognormal.mean'],
    [{ uploadGbps: { uniform: { min: 5, max: 1 } } }, 'siloProfile.uploadGbps.uniform.max'],
    [{ uploadGbps: { uniform: { min: 'a', max: 1 } } }, 'siloProfile.uploadGbps.uniform.min'],
    [{ downloadGbps: { choice: { values: [] } } }, 'siloProfile.downloadGbps.choice.values'],
    [{ downloadGbps: { choice: { values: [1, 2], weights: [1] } } }, 'siloProfile.downloadGbps.choice.weights'],
    [{ downloadGbps: { choice: { values: [1, -2] } } }, 'siloProfile.downloadGbps.choice.values[1]'],
    [{ downloadGbps: { gamma: { k: 1 } } }, 'siloProfile.downloadGbps'],
    [{ downloadGbps: -3 }, 'siloProfile.downloadGbps'],
    [{ cpu: 3 }, 'siloProfile.cpu'],
    [{ seed: 1.5 }, 'siloProfile.seed'],
  ])('rejects a bad spec naming the field path (%j)', (bad, where) => {
    expect(errorOf(() => generateSiloProfile(bad, SILOS, 0)).where).toBe(where);
  });
});

const GML = `graph [
  node [ id 0 label "A" computeMs 20 uploadGbps 2 ]
  node [ id 1 label "B" ]
  node [ id 2 label "C" downloadGbps 0.5 ]
  edge [ source 0 target 1 distance 100 capacity 1e9 ] edge [ source 1 target 2 distance 100 capacityGbps 2.5 ]
]`;

describe('GML node attributes', () => {
  it('are read into the underlay and form a profile that a CSV overrides column by column', () => {
    const u = underlayFromGml(GML, 'three.gml');
    expect(u.siloAttributes).toEqual([{ computeMs: 20, uploadGbps: 2 }, {}, { downloadGbps: 0.5 }]);
    expect(u.links.map((l) => l.capacityBitsPerSec)).toEqual([1e9, 2.5e9]);
    const gml = profileFromUnderlay(u);
    const csv = parseSiloProfileCsv('silo,uploadGbps\nA,8\n', 'p.csv', u.silos);
    const r = resolveSiloTimes(u.silos, { computeStepMs: 4.6, uploadBitsPerSec: 1e10, downloadBitsPerSec: 1e10 }, [gml, csv])!;
    expect(Array.from(r.computeStepMs)).toEqual([20, 4.6, 4.6]);
    expect(Array.from(r.uploadBitsPerSec)).toEqual([8e9, 1e10, 1e10]);
    expect(Array.from(r.downloadBitsPerSec)).toEqual([1e10, 1e10, 0.5e9]);
    const s = profileSummary(u.silos, r, 1);
    expect(s.computeMs).toEqual({ min: 4.6, median: 4.6, max: 20 });
    expect(s.slowestCompute).toEqual([{ silo: 'A', computeMs: 20 }]);
    expect(s.slowestDownload).toEqual([{ silo: 'C', downloadGbps: 0.5 }]);
  });

  it('reach the delay model through prepareContext, and the report names the source', () => {
    const u = underlayFromGml(GML, 'three.gml');
    const ctx = prepareContext({ network: u, workload: 'femnist', localUpdates: 2 });
    expect(ctx.k.profile).toBe(true);
    expect(Array.from(ctx.k.computeMs)).toEqual([40, 9.2, 9.2]);
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-silo-'));
    const f = path.join(dir, 'p.csv');
    writeFileSync(f, 'silo,computeMs\nB,7\n');
    const ctx2 = prepareContext({ network: u, workload: 'femnist', siloProfile: f });
    expect(ctx2.k.profile).toBe(true);
    expect(Array.from(ctx2.k.computeMs)).toEqual([20, 7, 4.6]);
  });

  it.each([
    ['node [ id 0 label "A" computeMs 0 ]', 2, 'computeMs 0'],
    ['node [ id 0 label "A" uploadGbps "fast" ]', 2, 'non-numeric uploadGbps'],
    ['node [ id 0 label "A" ]\nedge [ source 0 target 1 distance 1 capacity -5 ]', 3, 'capacity -5'],
    ['node [ id 0 label "A" ]\nedge [ source 0 target 1 distance 1 capacity 1e9 capacityGbps 2 ]', 3, 'disagree'],
  ])('rejects bad values with file: line (%s)', (lines, line, message) => {
    const text = `graph [\n${lines}\nnode [ id 1 label "B" ]\n]`;
    const e = errorOf(() => underlayFromGml(text, 'bad.gml'));
    expect(e.where).toBe(`bad.gml: line ${line}`);
    expect(e.message).toContain(message);
  });

  it("reads the Internet Topology Zoo's link speeds: LinkSpeedRaw (bit/s), or LinkSpeed with LinkSpeedUnits, given as numbers or strings", () => {
    const zoo = `graph [
  node [ id 0 label "A" Latitude 59.3 Longitude 18.1 ]
  node [ id 1 label "B" Latitude 60.2 Longitude 24.9 ]
  node [ id 2 label "C" Latitude 55.7 Longitude 12.6 ]
  node [ id 3 label "D" Latitude 59.9 Longitude 10.7 ]
  edge [ source 0 target 1 LinkLabel "10 Gbps" LinkSpeed "10" LinkSpeedUnits "G" LinkSpeedRaw 10000000000.0 ]
  edge [ source 0 target 2 LinkSpeed "2.5" LinkSpeedUnits "G" ]
  edge [ source 0 target 3 LinkSpeed 155 LinkSpeedUnits "m" ]
  edge [ source 2 target 3 LinkSpeedRaw 1000000000 ]
  edge [ source 1 target 3 ]
]`;
    const u = underlayFromGml(zoo, 'zoo.gml');
    expect(u.links.map((l) => l.capacityBitsPerSec)).toEqual([1e10, 2.5e9, 155e6, 1e9, undefined]);
    // the same network with capacityGbps gives the same cycle times with capacities read
    const same = zoo
      .replace('LinkLabel "10 Gbps" LinkSpeed "10" LinkSpeedUnits "G" LinkSpeedRaw 10000000000.0', 'capacityGbps 10')
      .replace('LinkSpeed "2.5" LinkSpeedUnits "G"', 'capacityGbps 2.5')
      .replace('LinkSpeed 155 LinkSpeedUnits "m"', 'capacity 155e6')
      .replace('LinkSpeedRaw 1000000000', 'capacityGbps 1');
    const times = (text: string, linkCapacities: 'gml' | 'ignore') =>
      computeCycleTimes({
        network: underlayFromGml(text, 'zoo.gml'),
        workload: 'femnist',
        topologies: ['ring', 'mst'],
        linkCapacities,
      }).results.map((r) => r.cycleTimeMs);
    expect(times(zoo, 'gml')).toEqual(times(same, 'gml'));
    // read, not ignored: the capacities change the cycle times (the papers' model uses 1 Gbit/s core links)
    expect(times(zoo, 'gml')).not.toEqual(times(zoo, 'ignore'));
  });

  it.each([
    ['edge [ source 0 target 1 distance 1 LinkSpeed "10" ]', 'without LinkSpeedUnits'],
    ['edge [ source 0 target 1 distance 1 LinkSpeed "10" LinkSpeedUnits "Gbps" ]', 'LinkSpeedUnits "Gbps"'],
    ['edge [ source 0 target 1 distance 1 LinkSpeed "fast" LinkSpeedUnits "G" ]', 'non-numeric LinkSpeed'],
    ['edge [ source 0 target 1 distance 1 LinkSpeedRaw 0 ]', 'LinkSpeedRaw 0'],
    ['edge [ source 0 target 1 distance 1 LinkSpeed "10" LinkSpeedUnits "G" LinkSpeedRaw 1000000000 ]', 'disagree'],
  ])('refuses a bad Zoo link speed, naming file and line (%s)', (edge, message) => {
    const text = `graph [\nnode [ id 0 label "A" ]\nnode [ id 1 label "B" ]\n${edge}\n]`;
    const e = errorOf(() => underlayFromGml(text, 'zoo.gml'));
    expect(e.where).toBe('zoo.gml: line 4');
    expect(e.message).toContain(message);
  });

  it("a network without node attributes has no profile (the papers' model)", () => {
    const u = underlayFromGml('graph [ node [ id 0 label "A" ] node [ id 1 label "B" ] edge [ source 0 target 1 distance 5 ] ]', 'two.gml');
    expect(u.siloAttributes).toBeUndefined();
    expect(prepareContext({ network: u, workload: 'femnist' }).k.profile).toBeUndefined();
  });
});
