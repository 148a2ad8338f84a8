/**
 * `topology.json`: what a report needs to draw a topology: the silos with their
 * coordinates, the overlay's edges, and for the multigraph each graph state's strong edges
 * and isolated silos.
 */
import { baseOverlay, multigraphOf } from '../multigraph/topology.js';
import { getTopology, type TopologyContext } from '../overlay/registry.js';

/** A drawable description of one topology on one network. */
export interface TopologyDrawing {
  network: string;
  topology: string;
  silos: { name: string; latitude: number | null; longitude: number | null }[];
  /** Directed overlay edges by silo index. */
  edges: [number, number][];
  /** Multigraph states (strong edges and isolated silos by index), if any. */
  states?: { state: number; strong: [number, number][]; isolated: number[] }[];
  /** Multiplicity of each edge (multigraph). */
  multiplicity?: number[];
  cycleTimeMs?: number;
}

/** Describe a topology of a context for drawing (MATCHA: its base graph). */
export function describeTopology(ctx: TopologyContext, topology: string): TopologyDrawing {
  const silos = ctx.underlay.silos.map((name, i) => ({ name, latitude: ctx.underlay.coordinates[i]?.latitude ?? null, longitude: ctx.underlay.coordinates[i]?.longitude ?? null }));
  const base = { network: ctx.underlay.name, topology, silos };
  if (topology === 'local' || topology === 'centralised') return { ...base, edges: [] };
  if (topology.startsWith('multigraph-')) {
    const { mg, sim } = multigraphOf(ctx, topology.slice('multigraph-'.length));
    const edges = mg.base.edges.map((e) => [e.from, e.to] as [number, number]);
    return {
      ...base,
      edges,
      multiplicity: Array.from(mg.multiplicity),
      cycleTimeMs: sim.cycleTimeMs,
      states: mg.states.map((s) => ({ state: s.index, strong: s.strongEdges.map((e) => edges[e]), isolated: s.isolated })),
    };
  }
  if (['ring', 'mst', 'delta-mbst', 'overlay'].includes(topology)) {
    const o = baseOverlay(ctx, topology);
    return { ...base, edges: o.edges.map((e) => [e.from, e.to]) };
  }
  const r = getTopology(topology)(ctx);
  return { ...base, edges: (r.overlay?.edges ?? []).map((e) => [e.from, e.to]), cycleTimeMs: r.cycleTimeMs };
}

/** Topologies drawn in reports (MATCHA's base graph is not a useful picture). */
export const DRAWN_TOPOLOGIES = ['star', 'mst', 'delta-mbst', 'ring', 'multigraph-ring'];
