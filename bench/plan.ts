/**
 * Benchmark: `dflsim plan`'s JSON Lines export of a long plan on many silos, streamed: a
 * generated 1,000-silo network (`src/network/generate.ts`), 10,000 rounds of a sparse
 * topology (one-peer exponential: each silo mixes with one peer per round) on the max-plus
 * clock. Prints the time, the file's size and the peak RSS (which should stay far below
 * the file's size: rounds are written as they are produced). Asserts nothing.
 * Run: `npm run build && node dist/bench/plan.js [topology] [silos] [rounds]`.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { preparePlanExport, writePlanJsonl } from '../src/experiment/plan-export.js';
import { generateNetwork } from '../src/network/generate.js';

async function main(): Promise<void> {
  const topology = process.argv[2] ?? 'one-peer-exponential';
  const silos = Number(process.argv[3] ?? 1000);
  const rounds = Number(process.argv[4] ?? 10000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dflsim-bench-plan-'));
  const file = path.join(dir, 'plan.jsonl');
  try {
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const network = generateNetwork({ n: silos, seed: 1 });
    const p = preparePlanExport({ network, workload: 'femnist', topology, rounds });
    const t1 = performance.now();
    const written = await writePlanJsonl(p, file);
    const t2 = performance.now();
    const mib = (b: number): string => (b / 2 ** 20).toFixed(0);
    console.log(
      `plan ${topology}: ${silos} silos, ${written} rounds (period ${p.header.period ?? 'none'}): build ${((t1 - t0) / 1000).toFixed(1)} s, export ${((t2 - t1) / 1000).toFixed(1)} s (${((t2 - t1) / written).toFixed(2)} ms per round), file ${mib(statSync(file).size)} MiB, peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB (${mib(rss0)} MiB at start)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
