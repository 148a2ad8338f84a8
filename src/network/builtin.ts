/**
 * Built-in underlays (files in `topologies/`): silos with coordinates, full mesh,
 * geodesic link lengths. See `topologies/README.md` for provenance.
 *
 * They are rebuilt from public city coordinates, so their cycle times differ from the
 * papers' GML files (e.g. STAR on `gaia-cities` is 288.73 ms, on the papers' `gaia.gml`
 * 289.82 ms); their names end in `-cities` so that nobody mistakes one for the other.
 */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../project-root.js';
import { geodesicKm, type Underlay, type UnderlayLink } from './underlay.js';

/** The description of a built-in network as stored in `topologies/<name>.json`. */
export interface BuiltinNetworkFile {
  name: string;
  title: string;
  provenance: string;
  fullMesh: boolean;
  aliases?: string[];
  silos: { name: string; latitude: number; longitude: number }[];
}

/** Directory of the built-in network files (`topologies/` in the project root). */
export function topologiesDir(): string {
  const dir = path.join(projectRoot(), 'topologies');
  if (!existsSync(path.join(dir, 'gaia-cities.json'))) throw new Error(`dflsim: cannot find the built-in networks in ${dir}`);
  return dir;
}

function loadFiles(): BuiltinNetworkFile[] {
  const dir = topologiesDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as BuiltinNetworkFile);
}

/** Names of the built-in networks. */
export function builtinNetworkNames(): string[] {
  return loadFiles().map((f) => f.name);
}

/** Build an underlay from a built-in description: full mesh with geodesic lengths. */
export function underlayFromDescription(desc: BuiltinNetworkFile, source: string): Underlay {
  const coordinates = desc.silos.map((s) => ({ latitude: s.latitude, longitude: s.longitude }));
  const links: UnderlayLink[] = [];
  for (let a = 0; a < coordinates.length; a++) {
    for (let b = a + 1; b < coordinates.length; b++) {
      links.push({ a, b, distanceKm: geodesicKm(coordinates[a], coordinates[b]) });
    }
  }
  return { name: desc.name, silos: desc.silos.map((s) => s.name), coordinates, links, source };
}

/**
 * A built-in underlay by name (or alias), or undefined.
 * @param name e.g. `gaia-cities`, `aws-na-cities`
 */
export function builtinUnderlay(name: string): Underlay | undefined {
  const key = name.toLowerCase();
  const desc = loadFiles().find((f) => f.name === key || (f.aliases ?? []).includes(key));
  if (!desc) return undefined;
  return underlayFromDescription(desc, `built-in network "${desc.name}"`);
}

/**
 * Names that look like the papers' networks but are not built in (the papers' networks are
 * GML files), with the built-in network rebuilt from the same sites.
 */
const PAPER_NAMES: Record<string, string> = {
  gaia: 'gaia-cities',
  amazon_us: 'aws-na-cities',
  'aws-na': 'aws-na-cities',
  'aws-north-america': 'aws-na-cities',
};

/**
 * A hint for a network name that is one of the papers' networks rather than a built-in,
 * or undefined: the papers' files are GML (`../shared/networks/<name>.gml` beside the
 * project), the built-in look-alike is rebuilt from city coordinates.
 */
export function paperNetworkHint(name: string): string | undefined {
  const key = name.toLowerCase();
  const builtin = PAPER_NAMES[key];
  if (!builtin) return undefined;
  const paperFile = key === 'aws-na' || key === 'aws-north-america' ? 'amazon_us' : key;
  return `"${name}" is not a built-in network: the papers' network is the GML file ${paperFile}.gml (in ../shared/networks beside the project), and the built-in "${builtin}" is rebuilt from city coordinates (its cycle times differ from the papers' Table 3)`;
}
