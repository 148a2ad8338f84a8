/**
 * Overlays and round states as graphology graphs (https://graphology.github.io), for
 * analysis with graphology's metrics and drawing with sigma.js. dflsim keeps its own
 * arrays for speed; these are copies made on request, one directed graph each:
 *
 * - an {@link Overlay}: a node per silo (keyed by name), an edge per directed overlay edge
 *   with its `latencyMs` and `bandwidthBitsPerMs`;
 * - a {@link RoundState} (`plan.round(k)`): a node per silo with `isolated` and `down`
 *   (and `selfWeight` when the topology gives mixing weights), an edge per pair with
 *   `strong` (waited for this round) or not (the multigraph's weak edges), and `weight`
 *   when the topology gives mixing weights; the graph carries `round`, `state`, and given
 *   the clock the round runs on (round ends come from a clock, not from the state),
 *   `durationMs` and `endMs`.
 *
 * Nodes also carry `index` (the silo's index in dflsim's arrays) and, given the silos'
 * coordinates, `latitude`, `longitude` and a drawing position `x` = longitude, `y` = latitude.
 */
import { DirectedGraph } from 'graphology';
import type { Attributes } from 'graphology-types';
import { DflsimInputError } from '../errors.js';
import type { Coordinate } from '../network/underlay.js';
import type { Overlay } from './overlay.js';
import type { RoundEnds } from '../timing/exchanges.js';
import type { RoundState } from './round-state.js';

/** A silo of an overlay graph. */
export interface SiloNodeAttributes extends Attributes {
  /** The silo's name (also the node's key). */
  label: string;
  /** The silo's index in dflsim's arrays. */
  index: number;
  latitude?: number;
  longitude?: number;
  /** Drawing position: the longitude. */
  x?: number;
  /** Drawing position: the latitude. */
  y?: number;
}

/** A directed overlay edge. */
export interface OverlayEdgeAttributes extends Attributes {
  /** Latency of the exchange (ms). */
  latencyMs: number;
  /** Available bandwidth of the exchange (bit/ms). */
  bandwidthBitsPerMs: number;
}

/** The graph-level attributes of an overlay graph. */
export interface OverlayGraphAttributes extends Attributes {
  /** The topology that built the overlay. */
  topology: string;
}

/** A silo in one round. */
export interface RoundNodeAttributes extends SiloNodeAttributes {
  /** No strong edge in either direction this round. */
  isolated: boolean;
  /** Down this round (failures on the event clock). */
  down: boolean;
  /** The weight of the silo's own model in its mix, when the topology gives mixing weights. */
  selfWeight?: number;
}

/** A directed pair in one round. */
export interface RoundEdgeAttributes extends Attributes {
  /** The receiver waits for this exchange this round (false: a weak edge of the multigraph). */
  strong: boolean;
  /** The weight of the sender's model in the receiver's mix, when the topology gives mixing weights. */
  weight?: number;
}

/** The graph-level attributes of a round graph. */
export interface RoundGraphAttributes extends Attributes {
  round: number;
  /** Index of the graph state used (multigraph: k mod S; static: 0). */
  state: number;
  /** Duration of the round (ms), given `options.clock`. */
  durationMs?: number;
  /** Simulated clock at the end of the round (ms), given `options.clock`. */
  endMs?: number;
}

/** Options of {@link toGraphology}. */
export interface ToGraphologyOptions {
  /** The silos' coordinates (a network's `coordinates`): each silo with them gets `latitude`, `longitude`, `x` and `y`. */
  coordinates?: readonly (Coordinate | null)[];
}

/** Options of {@link toGraphology} for a round state, which names no silos itself. */
export interface RoundToGraphologyOptions extends ToGraphologyOptions {
  /** The silos' names, in index order (e.g. the overlay's or the connectivity graph's `silos`). */
  silos: readonly string[];
  /** The clock the round runs on (a plan on a clock, or `maxPlusRoundEnds(plan)`): the graph then carries the round's `durationMs` and `endMs`. */
  clock?: RoundEnds;
}

function siloNode(silos: readonly string[], i: number, coordinates: ToGraphologyOptions['coordinates']): SiloNodeAttributes {
  const c = coordinates?.[i];
  return { label: silos[i], index: i, ...(c ? { latitude: c.latitude, longitude: c.longitude, x: c.longitude, y: c.latitude } : {}) };
}

