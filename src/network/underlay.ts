/**
 * The underlay network: silos (GML nodes) and physical links with a length.
 *
 * Link lengths come from the GML `distance` attribute (the papers' files) or, for
 * Internet Topology Zoo files without one, from the geodesic distance between the
 * nodes' `Latitude`/`Longitude` on the WGS84 ellipsoid (Karney 2013, via
 * `geographiclib-geodesic`).
 */
import geodesicLib from 'geographiclib-geodesic';
import { DflsimInputError, expectString } from '../errors.js';
import { UnionFind } from '../graph/union-find.js';
import { gbpsToBitsPerSec } from '../units.js';
import { gmlGet, parseGml, type GmlList } from './gml.js';
import { someLabels } from './labels.js';

/** A geographic coordinate in degrees. */
export interface Coordinate {
  latitude: number;
  longitude: number;
}

/** A physical link of the underlay. */
export interface UnderlayLink {
  /** Index of one end in `Underlay.silos`. */
  a: number;
  /** Index of the other end. */
  b: number;
  /** Length used by the latency model (km, or a latency-derived length). */
  distanceKm: number;
  /**
   * Capacity of the link (bit/s), from GML `capacity` (bit/s, as the Topology Zoo writes
   * it) or `capacityGbps`; used only with `linkCapacities: 'gml'` (see `connectivity.ts`).
   */
  capacityBitsPerSec?: number;
}

/** A silo's own attributes from its GML node (a silo profile's lowest-priority source). */
export interface SiloAttributes {
  /** Compute time of one local step (ms). */
  computeMs?: number;
  /** Upload capacity of the silo's access link (Gbit/s). */
  uploadGbps?: number;
  /** Download capacity of the silo's access link (Gbit/s). */
  downloadGbps?: number;
}

/** The GML node attributes read as a silo profile. */
export const SILO_ATTRIBUTE_KEYS = ['computeMs', 'uploadGbps', 'downloadGbps'] as const;

/**
 * An undirected underlay network. Its nodes are the silos (indices `0 .. silos.length-1`, in
 * file order) followed by the routers, if any (indices from `silos.length` on, in file order):
 * `links` and `coordinates` index that list ({@link nodeNames}). A router carries traffic and
 * counts in shortest paths but holds no model: overlays, cycle times and training see the
 * silos only.
 */
export interface Underlay {
  /** Short name, e.g. `gaia`. */
  name: string;
  /** Silo names (the raw labels: the ids users write) in file order; every silo index refers to this order. */
  silos: string[];
  /** Names of the nodes that hold no silo (routers), in file order; absent when every node is a silo. */
  routers?: string[];
  /** Coordinates of each node (silos, then routers) where known. */
  coordinates: (Coordinate | null)[];
  /** Links between nodes (silos, then routers), without self-loops; parallel links merged keeping the shortest. */
  links: UnderlayLink[];
  /** Where the network came from (file path or built-in provenance). */
  source: string;
  /** Per-node attributes from the GML nodes (`computeMs`, `uploadGbps`, `downloadGbps`; silos, then routers), when any node has one. */
  siloAttributes?: SiloAttributes[];
  /** What reading the network changed that a user should hear of (e.g. a component dropped); shown as warnings. */
  notes?: string[];
}

/** The names of an underlay's nodes: its silos, then its routers (the order `links` and `coordinates` index). */
export function nodeNames(u: Underlay): string[] {
  return u.routers?.length ? [...u.silos, ...u.routers] : u.silos;
}

/** The number of an underlay's nodes (silos and routers). */
export function nodeCount(u: Underlay): number {
  return u.silos.length + (u.routers?.length ?? 0);
}

/** Geodesic distance in km between two coordinates on the WGS84 ellipsoid. */
export function geodesicKm(p: Coordinate, q: Coordinate): number {
  const r = geodesicLib.Geodesic.WGS84.Inverse(p.latitude, p.longitude, q.latitude, q.longitude);
  return (r.s12 ?? 0) / 1000;
}

