/**
 * Networks as they come, in the library: routers (nodes that hold no silo) are intermediate
 * nodes of the silos' paths only; `silos` chooses the silos; the largest component is kept
 * on request and says what it dropped; labels written with '+' for spaces are shown decoded.
 */
import { describe, expect, it } from 'vitest';
import {
  buildConnectivityGraph,
  computeCycleTimes,
  displayLabel,
  keepLargestComponent,
  networkFromGraphology,
  networkToGraphology,
  nodeNames,
  shapeNetwork,
  underlayFromGml,
} from '../../src/index.js';
import { DflsimInputError } from '../../src/errors.js';
import { matchaBaseEdges } from '../../src/overlay/matcha.js';
import { ZOO_GML } from '../fixtures/zoo-gml.js';

function inputError(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('routers', () => {
  const raw = underlayFromGml(ZOO_GML, 'zoo.gml');

  it('reads "silo 0" as a router, and puts the silos first, each group in file order', () => {
    expect(raw.silos).toEqual(['New+York,+NY', 'Boston', 'Albany', 'Los+Angeles', 'San+Diego']);
    expect(raw.routers).toEqual(['Hub']);
    expect(nodeNames(raw)[5]).toBe('Hub');
    // the links follow the nodes: A-Hub is 0-5
    expect(raw.links[0]).toMatchObject({ a: 0, b: 5, distanceKm: 100, capacityBitsPerSec: 1e8 });
    expect(raw.coordinates[5]).toEqual({ latitude: 41.5, longitude: -73.0 });
  });

  it('reads "router 1" as a router too, and refuses any value but 0 or 1', () => {
    const u = underlayFromGml(ZOO_GML.replace('silo 0', 'router 1'), 'zoo.gml');
    expect(u.routers).toEqual(['Hub']);
    expect(inputError(() => underlayFromGml(ZOO_GML.replace('silo 0', 'silo 2'), 'zoo.gml')).message).toMatch(
      /zoo\.gml: line 4: node 3 has silo 2: expected 0 or 1/,
    );
  });

  it('routes the silos through the router: its links are hops, it is no vertex of the connectivity graph', () => {
    const u = keepLargestComponent(raw);
    const cg = buildConnectivityGraph(u, 1e9, { linkCapacities: 'gml' });
    expect(cg.silos).toEqual(['New+York,+NY', 'Boston', 'Albany']);
    const at = (i: number, j: number) => i * cg.n + j;
    // A-B: A-Hub-B, 300 km, 2 hops, bottleneck 1e8 bit/s = 1e5 bit/ms over 2 hops
    expect(cg.hops[at(0, 1)]).toBe(2);
    expect(cg.distanceKm[at(0, 1)]).toBe(300);
    expect(cg.bandwidthBitsPerMs[at(0, 1)]).toBe(5e4);
    // B-C: through Hub (500 km) rather than the direct 600 km link; C-Hub has no capacity: the core's 1e9
    expect(cg.distanceKm[at(1, 2)]).toBe(500);
    expect(cg.bandwidthBitsPerMs[at(1, 2)]).toBe(5e5);
    expect(cg.path(1, 2)).toEqual([1, 3, 2]); // node 3 of the kept network is Hub
    expect(cg.capacityCoverage).toEqual({ links: 4, withoutCapacity: 2 });
  });

  it('times RING on the three silos: C + mean latency + mean M/bandwidth (hand-computed)', () => {
    // latencies 0.0085*km + 4: A-B 300 km 6.55, A-C 400 km 7.4, B-C 500 km 8.25 -> mean 7.4 ms
    // M = 1e6 bits over 5e4, 5e4 and 5e5 bit/ms: 20, 20, 2 -> mean 14 ms (above the 0.1 ms access time)
    // cycle time of the 3-cycle = C + 7.4 + 14 = 22.4 ms
    const r = computeCycleTimes({
      network: raw,
      component: 'largest',
      workload: { name: 'tiny', modelSizeBits: 1e6, computeMs: 1, rounds: 10 },
      topologies: ['ring'],
      linkCapacities: 'gml',
    });
    expect(r.silos).toBe(3);
    expect(r.routers).toBe(1);
    // measured: exact to 4e-15
    expect(Math.abs(r.results[0].cycleTimeMs - 22.4)).toBeLessThan(1e-9);
    expect(r.results[0].criticalCircuit).not.toContain('Hub');
    expect(r.warnings).toEqual([
      'zoo: kept the largest connected component (4 of 6 nodes); dropped 1 other component: 2 nodes: Los Angeles, San Diego',
      '2 of 4 links in zoo.gml give no capacity: timed at the default 1 Gbit/s',
    ]);
  });

  it('MATCHA joins two silos that a link or a path through routers only joins', () => {
    const u = shapeNetwork(raw, { silos: ['New+York,+NY', 'Boston', 'Albany'], component: 'largest' });
    const cg = buildConnectivityGraph(u);
    // every pair meets at Hub; B-C also by their own link (counted once)
    expect(matchaBaseEdges('underlay', u, cg)).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
  });

  it('keeps its routers through a graphology graph and back', () => {
    const u = keepLargestComponent(raw);
    const back = networkFromGraphology(networkToGraphology(u), { name: 'zoo' });
    expect(back.silos).toEqual(u.silos);
    expect(back.routers).toEqual(['Hub']);
    expect(back.links.length).toBe(u.links.length);
  });
});

describe('silos and components', () => {
  const raw = underlayFromGml(ZOO_GML, 'zoo.gml');

  it('makes every node not listed a router; a label is found raw or as shown', () => {
    const u = shapeNetwork(raw, { silos: ['Boston', 'New York, NY'], component: 'largest' });
    // file order, not list order
    expect(u.silos).toEqual(['New+York,+NY', 'Boston']);
    expect(u.routers).toEqual(['Albany', 'Hub']);
    // a comma-separated list splits a label with a comma: its pieces are joined back
    expect(shapeNetwork(raw, { silos: ['New+York', '+NY', 'Boston'], component: 'largest' }).silos).toEqual(['New+York,+NY', 'Boston']);
  });

  it('refuses an unknown name (with the closest), a name twice, fewer than 2 silos, a silo out of reach', () => {
    expect(inputError(() => shapeNetwork(raw, { silos: ['Bostn', 'Albany'] })).message).toMatch(
      /^silos\[0\]: unknown node "Bostn" in "zoo" \(did you mean "Boston"\?\)/,
    );
    expect(inputError(() => shapeNetwork(raw, { silos: ['Boston', 'Boston'] })).message).toMatch(/silos\[1\]: "Boston" is listed twice/);
    expect(inputError(() => shapeNetwork(raw, { silos: ['Boston'], component: 'largest' })).message).toMatch(
      /^silos: a single silo \(Boston\) among the 4 nodes of "zoo" \(3 routers\): a network needs at least 2 silos/,
    );
    expect(inputError(() => shapeNetwork(raw, { silos: ['Boston', 'San+Diego'] })).message).toMatch(
      /disconnected \(2 components\): \{Boston\} cannot reach \{San Diego\}.*--largest-component/,
    );
    expect(inputError(() => shapeNetwork(raw, { silos: ['Boston', 'San+Diego'], component: 'largest' })).message).toMatch(
      /^silos: San Diego cannot reach the largest component of "zoo" \(Boston\)/,
    );
  });

  it('refuses a disconnected network naming the option, and keeps the largest component on request', () => {
    expect(inputError(() => shapeNetwork(raw)).message).toMatch(
      /^zoo\.gml: the underlay "zoo" is disconnected \(2 components\): \{New York, NY, Boston, Albany\} cannot reach \{Los Angeles, San Diego\}; every silo must reach every other: give --largest-component \(config field "component": "largest"\)/,
    );
    const u = shapeNetwork(raw, { component: 'largest' });
    expect(u.silos).toEqual(['New+York,+NY', 'Boston', 'Albany']);
    expect(u.routers).toEqual(['Hub']);
    expect(u.links.length).toBe(4);
    expect(u.notes).toEqual([
      'zoo: kept the largest connected component (4 of 6 nodes); dropped 1 other component: 2 nodes: Los Angeles, San Diego',
    ]);
    // the input is not changed
    expect(raw.silos.length).toBe(5);
    expect(raw.notes).toBeUndefined();
  });
});

describe('displayLabel', () => {
  it("decodes '+' as a space only in a label that evidently uses it so", () => {
    expect(displayLabel('New+York,+NY236')).toBe('New York, NY236');
    expect(displayLabel('Sao+Paulo%2C+Brazil')).toBe('Sao Paulo, Brazil');
    // a label with spaces, or whose '+' is not between two characters, is shown as it is
    expect(displayLabel('A B+C')).toBe('A B+C');
    expect(displayLabel('C++')).toBe('C++');
    expect(displayLabel('+44')).toBe('+44');
    expect(displayLabel('Boston')).toBe('Boston');
    // a bad escape keeps the spaces and the text
    expect(displayLabel('100%+sure')).toBe('100% sure');
  });
});