function checkSilos(silos: readonly string[], where: string): void {
  const seen = new Set<string>();
  for (const s of silos) {
    if (seen.has(s)) throw new DflsimInputError(where, `silo name "${s}" appears twice: a graph keys its nodes by silo name`);
    seen.add(s);
  }
}

/** An overlay as a directed graphology graph. */
export function toGraphology(
  overlay: Overlay,
  options?: ToGraphologyOptions,
): DirectedGraph<SiloNodeAttributes, OverlayEdgeAttributes, OverlayGraphAttributes>;
/** A round's graph state as a directed graphology graph (its silos named by `options.silos`). */
export function toGraphology(
  state: RoundState,
  options: RoundToGraphologyOptions,
): DirectedGraph<RoundNodeAttributes, RoundEdgeAttributes, RoundGraphAttributes>;
export function toGraphology(
  x: Overlay | RoundState,
  options: ToGraphologyOptions & Partial<RoundToGraphologyOptions> = {},
): DirectedGraph {
  return 'strong' in x ? roundGraph(x, options) : overlayGraph(x, options);
}

function overlayGraph(
  o: Overlay,
  options: ToGraphologyOptions,
): DirectedGraph<SiloNodeAttributes, OverlayEdgeAttributes, OverlayGraphAttributes> {
  checkSilos(o.silos, `overlay "${o.topology}"`);
  const g = new DirectedGraph<SiloNodeAttributes, OverlayEdgeAttributes, OverlayGraphAttributes>();
  g.replaceAttributes({ topology: o.topology });
  o.silos.forEach((s, i) => g.addNode(s, siloNode(o.silos, i, options.coordinates)));
  for (const e of o.edges)
    g.mergeEdge(o.silos[e.from], o.silos[e.to], { latencyMs: e.latencyMs, bandwidthBitsPerMs: e.bandwidthBitsPerMs });
  return g;
}

function roundGraph(
  s: RoundState,
  options: ToGraphologyOptions & Partial<RoundToGraphologyOptions>,
): DirectedGraph<RoundNodeAttributes, RoundEdgeAttributes, RoundGraphAttributes> {
  const silos = options.silos;
  if (!silos)
    throw new DflsimInputError('silos', "a round state names no silos: give toGraphology(state, { silos }) (e.g. the overlay's silos)");
  checkSilos(silos, 'silos');
  const n = silos.length;
  const inRange = (i: number): number => {
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new DflsimInputError('silos', `round ${s.round} refers to silo ${i}, but ${n} silos were named`);
    return i;
  };
  const isolated = new Set(s.isolated.map(inRange));
  const down = new Set((s.down ?? []).map(inRange));
  const g = new DirectedGraph<RoundNodeAttributes, RoundEdgeAttributes, RoundGraphAttributes>();
  const c = options.clock;
  const ends = c ? { durationMs: c.roundEndMs(s.round) - (s.round > 0 ? c.roundEndMs(s.round - 1) : 0), endMs: c.roundEndMs(s.round) } : {};
  g.replaceAttributes({ round: s.round, state: s.state, ...ends });
  silos.forEach((_, i) =>
    g.addNode(silos[i], {
      ...siloNode(silos, i, options.coordinates),
      isolated: isolated.has(i),
      down: down.has(i),
      ...(s.weights ? { selfWeight: s.weights.selfWeights[i] } : {}),
    }),
  );
  for (const [a, b] of s.strong) g.mergeEdge(silos[inRange(a)], silos[inRange(b)], { strong: true });
  for (const [a, b] of s.weak)
    if (!g.hasDirectedEdge(silos[inRange(a)], silos[inRange(b)])) g.addDirectedEdge(silos[a], silos[b], { strong: false });
  // a weighted pair is one the receiver mixes, so one it waits for
  s.weights?.edges.forEach(([a, b], e) => {
    const from = silos[inRange(a)],
      to = silos[inRange(b)];
    if (g.hasDirectedEdge(from, to)) g.setDirectedEdgeAttribute(from, to, 'weight', s.weights!.weights[e]);
    else g.addDirectedEdge(from, to, { strong: true, weight: s.weights!.weights[e] });
  });
  return g;
}