/** The longest link length a network may give (km): 2.5 times round the Earth; longer is an error in the file or graph. */
export const MAX_LINK_KM = 100_000;

/**
 * A node's or an edge's attributes as a reader found them: each value by key, and where
 * the key stands, for errors (a line of a GML file; a node or an edge of a graphology graph).
 */
export interface AttributeSource {
  /** The value of a key; undefined when absent. */
  get(key: string): unknown;
  /** Where the key stands (or the node or edge itself when absent), e.g. `gaia.gml: line 42`. */
  where(key: string): string;
}

/** A value as an error shows it: a GML list as `list [ ... ]`, anything else as JSON (or as text when JSON cannot say it). */
function shown(v: unknown): string {
  if (typeof v === 'object' && v !== null && (v as GmlList).kind === 'list') return 'list [ ... ]';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A numeric attribute, or undefined when absent; anything but a finite number is an error naming `what`. */
function numberAttribute(src: AttributeSource, key: string, what: string): number | undefined {
  const v = src.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new DflsimInputError(src.where(key), `${what} has a non-numeric ${key} ${shown(v)}`);
  return v;
}

/** A coordinate attribute in its range ([-90, 90] for a latitude, [-180, 180] for a longitude), or undefined. */
export function coordinateAttribute(src: AttributeSource, key: string, what: string): number | undefined {
  const v = numberAttribute(src, key, what);
  const limit = /^lat/i.test(key) ? 90 : 180;
  if (v !== undefined && (v < -limit || v > limit)) {
    throw new DflsimInputError(src.where(key), `${what} has ${key} ${v}, outside [-${limit}, ${limit}] degrees`);
  }
  return v;
}

/** A node's silo attributes (`computeMs`, `uploadGbps`, `downloadGbps`), each a positive number when given. */
export function siloAttributesOf(src: AttributeSource, what: string): SiloAttributes {
  const attrs: SiloAttributes = {};
  for (const key of SILO_ATTRIBUTE_KEYS) {
    const v = numberAttribute(src, key, what);
    if (v === undefined) continue;
    if (!(v > 0)) throw new DflsimInputError(src.where(key), `${what} has ${key} ${v}: it must be a positive number`);
    attrs[key] = v;
  }
  return attrs;
}

/** A link's `distance` (km), at most {@link MAX_LINK_KM}, or undefined when absent. */
export function linkDistance(src: AttributeSource, what: string): number | undefined {
  const distanceKm = numberAttribute(src, 'distance', what);
  if (distanceKm !== undefined && distanceKm > MAX_LINK_KM) {
    throw new DflsimInputError(
      src.where('distance'),
      `${what} has distance ${distanceKm} km, more than ${MAX_LINK_KM.toLocaleString('en-US')} km (${(MAX_LINK_KM / 40_075).toFixed(1)} times round the Earth): a mistake in the file, or a unit that is not km`,
    );
  }
  return distanceKm;
}

/** Multipliers of the Internet Topology Zoo's `LinkSpeedUnits` (to bit/s). */
const LINK_SPEED_UNITS: Readonly<Record<string, number>> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A number given as a number or as a numeric string (the Topology Zoo writes `LinkSpeed "10"`), or undefined when absent. */
function numericAttribute(src: AttributeSource, key: string, what: string): number | undefined {
  const v = src.get(key);
  if (v === undefined) return undefined;
  const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x))
    throw new DflsimInputError(src.where(key), `${what} has a non-numeric ${key} ${shown(v)}`);
  return x;
}

/**
 * A link's capacity (bit/s), validated positive, from any of: `capacity` (bit/s) or
 * `capacityGbps`; the Internet Topology Zoo's `LinkSpeedRaw` (bit/s), or `LinkSpeed` with
 * `LinkSpeedUnits` (K, M, G or T). Values given more than once must agree (to 1e-9).
 */
