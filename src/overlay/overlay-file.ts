/**
 * Overlay files: a user's own topology as JSON,
 * `{"silos": [...], "directed": true, "edges": [[from, to], ...]}` (silo names).
 * With `"directed": false` every edge is used both ways.
 */
import { readFileSync, existsSync } from 'node:fs';
import { DflsimInputError } from '../errors.js';
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
 * exist, every silo of the network must be listed, every edge must join listed silos.
 * @param text file contents
 * @param file path for errors
 */
export function parseOverlayFile(text: string, file: string, cg: ConnectivityGraph, topology = 'overlay'): Overlay {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DflsimInputError(file, `not valid JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new DflsimInputError(file, 'expected a JSON object with "silos" and "edges"');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['silos', 'directed', 'edges', 'note'].includes(k)) throw new DflsimInputError(`${file}: field "${k}"`, 'unknown field (expected silos, directed, edges, note)');
  }
  if (!Array.isArray(o.silos) || !o.silos.every((s) => typeof s === 'string')) throw new DflsimInputError(`${file}: field "silos"`, 'must be an array of silo names');
  if (!Array.isArray(o.edges)) throw new DflsimInputError(`${file}: field "edges"`, 'must be an array of [from, to] pairs');
  if (o.directed !== undefined && typeof o.directed !== 'boolean') throw new DflsimInputError(`${file}: field "directed"`, 'must be true or false');
  const directed = o.directed ?? true;
  const index = new Map(cg.silos.map((s, i) => [s, i]));
  const listed = new Set<string>();
  (o.silos as string[]).forEach((s, i) => {
    if (!index.has(s)) throw new DflsimInputError(`${file}: silos[${i}]`, `unknown silo "${s}" (not in the network)`);
    if (listed.has(s)) throw new DflsimInputError(`${file}: silos[${i}]`, `silo "${s}" is listed twice`);
    listed.add(s);
  });
  const missing = cg.silos.filter((s) => !listed.has(s));
  if (missing.length) throw new DflsimInputError(`${file}: field "silos"`, `leaves out ${missing.length} silo(s) of the network: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  const pairs: [number, number][] = [];
  (o.edges as unknown[]).forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'string') {
      throw new DflsimInputError(`${file}: edges[${i}]`, 'must be a [from, to] pair of silo names');
    }
    const a = index.get(e[0]), b = index.get(e[1]);
    if (a === undefined || !listed.has(e[0])) throw new DflsimInputError(`${file}: edges[${i}]`, `unknown silo "${e[0]}"`);
    if (b === undefined || !listed.has(e[1])) throw new DflsimInputError(`${file}: edges[${i}]`, `unknown silo "${e[1]}"`);
    if (a === b) throw new DflsimInputError(`${file}: edges[${i}]`, `self-loop on "${e[0]}"`);
    pairs.push([a, b]);
  });
  return overlayFromPairs(topology, cg, pairs, !directed);
}

/** Read an overlay file from disk. */
export function readOverlayFile(file: string, cg: ConnectivityGraph, topology = 'overlay'): Overlay {
  if (!existsSync(file)) throw new DflsimInputError(file, 'overlay file not found');
  return parseOverlayFile(readFileSync(file, 'utf8'), file, cg, topology);
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
