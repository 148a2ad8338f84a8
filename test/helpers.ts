import { spawn } from 'node:child_process';
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

/** Silence after which a child counts as hung (ms). */
export const QUIET_MS = 10_000;

/** How a guarded child ended. */
export interface GuardedExit {
  code: number | null;
  signal: string | null;
  hung: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Run `node args`; kill it (hung = true) once it has been silent for {@link QUIET_MS}
 * while alive: a command that does not exit by itself fails the test that checks `hung`.
 */
export function runGuarded(args: string[], env: NodeJS.ProcessEnv = {}): Promise<GuardedExit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let last = Date.now();
    let hung = false;
    child.stdout.on('data', (d) => {
      stdout += String(d);
      last = Date.now();
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
      last = Date.now();
    });
    const guard = setInterval(() => {
      if (Date.now() - last > QUIET_MS) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, 250);
    child.on('exit', (code, signal) => {
      clearInterval(guard);
      resolve({ code, signal, hung, stdout, stderr });
    });
  });
}