export function linkCapacity(src: AttributeSource, what: string): number | undefined {
  // each way the link's speed is given, in bit/s
  const given: { key: string; value: number; bits: number }[] = [];
  const add = (key: string, value: number | undefined, toBits = 1): void => {
    if (value === undefined) return;
    if (!(value > 0)) throw new DflsimInputError(src.where(key), `${what} has ${key} ${value}: a link capacity must be positive`);
    given.push({ key, value, bits: key === 'capacityGbps' ? gbpsToBitsPerSec(value) : value * toBits });
  };
  add('capacity', numberAttribute(src, 'capacity', what));
  add('capacityGbps', numberAttribute(src, 'capacityGbps', what));
  add('LinkSpeedRaw', numericAttribute(src, 'LinkSpeedRaw', what));
  const speed = numericAttribute(src, 'LinkSpeed', what);
  if (speed !== undefined) {
    const u = src.get('LinkSpeedUnits');
    if (u === undefined)
      throw new DflsimInputError(src.where('LinkSpeed'), `${what} has LinkSpeed ${speed} without LinkSpeedUnits (K, M, G or T)`);
    const unit = typeof u === 'string' ? LINK_SPEED_UNITS[u.trim().toUpperCase()] : undefined;
    if (unit === undefined)
      throw new DflsimInputError(src.where('LinkSpeedUnits'), `${what} has LinkSpeedUnits ${shown(u)}: expected K, M, G or T`);
    add('LinkSpeed', speed, unit);
  }
  const [first, ...rest] = given;
  for (const g of rest) {
    if (Math.abs(g.bits - first.bits) > 1e-9 * Math.max(g.bits, first.bits)) {
      throw new DflsimInputError(
        src.where(g.key),
        `${what} has both ${first.key} ${first.value}${first.key === 'capacity' ? ' bit/s' : ''} and ${g.key} ${g.value}, which disagree; give one`,
      );
    }
  }
  return first?.bits;
}

/** What to do with GML nodes that have no `Latitude`/`Longitude`. */
export type MissingCoordinates = 'error' | 'drop' | 'neighbours';

/** The choices of {@link MissingCoordinates}. */
export const MISSING_COORDINATES_MODES: readonly MissingCoordinates[] = ['error', 'drop', 'neighbours'];

/** Options of {@link underlayFromGml}. */
export interface GmlUnderlayOptions {
  /**
   * Nodes without `Latitude`/`Longitude` (real Topology Zoo files have some):
   * - `error` (default): refused when a link needs them for its length (a link without `distance`);
   * - `drop`: every such node is removed with its links, and the rest must stay connected;
   * - `neighbours`: every such node is placed at the mean latitude and longitude of its
   *   placed neighbours, in rounds (a round places every node with a neighbour placed
   *   before it), until all are placed; a node that never has a placed neighbour is an error.
   */
  missingCoordinates?: MissingCoordinates;
}

/** How the option is named in errors (the CLI flag and the config field). */
const MISSING_HINT = 'give --missing-coordinates drop or neighbours (config field "missingCoordinates")';

/** The missing-coordinates mode of reading options, checked (default `error`). */
export function missingCoordinatesMode(options: GmlUnderlayOptions): MissingCoordinates {
  const mode = options.missingCoordinates ?? 'error';
  if (!MISSING_COORDINATES_MODES.includes(mode)) {
    throw new DflsimInputError(
      '--missing-coordinates',
      `expected one of ${MISSING_COORDINATES_MODES.join(', ')}, got ${JSON.stringify(mode)}`,
    );
  }
  return mode;
}

/** A link as a reader found it: its ends (silo indices), its attributes, and where it is (for errors). */
export interface RawLink {
  a: number;
  b: number;
  distanceKm: number | undefined;
  capacityBitsPerSec: number | undefined;
  /** Where the link is defined, e.g. `gaia.gml: line 42`. */
  where: string;
  /** How errors name it, e.g. `edge 3-7`. */
  what: string;
}

