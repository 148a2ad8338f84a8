import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { builtinUnderlay } from '../../src/network/builtin.js';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { gmlGet, MAX_GML_BYTES, MAX_GML_DEPTH, parseGml } from '../../src/network/gml.js';
import { loadUnderlay } from '../../src/network/load.js';
import { assertConnected, geodesicKm, underlayFromGml } from '../../src/network/underlay.js';
import { networkFile } from '../helpers.js';

function errorOf(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected an input error');
}

describe('GML reader', () => {
  it("reads the papers' files: silos, links, HTML entities in labels", () => {
    const u = underlayFromGml(readFileSync(networkFile('amazon_us'), 'utf8'), 'amazon_us.gml');
    expect(u.silos).toHaveLength(22);
    expect(u.links).toHaveLength(231);
    expect(u.silos).toContain('San José');
    const e = underlayFromGml(readFileSync(networkFile('ebone'), 'utf8'), 'ebone.gml');
    expect(e.silos).toHaveLength(87);
  });

  it('computes geodesic km for Topology Zoo nodes without a distance; merges parallel edges, drops self-loops', () => {
    const text = `graph [ directed 0 multigraph 1
      node [ id 0 label "Paris" Latitude 48.8566 Longitude 2.3522 ]
      node [ id 1 label "Berlin" Latitude 52.52 Longitude 13.405 ]
      node [ id 2 label "Caf&eacute;" Latitude 52.52 Longitude 13.405 ]
      edge [ source 0 target 1 LinkLabel "10 Gbps" ]
      edge [ source 0 target 1 distance 500 ]
      edge [ source 1 target 1 ]
      edge [ source 1 target 2 ]
    ]`;
    const u = underlayFromGml(text, 'zoo.gml');
    expect(u.silos).toEqual(['Paris', 'Berlin', 'Café']);
    expect(u.links).toHaveLength(2);
    expect(u.links[0].distanceKm).toBe(500); // the shorter of the parallel pair
    // Paris-Berlin: the WGS84 geodesic is within 0.5% of the great circle on a 6371 km sphere
    const rad = Math.PI / 180;
    const [p1, p2, dl] = [48.8566 * rad, 52.52 * rad, (13.405 - 2.3522) * rad];
    const sphere = 2 * 6371.0088 * Math.asin(Math.sqrt(Math.sin((p2 - p1) / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2));
    const km = geodesicKm({ latitude: 48.8566, longitude: 2.3522 }, { latitude: 52.52, longitude: 13.405 });
    expect(Math.abs(km / sphere - 1)).toBeLessThan(0.005);
    expect(u.links[1].distanceKm).toBe(0); // Berlin-Café: same coordinates
  });

  it('rejects malformed GML with the file and line', () => {
    expect(errorOf(() => underlayFromGml('graph [\n node [ id 0 label "a" ]\n', 'bad.gml')).message).toMatch(
      /bad\.gml: line 1: unbalanced "\["/,
    );
    expect(errorOf(() => underlayFromGml('graph [ node [ id 0 ] ] ]', 'bad.gml')).message).toMatch(/line 1: unbalanced "\]"/);
    expect(
      errorOf(() => underlayFromGml('graph [\n node [ id 0 ]\n node [ id 1 ]\n edge [ source 0 target 7 distance 3 ]\n]', 'e.gml')).message,
    ).toMatch(/e\.gml: line 4: edge target 7 is not a node/);
    expect(
      errorOf(() => underlayFromGml('graph [\n node [ id 0 ]\n node [ id 1 ]\n edge [ source 0 target 1\n distance "far" ]\n]', 'd.gml'))
        .message,
    ).toMatch(/d\.gml: line 5: edge 0-1 has a non-numeric distance "far"/);
    expect(
      errorOf(() => underlayFromGml('graph [\n node [ id 0 ]\n node [ id 1 ]\n edge [ source 0 target 1 ]\n]', 'n.gml')).message,
    ).toMatch(/line 4: edge 0-1 has no "distance" and 0 has no Latitude\/Longitude/);
    expect(errorOf(() => underlayFromGml('graph [ node [ id 0 ] node [ id 0 ] ]', 'dup.gml')).message).toMatch(/duplicate node id 0/);
    expect(errorOf(() => underlayFromGml('graph [ node [ id 0 label "x ] ]', 'q.gml')).message).toMatch(/unterminated string/);
  });

  it('names the silos of a disconnected underlay', () => {
    const u = underlayFromGml(
      'graph [ node [ id 0 label "A" ] node [ id 1 label "B" ] node [ id 2 label "C" ] edge [ source 0 target 1 distance 1 ] ]',
      'split.gml',
    );
    const e = errorOf(() => assertConnected(u));
    expect(e.message).toMatch(/split\.gml: the underlay "split" is disconnected \(2 components\): \{A, B\} cannot reach \{C\}/);
    expect(e.exitCode).toBe(2);
  });

  it('loads built-in networks with their silos, full mesh and geodesic lengths', () => {
    const g = builtinUnderlay('gaia-cities')!;
    expect(g.silos).toHaveLength(11);
    expect(g.links).toHaveLength(55);
    const na = loadUnderlay('aws-na-cities');
    expect(na.silos).toHaveLength(22);
    expect(na.links).toHaveLength(231);
    expect(na.name).toBe('aws-na-cities');
    expect(builtinUnderlay('amazon_us')).toBeUndefined();
    // Dublin-Frankfurt is about 1,090 km
    const i = g.silos.indexOf('Dublin'),
      j = g.silos.indexOf('Frankfurt');
    const cg = buildConnectivityGraph(g);
    expect(cg.distanceKm[i * cg.n + j]).toBeGreaterThan(1050);
    expect(cg.distanceKm[i * cg.n + j]).toBeLessThan(1130);
    expect(cg.hops[i * cg.n + j]).toBe(1);
    expect(() => loadUnderlay('atlantis')).toThrow(/unknown network "atlantis"/);
    expect(() => loadUnderlay('missing.gml')).toThrow(/missing\.gml: network file not found/);
  });
});

describe('GML bad input', () => {
  it('parses lists nested up to the limit, refuses deeper ones at the first list too deep, and names the line of an unclosed one', () => {
    const n = MAX_GML_DEPTH - 1; // inside graph [ ... ]
    const root = parseGml(`graph [\n${'a [ '.repeat(n)}${' ]'.repeat(n)}\n]\n`, 'deep.gml');
    let depth = 0;
    let list = gmlGet(root, 'graph')!.value;
    while (typeof list === 'object' && list.entries.length) {
      list = list.entries[0].value;
      depth++;
    }
    expect(depth).toBe(n);
    expect(errorOf(() => underlayFromGml(`graph [\n${'a [ '.repeat(n)}${' ]'.repeat(n)}\n]\n`, 'deep.gml')).message).toBe(
      'deep.gml: the graph has no nodes',
    );
    // 2 million levels (12 MB): refused at line 2, where the 33rd list opens, before the rest is read
    const m = 2_000_000;
    const deeper = errorOf(() => parseGml(`graph [\n${'a [ '.repeat(m)}${' ]'.repeat(m)}\n]\n`, 'deeper.gml'));
    expect(deeper.message).toBe(
      `deeper.gml: line 2: lists nested deeper than ${MAX_GML_DEPTH} levels (a network file nests 3 or 4: graph, node, graphics)`,
    );
    const open = errorOf(() => parseGml(`graph [\n${'a [\n'.repeat(10)}`, 'open.gml'));
    // the innermost unclosed list opens on line 11
    expect(open.message).toBe('open.gml: line 11: unbalanced "[": the list opened here is never closed');
    const list2 = errorOf(() =>
      underlayFromGml(`graph [ node [ id 0 Latitude [ ${'a [ '.repeat(10)}${' ]'.repeat(10)} ] Longitude 1 ] node [ id 1 ] ]`, 'll.gml'),
    );
    expect(list2.message).toBe('ll.gml: line 1: node 0 has a non-numeric Latitude list [ ... ]');
  });

  it('refuses a network file above the size limit before reading it, naming the file and the limit', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-gml-'));
    const big = path.join(dir, 'big.gml');
    writeFileSync(big, Buffer.alloc(MAX_GML_BYTES + 1, 0x20));
    expect(errorOf(() => loadUnderlay(big, 'cfg.json: network')).message).toBe(
      `cfg.json: network: ${big}: 16.0 MiB, above the largest network file dflsim reads (16 MiB)`,
    );
    expect(errorOf(() => parseGml(' '.repeat(MAX_GML_BYTES + 1), 'text.gml')).message).toBe(
      'text.gml: 16.0 MiB of GML, above the 16 MiB dflsim reads',
    );
  });

  it('refuses latitudes outside [-90, 90] and longitudes outside [-180, 180], naming file and line', () => {
    const gml = (lat: number, lon: number) =>
      `graph [\n node [ id 0 label "A" Latitude 10 Longitude 10 ]\n node [ id 1 label "B"\n  Latitude ${lat}\n  Longitude ${lon} ]\n edge [ source 0 target 1 ]\n]\n`;
    expect(errorOf(() => underlayFromGml(gml(90.5, 0), 'lat.gml')).message).toBe(
      'lat.gml: line 4: node 1 has Latitude 90.5, outside [-90, 90] degrees',
    );
    expect(errorOf(() => underlayFromGml(gml(0, -180.01), 'lon.gml')).message).toBe(
      'lon.gml: line 5: node 1 has Longitude -180.01, outside [-180, 180] degrees',
    );
    // the limits themselves are fine: pole to equator on the same meridian
    const u = underlayFromGml(gml(-90, 180), 'edge.gml');
    expect(u.coordinates[1]).toEqual({ latitude: -90, longitude: 180 });
    expect(u.links[0].distanceKm).toBeGreaterThan(10_000);
    expect(Number.isFinite(u.links[0].distanceKm)).toBe(true);
  });

  it('refuses a network of one silo', () => {
    const e = errorOf(() => underlayFromGml('graph [\n node [ id 0 label "Solo" ]\n]\n', 'one.gml'));
    expect(e.message).toBe('one.gml: the graph has a single node (Solo): a network needs at least 2 silos');
  });

  it('refuses a directory given as the network file, and names a config field when asked', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-gml-'));
    mkdirSync(path.join(dir, 'net.gml'));
    expect(errorOf(() => loadUnderlay(path.join(dir, 'net.gml'))).message).toBe(
      `${path.join(dir, 'net.gml')}: is a directory, not a network file`,
    );
    expect(errorOf(() => loadUnderlay(dir)).message).toBe(`${dir}: is a directory, not a network file`);
    const cfg = errorOf(() => loadUnderlay('nosuch', 'experiments/x.json: network'));
    expect(cfg.where).toBe('experiments/x.json: network');
    expect(cfg.message).toMatch(
      /^experiments\/x\.json: network: unknown network "nosuch" \(built-in|^experiments\/x\.json: network: unknown network "nosuch": give a built-in name/,
    );
    expect(errorOf(() => loadUnderlay('nosuch')).where).toBe('--network');
  });
});

