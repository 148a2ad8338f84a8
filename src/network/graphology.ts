/**
 * graphology graphs as networks, both ways (graphology: https://graphology.github.io).
 *
 * A graph is read as a GML file is ({@link underlayFromParts}): each node is a silo (or a
 * router, with `silo: 0` or `router: 1`), named by its `label` (else its key), placed by `latitude`/`longitude` in degrees (or GML's
 * `Latitude`/`Longitude`), with the optional silo attributes `computeMs`, `uploadGbps` and
 * `downloadGbps`; each edge, directed or not, is a link with `distance` in km (else the
 * geodesic between its ends) and an optional `capacity` in bit/s (or `capacityGbps`).
 * Parallel edges keep the shortest, self-loops carry nothing, and nodes without coordinates
 * follow the `missingCoordinates` option. A network is written back the same way, so the
 * two functions round-trip; nodes with coordinates also get `x` = longitude and `y` =
 * latitude, a position sigma.js can draw.
 */
import { UndirectedGraph } from 'graphology';
import type { AbstractGraph, Attributes } from 'graphology-types';
import { DflsimInputError } from '../errors.js';
import {
  assertConnected,
  isRouterNode,
  nodeNames,
  checkSiloCount,
  coordinateAttribute,
  linkCapacity,
  linkDistance,
  missingCoordinatesMode,
  siloAttributesOf,
  underlayFromParts,
  type AttributeSource,
  type Coordinate,
  type GmlUnderlayOptions,
  type RawLink,
  type SiloAttributes,
  type Underlay,
} from './underlay.js';

/** A silo of a network graph. */
export interface NetworkNodeAttributes extends Attributes, SiloAttributes {
  /** The silo's name (the node's key when absent). */
  label?: string;
  /** Degrees north. */
  latitude?: number;
  /** Degrees east. */
  longitude?: number;
  /** Where to draw the silo: its longitude. */
  x?: number;
  /** Where to draw the silo: its latitude. */
  y?: number;
  /** 0: the node is a router (carries traffic, holds no silo). */
  silo?: 0 | 1;
}

/** A link of a network graph. */
export interface NetworkEdgeAttributes extends Attributes {
  /** Length of the link (km). */
  distance?: number;
  /** Capacity of the link (bit/s), used with `linkCapacities: 'gml'`. */
  capacity?: number;
}

/** The graph-level attributes of a network graph. */
export interface NetworkGraphAttributes extends Attributes {
  /** Network name. */
  name: string;
}

/** Options of {@link networkFromGraphology}. */
export interface GraphologyNetworkOptions extends GmlUnderlayOptions {
  /** Network name (default: the graph's `name` attribute, else `graph`). */
  name?: string;
  /** What errors name as the network's place (default `graphology graph "<name>"`). */
  source?: string;
}

/** Whether a value is a graphology graph (any version or copy of the library: its shape, not its class). */
export function isGraphologyGraph(x: unknown): x is AbstractGraph {
  const g = x as Partial<AbstractGraph> | null;
  return (
    typeof g === 'object' &&
    g !== null &&
    typeof g.forEachNode === 'function' &&
    typeof g.forEachEdge === 'function' &&
    typeof g.getAttribute === 'function' &&
    typeof g.order === 'number' &&
    typeof g.size === 'number' &&
    typeof g.multi === 'boolean'
  );
}

/** A graphology attribute bag as an {@link AttributeSource}: `null` counts as absent, errors name the graph. */
function attributeSource(attrs: Attributes, where: string): AttributeSource {
  return { get: (key) => attrs[key] ?? undefined, where: () => where };
}

/**
 * A network from a graphology graph (see the module's description for the attributes read).
 * Bad input is a {@link DflsimInputError} naming the node or edge; the network must be connected.
 * @param graph any graphology graph: undirected, directed, mixed or multi
 * @param options name, what errors call the graph, and what to do with nodes without coordinates
 */