/** A network as a reader found it, before coordinates are completed and links merged. */
export interface NetworkParts {
  /** Network name. */
  name: string;
  /** Where it comes from (file path or a description), for errors and `Underlay.source`. */
  source: string;
  /** Silo names in order (unique). */
  silos: string[];
  /** Each silo's coordinates, or null. */
  coordinates: (Coordinate | null)[];
  /** Each silo's attributes (empty when none). */
  attributes: SiloAttributes[];
  /** Where each silo is defined, for errors. */
  siloWhere: string[];
  links: RawLink[];
  /** Which nodes are routers (hold no silo; absent: none). */
  routers?: boolean[];
}

/** A network needs at least 2 silos. */
export function checkSiloCount(silos: readonly string[], source: string): void {
  if (silos.length === 0) throw new DflsimInputError(source, 'the graph has no nodes');
  if (silos.length === 1) throw new DflsimInputError(source, `the graph has a single node (${silos[0]}): a network needs at least 2 silos`);
}

/**
 * Read an underlay from GML text (the papers' files or Internet Topology Zoo files).
 * @param text GML contents
 * @param file file name for errors
 * @param name network name (defaults to the file's base name)
 * @param options what to do with nodes without coordinates (default: `error`)
 */
export function underlayFromGml(text: string, file: string, name?: string, options: GmlUnderlayOptions = {}): Underlay {
  if (typeof text !== 'string') expectString(text, 'underlayFromGml: text', 'the GML text (a string)');
  expectString(file, 'underlayFromGml: file', 'the file name for messages');
  const mode = missingCoordinatesMode(options);
  const root = parseGml(text, file);
  const graphEntry = gmlGet(root, 'graph');
  if (!graphEntry || typeof graphEntry.value !== 'object') {
    throw new DflsimInputError(file, 'no "graph [ ... ]" block');
  }
  const graph = graphEntry.value;
  const attributesOf = (list: GmlList): AttributeSource => ({
    get: (key) => gmlGet(list, key)?.value,
    where: (key) => `${file}: line ${gmlGet(list, key)?.line ?? list.line}`,
  });
  const idToIndex = new Map<number | string, number>();
  const silos: string[] = [];
  const coordinates: (Coordinate | null)[] = [];
  const siloWhere: string[] = [];
  const attributes: SiloAttributes[] = [];
  const routers: boolean[] = [];
  const seenLabels = new Map<string, number>();
  for (const e of graph.entries) {
    if (e.key !== 'node') continue;
    if (typeof e.value !== 'object') throw new DflsimInputError(`${file}: line ${e.line}`, 'node is not a [ ... ] list');
    const idE = gmlGet(e.value, 'id');
    if (!idE) throw new DflsimInputError(`${file}: line ${e.line}`, 'node has no id');
    if (typeof idE.value === 'object') throw new DflsimInputError(`${file}: line ${idE.line}`, 'node id is a list');
    if (idToIndex.has(idE.value)) throw new DflsimInputError(`${file}: line ${idE.line}`, `duplicate node id ${idE.value}`);
    const labelE = gmlGet(e.value, 'label');
    let label = labelE && typeof labelE.value !== 'object' ? String(labelE.value) : String(idE.value);
    if (seenLabels.has(label)) label = `${label} (id ${idE.value})`;
    seenLabels.set(label, silos.length);
    const node = attributesOf(e.value);
    const lat = coordinateAttribute(node, 'Latitude', `node ${idE.value}`);
    const lon = coordinateAttribute(node, 'Longitude', `node ${idE.value}`);
    attributes.push(siloAttributesOf(node, `node ${idE.value}`));
    routers.push(isRouterNode(node, `node ${idE.value}`));
    idToIndex.set(idE.value, silos.length);
    silos.push(label);
    siloWhere.push(`${file}: line ${e.line}`);
    coordinates.push(lat !== undefined && lon !== undefined ? { latitude: lat, longitude: lon } : null);
  }
  checkSiloCount(silos, file);

  const links: RawLink[] = [];
  for (const e of graph.entries) {
    if (e.key !== 'edge') continue;
    if (typeof e.value !== 'object') throw new DflsimInputError(`${file}: line ${e.line}`, 'edge is not a [ ... ] list');
    const sE = gmlGet(e.value, 'source');
    const tE = gmlGet(e.value, 'target');
    if (!sE || !tE) throw new DflsimInputError(`${file}: line ${e.line}`, 'edge needs a source and a target');
    for (const x of [sE, tE])
      if (typeof x.value === 'object') throw new DflsimInputError(`${file}: line ${x.line}`, `edge ${x.key} is a list, expected a node id`);
    const a = idToIndex.get(sE.value as number | string);
    const b = idToIndex.get(tE.value as number | string);
    if (a === undefined) throw new DflsimInputError(`${file}: line ${sE.line}`, `edge source ${String(sE.value)} is not a node`);
    if (b === undefined) throw new DflsimInputError(`${file}: line ${tE.line}`, `edge target ${String(tE.value)} is not a node`);
    const what = `edge ${String(sE.value)}-${String(tE.value)}`;
    const edge = attributesOf(e.value);
    const distanceKm = linkDistance(edge, what);
    links.push({ a, b, distanceKm, capacityBitsPerSec: linkCapacity(edge, what), where: `${file}: line ${e.line}`, what });
  }
  const base = name ?? file.replace(/^.*[\\/]/, '').replace(/\.gml$/i, '');
  return underlayFromParts({ name: base, source: file, silos, coordinates, attributes, siloWhere, links, routers }, mode);
}

