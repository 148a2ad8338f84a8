/**
 * Benchmark: build-and-time seconds of every topology of the catalogue (STAR, MATCHA,
 * MATCHA(+), MST, δ-MBST, RING, exponential, one-peer exponential, EquiDyn, the
 * multigraph on every static overlay, Base-2..5) on seeded random
 * geographic networks of 100, 300 and 1,000 silos and on the shared networks, in one
 * process, with the peak memory. Each topology gets a fresh cache (nothing reused from
 * another topology, e.g. multigraph-ring builds its own RING); the connectivity graph is
 * timed separately. Prints figures; asserts nothing.
 * Run: `npm run build && node dist/bench/topologies.js [--sizes 100,300,1000] [--topologies star,ring] [--no-shared]`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { SHARED, time } from './common.js';
import { prepareContext } from '../src/experiment/cycle-times.js';
import { generateNetwork } from '../src/network/generate.js';
import { underlayFromGml, type Underlay } from '../src/network/underlay.js';
import { topologyNames } from '../src/overlay/catalogue.js';
import { getTopology } from '../src/overlay/registry.js';

/** Every topology of the catalogue that can be timed without a user's file, in display order. */
export const BENCH_TOPOLOGIES = topologyNames((t) => t.supports.cycleTime && !t.needs.overlayFile && !t.needs.scheduleFile);

const EARLIER = [
  'Earlier figures (before the sparse / O(n^2 log n) rewrite, one process, as quoted in the issue):',
  '  Sprint (315 silos), all seven classic topologies: 158 s; alone: MATCHA 163 s, MATCHA(+) 17 s, STAR 6 s, the others about 2 s each',
  '  Kdl (709 silos) without MATCHA: 27 s',
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

let peakRss = 0,
  peakHeap = 0;
function sampleMemory(): void {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}

function benchNetwork(u: Underlay, topologies: readonly string[]): void {
  const [ctx0, cgMs] = time(() => prepareContext({ network: u, workload: 'femnist' }));
  sampleMemory();
  const cells: string[] = [`connectivity ${(cgMs / 1000).toFixed(2)} s`];
  let total = cgMs;
  for (const t of topologies) {
    const ctx = { ...ctx0, cache: new Map<string, unknown>() };
    const [r, ms] = time(() => getTopology(t)(ctx));
    sampleMemory();
    total += ms;
    cells.push(`${t} ${(ms / 1000).toFixed(2)} s (${r.cycleTimeMs.toFixed(1)} ms)`);
  }
  console.log(`${u.name} (${u.silos.length} silos, ${u.links.length} links): total ${(total / 1000).toFixed(1)} s`);
  for (const c of cells) console.log(`    ${c}`);
  console.log(`    peak so far: rss ${(peakRss / 2 ** 20).toFixed(0)} MiB, heapUsed ${(peakHeap / 2 ** 20).toFixed(0)} MiB`);
}

function main(): void {
  const sizes = (arg('--sizes') ?? '100,300,1000').split(',').filter(Boolean).map(Number);
  const topologies = (arg('--topologies') ?? BENCH_TOPOLOGIES.join(',')).split(',').filter(Boolean);
  for (const line of EARLIER) console.log(line);
  console.log('Build-and-time seconds per topology (FEMNIST workload; cycle time in parentheses):');
  for (const n of sizes) benchNetwork(generateNetwork({ n, seed: 1 }), topologies);
  if (!process.argv.includes('--no-shared')) {
    const dir = path.join(SHARED, 'networks');
    let files: string[] = [];
    try {
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.gml'))
        .sort();
    } catch {
      console.log(`(no ${dir}: shared networks skipped)`);
    }
    for (const f of files) benchNetwork(underlayFromGml(readFileSync(path.join(dir, f), 'utf8'), f), topologies);
  }
  sampleMemory();
  console.log(`peak memory: rss ${(peakRss / 2 ** 20).toFixed(0)} MiB, heapUsed ${(peakHeap / 2 ** 20).toFixed(0)} MiB`);
}

main();
