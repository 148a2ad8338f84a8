/**
 * Overlay files: a user's own topology as JSON,
 * `{"silos": [...], "directed": true, "edges": [[from, to], ...]}` (silo names).
 * With `"directed": false` every edge is used both ways.
 */
import { DflsimInputError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { parseJsonInput, readInputFile } from '../input-file.js';
import type { ConnectivityGraph } from '../network/connectivity.js';
import { overlayFromPairs, type Overlay } from './overlay.js';

/** The JSON form of an overlay file. */
export interface OverlayFile {
  silos: string[];
  directed: boolean;
  edges: [string, string][];
  note?: string;
}

/**
 * Parse and check an overlay file against the network's silos: every silo named must
 * exist, every silo of the network must be listed, every edge must join listed silos, no
 * edge may be given twice, and the overlay must be strongly connected (every silo's model
 * reaches every other silo).
 * @param text file contents
 * @param file path for errors
 */
export function parseOverlayFile(text: string, file: string, cg: ConnectivityGraph, topology = 'overlay'): Overlay {
  return overlayFromObject(parseJsonInput(text, file), file, cg, topology);
}

/** Options of {@link overlayFromObject}. */
export interface OverlayCheckOptions {
  /** Reject an overlay that is not strongly connected (default true). */
  stronglyConnected?: boolean;
  /** Accept an overlay without edges (default false). */
  allowEmpty?: boolean;
}

/**
 * Check a parsed overlay-file object against the network (see {@link parseOverlayFile}).
 * @param where the file (and entry) named in errors
 */
export function overlayFromObject(
  raw: unknown,
  where: string,
  cg: ConnectivityGraph,
  topology = 'overlay',
  opts: OverlayCheckOptions = {},
): Overlay {
  const file = where;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new DflsimInputError(file, 'expected a JSON object with "silos" and "edges"');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['silos', 'directed', 'edges', 'note'].includes(k))
      throw new DflsimInputError(`${file}: field "${k}"`, 'unknown field (expected silos, directed, edges, note)');
  }
  if (!Array.isArray(o.silos) || !o.silos.every((s) => typeof s === 'string'))
    throw new DflsimInputError(`${file}: field "silos"`, 'must be an array of silo names');
  if (!Array.isArray(o.edges)) throw new DflsimInputError(`${file}: field "edges"`, 'must be an array of [from, to] pairs');
  if (o.directed !== undefined && typeof o.directed !== 'boolean')
    throw new DflsimInputError(`${file}: field "directed"`, 'must be true or false');
  const directed = o.directed ?? true;
  const index = new Map(cg.silos.map((s, i) => [s, i]));
  const listed = new Set<string>();
  (o.silos as string[]).forEach((s, i) => {
    if (!index.has(s))
      throw new DflsimInputError(`${file}: silos[${i}]`, `unknown silo "${s}" (not in the network)${didYouMean(s, cg.silos)}`);
    if (listed.has(s)) throw new DflsimInputError(`${file}: silos[${i}]`, `silo "${s}" is listed twice`);
    listed.add(s);
  });
  const missing = cg.silos.filter((s) => !listed.has(s));
  if (missing.length)
    throw new DflsimInputError(
      `${file}: field "silos"`,
      `leaves out ${missing.length} silo(s) of the network: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    );
  const pairs: [number, number][] = [];
  const firstIndex = new Map<string, number>();
  (o.edges as unknown[]).forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'string') {
      throw new DflsimInputError(`${file}: edges[${i}]`, 'must be a [from, to] pair of silo names');
    }
    const a = index.get(e[0]),
      b = index.get(e[1]);
    if (a === undefined || !listed.has(e[0]))
      throw new DflsimInputError(`${file}: edges[${i}]`, `unknown silo "${e[0]}"${didYouMean(String(e[0]), [...listed])}`);
    if (b === undefined || !listed.has(e[1]))
      throw new DflsimInputError(`${file}: edges[${i}]`, `unknown silo "${e[1]}"${didYouMean(String(e[1]), [...listed])}`);
    if (a === b) throw new DflsimInputError(`${file}: edges[${i}]`, `self-loop on "${e[0]}"`);
    // undirected: [a, b] and [b, a] are the same edge
    const key = directed || a < b ? `${a},${b}` : `${b},${a}`;
    const first = firstIndex.get(key);
    if (first !== undefined) {
      throw new DflsimInputError(
        `${file}: edges[${i}]`,
        `duplicate edge ["${e[0]}", "${e[1]}"] (already given as edges[${first}]${directed ? '' : '; with "directed": false an edge is used both ways'})`,
      );
    }
    firstIndex.set(key, i);
    pairs.push([a, b]);
  });
  if (pairs.length === 0 && !opts.allowEmpty)
    throw new DflsimInputError(`${file}: field "edges"`, 'the overlay has no edges: the silos would never exchange models');
  const unreached = opts.stronglyConnected === false ? undefined : unreachedSilos(cg.n, pairs, !directed);
  if (unreached) {
    const [from, to] = unreached;
    throw new DflsimInputError(
      file,
      `the overlay is not strongly connected: the model of "${cg.silos[from]}" never reaches "${cg.silos[to]}"${directed ? ' (edges are directed; add "directed": false to use each edge both ways)' : ''}`,
    );
  }
  return overlayFromPairs(topology, cg, pairs, !directed);
}

/**
 * A pair (from, to) such that `to` cannot be reached from `from`, or undefined when the
 * directed graph on `n` vertices is strongly connected (every vertex reaches vertex 0 and
 * vertex 0 reaches every vertex).
 */
export function unreachedSilos(
  n: number,
  pairs: readonly (readonly [number, number])[],
  bidirectional: boolean,
): [number, number] | undefined {
  const out: number[][] = Array.from({ length: n }, () => []);
  const inn: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of pairs) {
    out[a].push(b);
    inn[b].push(a);
    if (bidirectional) {
      out[b].push(a);
      inn[a].push(b);
    }
  }
  const reach = (adj: number[][]): Uint8Array => {
    const seen = new Uint8Array(n);
    const stack = [0];
    seen[0] = 1;
    while (stack.length)
      for (const w of adj[stack.pop()!])
        if (!seen[w]) {
          seen[w] = 1;
          stack.push(w);
        }
    return seen;
  };
  const fwd = reach(out);
  const missF = fwd.indexOf(0);
  if (missF >= 0) return [0, missF];
  const back = reach(inn);
  const missB = back.indexOf(0);
  if (missB >= 0) return [missB, 0];
  return undefined;
}

/** Read an overlay file from disk. */
export function readOverlayFile(file: string, cg: ConnectivityGraph, topology = 'overlay'): Overlay {
  return parseOverlayFile(readInputFile(file, 'overlay file'), file, cg, topology);
}

/** The overlay-file form of an overlay (directed edges by silo name). */
export function toOverlayFile(o: Overlay, note?: string): OverlayFile {
  return {
    silos: o.silos.slice(),
    directed: true,
    edges: o.edges.map((e) => [o.silos[e.from], o.silos[e.to]] as [string, string]),
    ...(note ? { note } : {}),
  };
}