/**
 * Whether a node is a router (holds no silo): it has `silo 0` or `router 1`; `silo 1`,
 * `router 0` or neither make it a silo. Any other value is an error naming `what`.
 */
export function isRouterNode(src: AttributeSource, what: string): boolean {
  const flag = (key: string): boolean | undefined => {
    const v = src.get(key);
    if (v === undefined) return undefined;
    if (v === 0 || v === 1 || v === '0' || v === '1' || typeof v === 'boolean') return v === 1 || v === '1' || v === true;
    throw new DflsimInputError(src.where(key), `${what} has ${key} ${shown(v)}: expected 0 or 1`);
  };
  const silo = flag('silo');
  const router = flag('router');
  if (silo !== undefined && router !== undefined && silo === router)
    throw new DflsimInputError(
      src.where('router'),
      `${what} has both silo ${silo ? 1 : 0} and router ${router ? 1 : 0}, which disagree; give one`,
    );
  return silo === false || router === true;
}

/**
 * The underlay of a network as a reader found it: silos without coordinates placed, dropped
 * or refused (`mode`), each link's length its `distance` or else the geodesic between its
 * ends, self-loops left out, parallel links merged keeping the shortest (with its capacity).
 * Shared by the GML and the graphology readers, so both read a network the same way.
 */
