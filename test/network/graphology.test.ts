/**
 * graphology graphs as networks: a network written as a graph and read back is the same
 * network (the papers' five GML files and the built-in ones), graphology's own algorithms
 * see the same graph dflsim does (degrees, total length, shortest paths), a graph gives the
 * same cycle times as the file it came from, and a hand-made graph is read as GML is read,
 * with the same errors.
 */
import { DirectedGraph, MultiGraph, UndirectedGraph } from 'graphology';
import { weightedSize } from 'graphology-metrics/graph/index.js';
import { singleSource } from 'graphology-shortest-path/dijkstra.js';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { computeCycleTimes } from '../../src/experiment/cycle-times.js';
import { builtinNetworkNames } from '../../src/network/builtin.js';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { isGraphologyGraph, networkFromGraphology, networkToGraphology } from '../../src/network/graphology.js';
import { loadUnderlay } from '../../src/network/load.js';
import { geodesicKm, underlayFromGml, type Underlay } from '../../src/network/underlay.js';
import { HAVE_SHARED, NETWORKS, networkFile } from '../helpers.js';

/** The network without where it came from (a graph read back names the graph, not the file). */
const content = (u: Underlay): Omit<Underlay, 'source'> => {
  const { source: _s, ...rest } = u;
  return rest;
};

/** The error a call throws (failing the test when it throws none or another kind). */
function inputError(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected a DflsimInputError');
}

describe.skipIf(!HAVE_SHARED)("the papers' networks as graphology graphs", () => {
  it.each([...NETWORKS])('%s: written and read back is the same network, and graphology counts its silos, links and degrees', (name) => {
    const u = loadUnderlay(networkFile(name));
    const g = networkToGraphology(u);
    expect(g.type).toBe('undirected');
    expect(g.order).toBe(u.silos.length);
    expect(g.size).toBe(u.links.length);
    u.silos.forEach((s, i) => expect(g.degree(s), s).toBe(u.links.filter((l) => l.a === i || l.b === i).length));
    // the total length, summed by graphology-metrics over the edges' distance attribute
    expect(weightedSize(g, 'distance')).toBeCloseTo(
      u.links.reduce((a, l) => a + l.distanceKm, 0),
      6,
    );
    expect(g.getAttribute('name')).toBe(name);
    const back = networkFromGraphology(g);
    expect(content(back)).toEqual(content(u));
    expect(back.source).toBe(`graphology graph "${name}"`);
  });

  it("graphology's Dijkstra on the graph finds the shortest underlay paths the connectivity graph uses", () => {
    for (const name of ['gaia', 'geantdistance']) {
      const u = loadUnderlay(networkFile(name));
      const g = networkToGraphology(u);
      const cg = buildConnectivityGraph(u);
      for (let i = 0; i < u.silos.length; i++) {
        const paths = singleSource(g, u.silos[i], 'distance');
        for (let j = 0; j < u.silos.length; j++) {
          const p = paths[u.silos[j]];
          let km = 0;
          for (let h = 1; h < p.length; h++) km += g.getEdgeAttribute(p[h - 1], p[h], 'distance')!;
          expect(km, `${name} ${u.silos[i]} -> ${u.silos[j]}`).toBeCloseTo(cg.distanceKm[i * cg.n + j], 6);
        }
      }
    }
  });

  it('a graph gives the cycle times of the GML file it was written from, to the last bit', () => {
    for (const name of ['gaia', 'exodus']) {
      const file = networkFile(name);
      const graph = networkToGraphology(loadUnderlay(file));
      const topologies = ['star', 'mst', 'delta-mbst', 'ring', 'multigraph-ring', 'exponential', 'base-3'];
      const fromFile = computeCycleTimes({ network: file, workload: 'femnist', topologies });
      const fromGraph = computeCycleTimes({ network: graph, workload: 'femnist', topologies });
      expect(fromGraph.results.map((r) => [r.topology, r.cycleTimeMs, r.criticalCircuit])).toEqual(
        fromFile.results.map((r) => [r.topology, r.cycleTimeMs, r.criticalCircuit]),
      );
      expect(fromGraph.network).toBe(name);
    }
  });
});

