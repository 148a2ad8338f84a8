import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The shared directory beside the project (networks, reference results). */
export const SHARED = path.resolve(ROOT, '../shared');
/** The five networks of the papers. */
export const NETWORKS = ['gaia', 'amazon_us', 'geantdistance', 'exodus', 'ebone'] as const;

export function networkFile(name: string): string {
  return path.join(SHARED, 'networks', `${name}.gml`);
}

export function ringOverlayFile(name: string): string {
  return path.join(SHARED, 'reference', 'femnist', `${name}.ring-overlay.json`);
}

export interface Reference {
  silos: string[];
  mst: { edges: [string, string][]; cycleTimeMs: number };
  deltaMbst: { edges: [string, string][]; bestDelta: number; cycleTimeMs: number };
  star: { center: string; cycleTimeMsOneWay: number; cycleTimeMs: number };
  ring: { tour: string[]; cycleTimeMs: number };
  multigraphRing: {
    edgeMultiplicity: Record<string, number>;
    states: number;
    stateSummary: { strongEdges: number; isolatedSilos: string[] }[];
    firstRoundsCycleTimeMs: number[];
    cycleTimeMs: number;
  };
}

export function reference(name: string): Reference {
  return JSON.parse(readFileSync(path.join(SHARED, 'reference', 'femnist', `${name}.json`), 'utf8')) as Reference;
}

export function table3(): Record<string, Record<string, number>> {
  return JSON.parse(readFileSync(path.join(SHARED, 'reference', 'table3.json'), 'utf8')).cycleTimeMs;
}

export const HAVE_SHARED = existsSync(path.join(SHARED, 'networks'));

/** Round half away from zero to one decimal, as a published table does. */
export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
