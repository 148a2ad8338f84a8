/**
 * `npm run bench`: the benchmarks one after another, each in its own process (they time
 * themselves, and `train` and `simulate` exit when done), printing their figures; asserts nothing.
 * Usage: node dist/bench/run.js [name ...] (default: all of BENCHMARKS, in
 * this order). Exit code: 0 when every benchmark ran, 1 when one failed, 2 for an unknown name.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The benchmarks, in the order they run. */
export const BENCHMARKS = [
  'cycle-times',
  'matcha',
  'topologies',
  'event-clock',
  'train',
  'kernels',
  'simulate',
  'queue',
  'distribute',
  'plan',
] as const;

const USAGE = `usage: node dist/bench/run.js [${BENCHMARKS.join('] [')}]  (default: all, in this order)`;

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const unknown = args.filter((a) => !(BENCHMARKS as readonly string[]).includes(a));
  if (unknown.length) {
    console.error(`bench: unknown benchmark ${unknown.map((u) => `"${u}"`).join(', ')}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const chosen = args.length ? BENCHMARKS.filter((b) => args.includes(b)) : [...BENCHMARKS];
  const here = path.dirname(fileURLToPath(import.meta.url));
  const failed: string[] = [];
  for (const name of chosen) {
    console.log(`\n== bench ${name} ==`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [path.join(here, `${name}.js`)], { stdio: 'inherit' });
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    if (r.error || r.status !== 0) {
      failed.push(name);
      console.error(
        `bench ${name}: failed (${r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit code ${r.status}`}) after ${s} s`,
      );
    } else {
      console.log(`bench ${name}: done in ${s} s`);
    }
  }
  if (failed.length) {
    console.error(`\nbench: ${failed.length} of ${chosen.length} failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main();