describe('the built-in networks as graphology graphs', () => {
  it.each(builtinNetworkNames())('%s: round-trips, full mesh, silos drawn at their coordinates', (name) => {
    const u = loadUnderlay(name);
    const g = networkToGraphology(u);
    const n = u.silos.length;
    expect(g.size).toBe((n * (n - 1)) / 2);
    u.silos.forEach((s, i) => {
      expect(g.degree(s)).toBe(n - 1);
      expect(g.getNodeAttributes(s)).toMatchObject({
        latitude: u.coordinates[i]!.latitude,
        longitude: u.coordinates[i]!.longitude,
        x: u.coordinates[i]!.longitude,
        y: u.coordinates[i]!.latitude,
      });
    });
    expect(content(networkFromGraphology(g))).toEqual(content(u));
  });
});

describe('a graph made by hand', () => {
  /** Four silos on a square around (0, 0), a ring of links without distances, some directed (a mixed graph). */
  function square(): MultiGraph {
    const g = new MultiGraph();
    g.setAttribute('name', 'square');
    for (const [k, lat, lon] of [
      ['a', 1, 1],
      ['b', 1, -1],
      ['c', -1, -1],
      ['d', -1, 1],
    ] as const)
      g.addNode(k, { latitude: lat, longitude: lon });
    g.addUndirectedEdgeWithKey('ab', 'a', 'b');
    g.addDirectedEdgeWithKey('bc', 'b', 'c');
    g.addDirectedEdgeWithKey('cd', 'c', 'd');
    g.addUndirectedEdgeWithKey('da', 'd', 'a');
    return g;
  }

  it('is read as its GML twin: lengths from the coordinates, directed edges as links, labels as names', () => {
    const g = square();
    g.setNodeAttribute('a', 'label', 'Alpha');
    const u = networkFromGraphology(g);
    expect(u.name).toBe('square');
    expect(u.silos).toEqual(['Alpha', 'b', 'c', 'd']);
    expect(u.links.map((l) => [l.a, l.b])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 0],
    ]);
    expect(u.links[0].distanceKm).toBe(geodesicKm({ latitude: 1, longitude: 1 }, { latitude: 1, longitude: -1 }));
    const gml = underlayFromGml(
      `graph [
      node [ id 0 label "Alpha" Latitude 1 Longitude 1 ] node [ id 1 label "b" Latitude 1 Longitude -1 ]
      node [ id 2 label "c" Latitude -1 Longitude -1 ] node [ id 3 label "d" Latitude -1 Longitude 1 ]
      edge [ source 0 target 1 ] edge [ source 1 target 2 ] edge [ source 2 target 3 ] edge [ source 3 target 0 ] ]`,
      'square.gml',
    );
    expect(content(u)).toEqual(content(gml));
  });

  it("keeps the shortest of parallel edges (with its capacity), drops self-loops, and reads GML's attribute names too", () => {
    const g = new MultiGraph();
    g.addNode('x', { Latitude: 48.85, Longitude: 2.35, computeMs: 3 });
    g.addNode('y', { Latitude: 52.52, Longitude: 13.4, computeMs: 5, uploadGbps: 2 });
    g.addEdge('x', 'y', { distance: 900, capacityGbps: 10 });
    g.addEdge('y', 'x', { distance: 880, capacity: 4e9 });
    g.addEdge('x', 'x', { distance: 1 });
    const u = networkFromGraphology(g, { name: 'pair' });
    expect(u.links).toEqual([{ a: 0, b: 1, distanceKm: 880, capacityBitsPerSec: 4e9 }]);
    expect(u.coordinates[1]).toEqual({ latitude: 52.52, longitude: 13.4 });
    expect(u.siloAttributes).toEqual([{ computeMs: 3 }, { computeMs: 5, uploadGbps: 2 }]);
    // written back: the attributes a graph user reads
    const w = networkToGraphology(u);
    expect(w.getNodeAttributes('y')).toMatchObject({ latitude: 52.52, longitude: 13.4, computeMs: 5, uploadGbps: 2 });
    expect(w.getEdgeAttributes('x', 'y')).toEqual({ distance: 880, capacity: 4e9 });
    expect(content(networkFromGraphology(w))).toEqual(content(u));
  });

  it('places, drops or refuses silos without coordinates as the missingCoordinates option says', () => {
    const g = square();
    g.addNode('e');
    g.addUndirectedEdge('e', 'a');
    g.addUndirectedEdge('e', 'c');
    const err = inputError(() => networkFromGraphology(g));
    expect(err.where).toBe('graphology graph "square"');
    expect(err.message).toMatch(
      /edge e-a has no "distance" and e has no Latitude\/Longitude; give --missing-coordinates drop or neighbours/,
    );
    const placed = networkFromGraphology(g, { missingCoordinates: 'neighbours' });
    expect(placed.coordinates[4]).toEqual({ latitude: 0, longitude: 0 });
    const dropped = networkFromGraphology(g, { missingCoordinates: 'drop' });
    expect(dropped.silos).toEqual(['a', 'b', 'c', 'd']);
    expect(dropped.links).toHaveLength(4);
  });

  it('names the node or edge of a bad attribute, and refuses what is not a connected network', () => {
    const lat = square();
    lat.setNodeAttribute('c', 'latitude', 95);
    expect(inputError(() => networkFromGraphology(lat)).message).toBe(
      'graphology graph "square": node "c" has latitude 95, outside [-90, 90] degrees',
    );
    const dist = square();
    dist.setEdgeAttribute('ab', 'distance', '12');
    expect(inputError(() => networkFromGraphology(dist)).message).toBe(
      'graphology graph "square": edge a-b has a non-numeric distance "12"',
    );
    const slow = square();
    slow.setNodeAttribute('b', 'computeMs', -1);
    expect(inputError(() => networkFromGraphology(slow)).message).toMatch(/node "b" has computeMs -1: it must be a positive number/);
    const far = square();
    far.setEdgeAttribute('da', 'distance', 2e5);
    expect(inputError(() => networkFromGraphology(far)).message).toMatch(/edge d-a has distance 200000 km, more than 100,000 km/);
    const apart = new UndirectedGraph();
    for (const k of ['p', 'q', 'r', 's']) apart.addNode(k);
    apart.addEdge('p', 'q', { distance: 1 });
    apart.addEdge('r', 's', { distance: 1 });
    expect(inputError(() => networkFromGraphology(apart)).message).toMatch(/the underlay "graph" is disconnected \(2 components\)/);
    const lone = new UndirectedGraph();
    lone.addNode('only');
    expect(inputError(() => networkFromGraphology(lone)).message).toMatch(/a single node \(only\): a network needs at least 2 silos/);
    expect(inputError(() => networkFromGraphology({ nodes: [] } as never)).message).toMatch(/expected a graphology graph/);
  });

  it('is accepted as the network of a cycle-time request, and bad input fails before any work', () => {
    const g = square();
    g.forEachEdge((e: string) => g.setEdgeAttribute(e, 'distance', 1000));
    const r = computeCycleTimes({ network: g, workload: 'femnist', topologies: ['ring', 'star'] });
    expect(r.network).toBe('square');
    expect(r.silos).toBe(4);
    // the same network given as an underlay times the same
    const same = computeCycleTimes({ network: networkFromGraphology(g), workload: 'femnist', topologies: ['ring', 'star'] });
    expect(r.results.map((x) => x.cycleTimeMs)).toEqual(same.results.map((x) => x.cycleTimeMs));
    g.setNodeAttribute('a', 'longitude', 200);
    expect(inputError(() => computeCycleTimes({ network: g, workload: 'femnist', topologies: ['ring'] })).message).toMatch(
      /node "a" has longitude 200, outside \[-180, 180\] degrees/,
    );
  });

  it('tells a graphology graph from other values by its shape', () => {
    expect(isGraphologyGraph(new UndirectedGraph())).toBe(true);
    expect(isGraphologyGraph(new DirectedGraph())).toBe(true);
    expect(isGraphologyGraph(new MultiGraph())).toBe(true);
    expect(isGraphologyGraph(loadUnderlay('gaia-cities'))).toBe(false);
    expect(isGraphologyGraph(null)).toBe(false);
    expect(isGraphologyGraph('gaia-cities')).toBe(false);
  });
});
