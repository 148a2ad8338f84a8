/**
 * Benchmark: MATCHA and MATCHA(+) (Wang et al. 2019) on the five shared networks with
 * the FEMNIST workload: the 1,000-round cycle time beside the published one (Do et al.
 * 2023, Table 3) and the time each stage takes (colouring, probabilities, α, rounds),
 * plus the eigen-solver's time at 87 silos. Prints figures; asserts nothing.
 * Run: `npm run build && node dist/bench/matcha.js`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { haveSharedNetworks, NETWORKS, SHARED, time } from './common.js';
import { buildConnectivityGraph } from '../src/network/connectivity.js';
import { underlayFromGml } from '../src/network/underlay.js';
import { misraGriesEdgeColoring } from '../src/graph/edge-coloring.js';
import { buildMatcha, matchaBaseEdges, type MatchaBase } from '../src/overlay/matcha.js';
import { optimalMixingAlpha } from '../src/overlay/matcha-mixing.js';
import { optimizeActivationProbabilities, weightedLaplacian } from '../src/overlay/matcha-probabilities.js';
import { fiedler } from '../src/graph/symmetric-eigen.js';
import { getWorkload, siloTimes, timingParams } from '../src/timing/workload.js';

const shared = SHARED;

function main(): void {
  if (!haveSharedNetworks()) return;
  let published: Record<string, Record<string, number>> = {};
  const tablePath = path.join(shared, 'reference', 'table3.json');
  if (existsSync(tablePath)) published = JSON.parse(readFileSync(tablePath, 'utf8')).cycleTimeMs;
  const params = timingParams(getWorkload('femnist'));
  const rows: string[] = [];
  let totalMs = 0;
  let ebone: { n: number; laplacian: Float64Array } | null = null;
  for (const name of NETWORKS) {
    const file = path.join(shared, 'networks', `${name}.gml`);
    const underlay = underlayFromGml(readFileSync(file, 'utf8'), file);
    const cg = buildConnectivityGraph(underlay);
    const k = siloTimes(params, cg.n);
    for (const [topology, base] of [
      ['matcha', 'underlay'],
      ['matcha+', 'connectivity'],
    ] as [string, MatchaBase][]) {
      const edges = matchaBaseEdges(base, underlay, cg);
      const [coloring, colorMs] = time(() => misraGriesEdgeColoring(cg.n, edges));
      const matchings = coloring.classes.map((c) => c.map((e) => edges[e]));
      const [act, probMs] = time(() => optimizeActivationProbabilities(cg.n, matchings, 0.5));
      const [, alphaMs] = time(() => optimalMixingAlpha(cg.n, matchings, act.probabilities));
      const [r, allMs] = time(() => buildMatcha(base, underlay, cg, k, { budget: 0.5, seed: 0, rounds: 0 }));
      totalMs += allMs;
      if (name === 'ebone' && base === 'underlay') ebone = { n: cg.n, laplacian: weightedLaplacian(cg.n, matchings, act.probabilities) };
      const ref = published[name]?.[topology];
      const vs = ref === undefined ? '' : `${ref.toFixed(1).padStart(7)} ${(((r.cycleTimeMs - ref) / ref) * 100).toFixed(1).padStart(6)}%`;
      rows.push(
        `${name.padEnd(14)} ${topology.padEnd(8)} ${String(cg.n).padStart(3)} ${String(r.matchings.length).padStart(4)} ` +
          `${r.cycleTimeMs.toFixed(1).padStart(8)} ${vs.padEnd(15)} ${colorMs.toFixed(1).padStart(7)} ${probMs.toFixed(0).padStart(7)} ` +
          `(${String(act.iterations).padStart(4)} it) ${alphaMs.toFixed(0).padStart(6)} ${allMs.toFixed(0).padStart(7)}`,
      );
    }
  }
  console.log('MATCHA / MATCHA(+), FEMNIST, budget 0.5, seed 0, 1,000 rounds (sum / 999)');
  console.log('network        topology silos  M  cycle ms   published   diff  colour ms  prob ms  (steps)  α ms  total ms');
  for (const r of rows) console.log(r);
  console.log(`all ten builds: ${(totalMs / 1000).toFixed(2)} s`);
  if (ebone) {
    const reps = 200;
    const [, ms] = time(() => {
      for (let i = 0; i < reps; i++) fiedler(ebone!.laplacian, ebone!.n);
    });
    console.log(`eigen-solver: λ2 + Fiedler vector of an ${ebone.n} × ${ebone.n} Laplacian (Ebone): ${(ms / reps).toFixed(3)} ms per call`);
  }
}

main();