describe('connectivity graph', () => {
  it('a hand-computed 4-silo path: latency 0.0085 km + 4, bandwidth shared by the hops', () => {
    const u = underlayFromGml(
      'graph [ node [ id 0 label "a" ] node [ id 1 label "b" ] node [ id 2 label "c" ] node [ id 3 label "d" ] edge [ source 0 target 1 distance 100 ] edge [ source 1 target 2 distance 200 ] edge [ source 2 target 3 distance 300 ] edge [ source 0 target 3 distance 1000 ] ]',
      'p.gml',
    );
    const cg = buildConnectivityGraph(u, 1e9);
    const at = (i: number, j: number) => i * 4 + j;
    expect(cg.distanceKm[at(0, 2)]).toBe(300);
    expect(cg.hops[at(0, 2)]).toBe(2);
    expect(cg.latencyMs[at(0, 2)]).toBeCloseTo(0.0085 * 300 + 4, 12);
    expect(cg.bandwidthBitsPerMs[at(0, 2)]).toBeCloseTo(1e6 / 2, 6);
    expect(cg.distanceKm[at(0, 3)]).toBe(600); // via b, c rather than the direct 1000 km link
    expect(cg.hops[at(3, 0)]).toBe(3);
    expect(cg.path(0, 3)).toEqual([0, 1, 2, 3]);
  });
});