export function underlayFromParts(parts: NetworkParts, mode: MissingCoordinates): Underlay {
  const file = parts.source;
  let { silos, coordinates, attributes, siloWhere, links: raw } = parts;
  const coordinates0 = coordinates;
  const missing = coordinates.flatMap((c, i) => (c ? [] : [i]));
  if (missing.length > 0 && mode === 'neighbours') {
    coordinates = placeByNeighbours(coordinates, raw, silos, siloWhere);
  } else if (missing.length > 0 && mode === 'drop') {
    const keep = new Int32Array(silos.length).fill(-1);
    let next = 0;
    coordinates.forEach((c, i) => {
      if (c) keep[i] = next++;
    });
    if (next < 2) {
      throw new DflsimInputError(
        file,
        `--missing-coordinates drop leaves ${next} node${next === 1 ? '' : 's'} with coordinates: a network needs at least 2 silos`,
      );
    }
    silos = silos.filter((_, i) => keep[i] >= 0);
    attributes = attributes.filter((_, i) => keep[i] >= 0);
    siloWhere = siloWhere.filter((_, i) => keep[i] >= 0);
    coordinates = coordinates.filter((c) => c !== null);
    raw = raw.filter((r) => keep[r.a] >= 0 && keep[r.b] >= 0).map((r) => ({ ...r, a: keep[r.a], b: keep[r.b] }));
  }

  const linkIndex = new Map<string, number>();
  const links: UnderlayLink[] = [];
  for (const r of raw) {
    const { a, b, what } = r;
    let distanceKm = r.distanceKm;
    if (distanceKm === undefined) {
      const p = coordinates[a],
        q = coordinates[b];
      if (!p || !q) {
        throw new DflsimInputError(
          r.where,
          `${what} has no "distance" and ${!p ? silos[a] : silos[b]} has no Latitude/Longitude; ${MISSING_HINT}`,
        );
      }
      distanceKm = geodesicKm(p, q);
    }
    if (distanceKm < 0) throw new DflsimInputError(r.where, `${what} has a negative distance ${distanceKm}`);
    if (a === b) continue; // a self-loop carries no traffic between silos
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    const prev = linkIndex.get(key);
    if (prev !== undefined) {
      // parallel links: the shortest one carries the traffic (its capacity with it)
      if (distanceKm < links[prev].distanceKm)
        links[prev] = {
          a: links[prev].a,
          b: links[prev].b,
          distanceKm,
          ...(r.capacityBitsPerSec !== undefined ? { capacityBitsPerSec: r.capacityBitsPerSec } : {}),
        };
      continue;
    }
    linkIndex.set(key, links.length);
    links.push({ a, b, distanceKm, ...(r.capacityBitsPerSec !== undefined ? { capacityBitsPerSec: r.capacityBitsPerSec } : {}) });
  }
  let u: Underlay = { name: parts.name, silos, coordinates, links, source: file };
  if (attributes.some((a) => Object.keys(a).length > 0)) u.siloAttributes = attributes;
  const routers = parts.routers && missing.length > 0 && mode === 'drop' ? parts.routers.filter((_, i) => coordinates0[i]) : parts.routers;
  if (routers?.some((r) => r))
    u = withSilos(
      u,
      routers.map((r) => !r),
    );
  if (missing.length > 0 && mode === 'drop') assertConnected(u);
  return u;
}

/**
 * The underlay with the nodes marked in `isSilo` (by node index: silos, then routers) as its
 * silos and every other node a router, nodes reordered silos first (each group in node
 * order); links, coordinates and attributes follow. The same underlay when nothing changes.
 */
export function withSilos(u: Underlay, isSilo: readonly boolean[]): Underlay {
  const names = nodeNames(u);
  const total = names.length;
  const order: number[] = [];
  for (let i = 0; i < total; i++) if (isSilo[i]) order.push(i);
  const siloCount = order.length;
  for (let i = 0; i < total; i++) if (!isSilo[i]) order.push(i);
  if (siloCount === u.silos.length && order.every((v, i) => v === i)) return u;
  const pos = new Int32Array(total);
  order.forEach((v, i) => (pos[v] = i));
  const out: Underlay = {
    name: u.name,
    source: u.source,
    silos: order.slice(0, siloCount).map((i) => names[i]),
    coordinates: order.map((i) => u.coordinates[i] ?? null),
    links: u.links.map((l) => ({ ...l, a: pos[l.a], b: pos[l.b] })),
  };
  if (siloCount < total) out.routers = order.slice(siloCount).map((i) => names[i]);
  if (u.siloAttributes) out.siloAttributes = order.map((i) => u.siloAttributes![i] ?? {});
  if (u.notes) out.notes = u.notes.slice();
  return out;
}

/**
 * The underlay restricted to the nodes marked in `keep` (by node index), links between kept
 * nodes only; silos stay silos and routers routers.
 */
export function keepNodes(u: Underlay, keep: readonly boolean[]): Underlay {
  const n = u.silos.length;
  const total = nodeCount(u);
  const pos = new Int32Array(total).fill(-1);
  let next = 0;
  for (let i = 0; i < total; i++) if (keep[i]) pos[i] = next++;
  const routers = (u.routers ?? []).filter((_, r) => keep[n + r]);
  const out: Underlay = {
    name: u.name,
    source: u.source,
    silos: u.silos.filter((_, i) => keep[i]),
    coordinates: u.coordinates.filter((_, i) => keep[i]),
    links: u.links.filter((l) => keep[l.a] && keep[l.b]).map((l) => ({ ...l, a: pos[l.a], b: pos[l.b] })),
  };
  if (routers.length) out.routers = routers;
  if (u.siloAttributes) out.siloAttributes = u.siloAttributes.filter((_, i) => keep[i]);
  if (u.notes) out.notes = u.notes.slice();
  return out;
}

