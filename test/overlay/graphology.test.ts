/**
 * Overlays and round states as graphology graphs, checked with graphology's own API and
 * graphology-metrics against what the plans say: RING is one directed cycle, MST a tree
 * both ways, STAR's centre the one node of full degree; each multigraph round has the base
 * overlay's edges, strong and weak, and isolated silos without a strong edge; topologies
 * with mixing weights give rows that sum to 1.
 */
import { density, diameter, weightedSize } from 'graphology-metrics/graph/index.js';
import { weightedInDegree } from 'graphology-metrics/node/index.js';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { prepareContext } from '../../src/experiment/cycle-times.js';
import { findTopology } from '../../src/overlay/catalogue.js';
import { toGraphology } from '../../src/overlay/graphology.js';
import { maxPlusRoundEnds } from '../../src/timing/clock.js';

const ctx = prepareContext({ network: 'gaia-cities', workload: 'femnist', rounds: 40 });
const n = ctx.cg.n;
const plan = (name: string) => findTopology(name)!.build(ctx);

describe('overlays as graphology graphs', () => {
  it("RING: one directed cycle through every silo, with the overlay's latencies and bandwidths", () => {
    const ring = plan('ring').overlay!;
    const g = toGraphology(ring, { coordinates: ctx.underlay.coordinates });
    expect(g.type).toBe('directed');
    expect(g.getAttribute('topology')).toBe('ring');
    expect(g.order).toBe(n);
    expect(g.size).toBe(n);
    g.forEachNode((s) => {
      expect(g.outDegree(s)).toBe(1);
      expect(g.inDegree(s)).toBe(1);
    });
    // a directed cycle of n nodes: n-1 hops to the farthest silo, n of the n(n-1) possible arcs
    expect(diameter(g)).toBe(n - 1);
    expect(density(g)).toBeCloseTo(1 / (n - 1), 12);
    expect(weightedSize(g, 'latencyMs')).toBeCloseTo(
      ring.edges.reduce((a, e) => a + e.latencyMs, 0),
      9,
    );
    for (const e of ring.edges) {
      expect(g.getDirectedEdgeAttributes(ring.silos[e.from], ring.silos[e.to])).toEqual({
        latencyMs: e.latencyMs,
        bandwidthBitsPerMs: e.bandwidthBitsPerMs,
      });
    }
    const first = ctx.underlay.coordinates[0]!;
    expect(g.getNodeAttributes(ring.silos[0])).toEqual({
      label: ring.silos[0],
      index: 0,
      latitude: first.latitude,
      longitude: first.longitude,
      x: first.longitude,
      y: first.latitude,
    });
  });

  it('MST: a spanning tree whose every link runs both ways', () => {
    const g = toGraphology(plan('mst').overlay!);
    expect(g.size).toBe(2 * (n - 1));
    g.forEachEdge((_e, _a, from, to) => expect(g.hasDirectedEdge(to, from)).toBe(true));
    expect(Number.isFinite(diameter(g))).toBe(true);
    expect(g.getNodeAttribute(g.nodes()[0], 'x')).toBeUndefined();
  });

  it('STAR: the centre the plan names is the one silo linked to all others', () => {
    const p = plan('star');
    const g = toGraphology(p.overlay!);
    const full = g.filterNodes((s) => g.outDegree(s) === n - 1 && g.inDegree(s) === n - 1);
    expect(full).toEqual([p.details!.center]);
  });
});

describe('round states as graphology graphs', () => {
  it("multigraph-ring: each state's strong and weak edges make the base overlay, isolated silos have no strong edge", () => {
    const p = plan('multigraph-ring');
    const silos = p.overlay!.silos;
    for (let k = 0; k < Math.min(p.period!, ctx.rounds); k++) {
      const s = p.round(k);
      const clock = maxPlusRoundEnds(p);
      const g = toGraphology(s, { silos, clock });
      const endMs = clock.roundEndMs(k),
        durationMs = endMs - (k > 0 ? clock.roundEndMs(k - 1) : 0);
      expect(g.getAttributes()).toEqual({ round: k, state: s.state, durationMs, endMs });
      expect(toGraphology(s, { silos }).getAttributes()).toEqual({ round: k, state: s.state });
      expect(g.size).toBe(p.overlay!.edges.length);
      expect(g.filterEdges((_e, a) => a.strong)).toHaveLength(s.strong.length);
      const noStrong = g.filterNodes((v) => !g.someEdge(v, (_e, a) => a.strong));
      expect(g.filterNodes((_v, a) => a.isolated)).toEqual(noStrong);
      expect(noStrong.map((v) => silos.indexOf(v))).toEqual(s.isolated);
    }
  });

  it("topologies with mixing weights: each silo's self-weight and in-weights sum to 1", () => {
    for (const name of ['exponential', 'base-3', 'equidyn']) {
      const p = plan(name);
      for (const k of [0, 1, 2, 7]) {
        const g = toGraphology(p.round(k), { silos: ctx.cg.silos });
        g.forEachNode((v, a) => expect(a.selfWeight! + weightedInDegree(g, v, 'weight'), `${name} round ${k} ${v}`).toBeCloseTo(1, 12));
        g.forEachEdge((_e, a) => expect(a.strong).toBe(true));
      }
    }
  });

  it('a round state needs its silos named, all of them', () => {
    const s = plan('ring').round(0);
    expect(() => toGraphology(s, undefined as never)).toThrow(DflsimInputError);
    expect(() => toGraphology(s, { silos: ctx.cg.silos.slice(0, 3) })).toThrow(/refers to silo \d+, but 3 silos were named/);
    expect(() => toGraphology(s, { silos: ctx.cg.silos.map(() => 'same') })).toThrow(/silo name "same" appears twice/);
  });
});