export function networkFromGraphology(graph: AbstractGraph, options: GraphologyNetworkOptions = {}): Underlay {
  if (!isGraphologyGraph(graph)) throw new DflsimInputError(options.source ?? 'network', 'expected a graphology graph');
  const mode = missingCoordinatesMode(options);
  const named = graph.getAttribute('name') as unknown;
  const name = options.name ?? (typeof named === 'string' && named !== '' ? named : 'graph');
  const source = options.source ?? `graphology graph "${name}"`;
  const index = new Map<string, number>();
  const silos: string[] = [];
  const coordinates: (Coordinate | null)[] = [];
  const attributes: SiloAttributes[] = [];
  const routers: boolean[] = [];
  const seenLabels = new Set<string>();
  graph.forEachNode((key, attrs) => {
    const what = `node "${key}"`;
    const node = attributeSource(attrs, source);
    const label =
      typeof attrs.label === 'string' && attrs.label !== '' ? attrs.label : typeof attrs.label === 'number' ? String(attrs.label) : key;
    const unique = seenLabels.has(label) ? `${label} (key ${key})` : label;
    seenLabels.add(unique);
    const lat = coordinateAttribute(node, attrs.latitude != null ? 'latitude' : 'Latitude', what);
    const lon = coordinateAttribute(node, attrs.longitude != null ? 'longitude' : 'Longitude', what);
    attributes.push(siloAttributesOf(node, what));
    routers.push(isRouterNode(node, what));
    index.set(key, silos.length);
    silos.push(unique);
    coordinates.push(lat !== undefined && lon !== undefined ? { latitude: lat, longitude: lon } : null);
  });
  checkSiloCount(silos, source);
  const links: RawLink[] = [];
  graph.forEachEdge((_key, attrs, s, t) => {
    const what = `edge ${s}-${t}`;
    const edge = attributeSource(attrs, source);
    const distanceKm = linkDistance(edge, what);
    links.push({ a: index.get(s)!, b: index.get(t)!, distanceKm, capacityBitsPerSec: linkCapacity(edge, what), where: source, what });
  });
  const u = underlayFromParts({ name, source, silos, coordinates, attributes, siloWhere: silos.map(() => source), links, routers }, mode);
  assertConnected(u);
  return u;
}

/**
 * A network as an undirected graphology graph: a node per silo keyed by its name (with its
 * coordinates, a drawing position and its silo attributes), an edge per link with its
 * `distance` (km) and `capacity` (bit/s) when known. {@link networkFromGraphology} reads it
 * back to the same silos, coordinates, links and attributes.
 */
export function networkToGraphology(u: Underlay): UndirectedGraph<NetworkNodeAttributes, NetworkEdgeAttributes, NetworkGraphAttributes> {
  const g = new UndirectedGraph<NetworkNodeAttributes, NetworkEdgeAttributes, NetworkGraphAttributes>();
  g.replaceAttributes({ name: u.name });
  const names = nodeNames(u);
  names.forEach((silo, i) => {
    if (g.hasNode(silo)) throw new DflsimInputError(u.source, `silo name "${silo}" appears twice: a graph keys its nodes by silo name`);
    const c = u.coordinates[i];
    g.addNode(silo, {
      label: silo,
      ...(c ? { latitude: c.latitude, longitude: c.longitude, x: c.longitude, y: c.latitude } : {}),
      ...(u.siloAttributes?.[i] ?? {}),
      ...(i >= u.silos.length ? { silo: 0 } : {}),
    });
  });
  for (const l of u.links) {
    const a = names[l.a],
      b = names[l.b];
    if (l.a === l.b) continue;
    const attrs: NetworkEdgeAttributes = {
      distance: l.distanceKm,
      ...(l.capacityBitsPerSec !== undefined ? { capacity: l.capacityBitsPerSec } : {}),
    };
    // parallel links (a hand-made network may have them): the shortest carries the traffic, as when reading
    const prev = g.edge(a, b);
    if (prev === undefined) g.addEdge(a, b, attrs);
    else if (l.distanceKm < g.getEdgeAttribute(prev, 'distance')!) g.replaceEdgeAttributes(prev, attrs);
  }
  return g;
}
