/**
 * Shared helpers of the benchmarks: where the shared networks are, and a timer.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (benchmarks run from dist/bench/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared directory beside the project. */
export const SHARED = path.resolve(ROOT, '../shared');
/** The five networks of the papers. */
export const NETWORKS = ['gaia', 'amazon_us', 'geantdistance', 'exodus', 'ebone'];

/** Run `f` and return its result and the time it took (ms). */
export function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

/** True when the shared networks are there; otherwise says so and sets exit code 2. */
export function haveSharedNetworks(): boolean {
  if (existsSync(path.join(SHARED, 'networks'))) return true;
  console.error(`bench: ${SHARED}/networks not found; the benchmark needs the shared networks beside the project`);
  process.exitCode = 2;
  return false;
}