/**
 * Place every node without coordinates at the mean latitude and longitude of its placed
 * neighbours (by the links, self-loops ignored), in rounds: a round places every
 * unplaced node with at least one neighbour placed in an earlier round, so the result
 * does not depend on node order. Longitudes are averaged as numbers (no wrap at ±180°).
 */
function placeByNeighbours(
  coords: (Coordinate | null)[],
  raw: readonly RawLink[],
  silos: readonly string[],
  where: readonly string[],
): (Coordinate | null)[] {
  const n = coords.length;
  const out = coords.slice();
  const nbrs: number[][] = Array.from({ length: n }, () => []);
  for (const r of raw)
    if (r.a !== r.b) {
      nbrs[r.a].push(r.b);
      nbrs[r.b].push(r.a);
    }
  let unplaced = out.flatMap((c, i) => (c ? [] : [i]));
  while (unplaced.length > 0) {
    const placed: [number, Coordinate][] = [];
    for (const v of unplaced) {
      let lat = 0,
        lon = 0,
        k = 0;
      for (const u of new Set(nbrs[v])) {
        const c = out[u];
        if (c) {
          lat += c.latitude;
          lon += c.longitude;
          k++;
        }
      }
      if (k > 0) placed.push([v, { latitude: lat / k, longitude: lon / k }]);
    }
    if (placed.length === 0) {
      const v = unplaced[0];
      const others =
        unplaced.length > 1
          ? ` (and ${unplaced.length - 1} more: ${unplaced
              .slice(1, 4)
              .map((i) => silos[i])
              .join(', ')}${unplaced.length > 4 ? ', ...' : ''})`
          : '';
      throw new DflsimInputError(
        where[v],
        `node ${silos[v]} has no Latitude/Longitude and no neighbour with a position to place it by --missing-coordinates neighbours${others}; use --missing-coordinates drop`,
      );
    }
    for (const [v, c] of placed) out[v] = c;
    const done = new Set(placed.map(([v]) => v));
    unplaced = unplaced.filter((v) => !done.has(v));
  }
  return out;
}

/**
 * Connected components of the underlay, as lists of node indices (silos, then routers).
 */
export function components(u: Underlay): number[][] {
  const n = nodeCount(u);
  const sets = new UnionFind(n);
  for (const l of u.links) sets.union(l.a, l.b);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = sets.find(i);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(i);
  }
  return [...groups.values()];
}

/** How errors name the option that keeps the largest component (the CLI flag and the config field). */
export const LARGEST_COMPONENT_HINT =
  'give --largest-component (config field "component": "largest") to keep the largest and drop the rest';

/**
 * Throw a clear error naming the silos that cannot reach each other if the silos of `u` are
 * not all in one connected component (components of routers alone carry no traffic between
 * silos and are let be).
 */
export function assertConnected(u: Underlay): void {
  const n = u.silos.length;
  const comps = components(u)
    .map((c) => c.filter((i) => i < n))
    .filter((c) => c.length > 0);
  if (comps.length <= 1) return;
  const describe = (c: number[]): string => {
    const names = someLabels(
      c.map((i) => u.silos[i]),
      5,
    );
    return c.length > 5 ? `${names} (${c.length} silos)` : names;
  };
  comps.sort((x, y) => y.length - x.length);
  throw new DflsimInputError(
    u.source,
    `the underlay "${u.name}" is disconnected (${comps.length} components): ` +
      comps.map((c) => `{${describe(c)}}`).join(' cannot reach ') +
      `; every silo must reach every other: ${LARGEST_COMPONENT_HINT}`,
  );
}
