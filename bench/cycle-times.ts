/**
 * Benchmark: the FEMNIST cycle-time table (STAR, MST, δ-MBST, RING on the five shared
 * networks) and the multigraph on the reference RING at 6,400 rounds, per network.
 * Prints figures; asserts nothing. Run: `npm run build && node dist/bench/cycle-times.js`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { haveSharedNetworks, NETWORKS, SHARED, time } from './common.js';
import { buildConnectivityGraph } from '../src/network/connectivity.js';
import { underlayFromGml } from '../src/network/underlay.js';
import { buildMultigraph } from '../src/multigraph/multigraph.js';
import { simulateMultigraph } from '../src/multigraph/rounds.js';
import { buildDeltaMbst } from '../src/overlay/delta-mbst.js';
import { buildMst } from '../src/overlay/mst.js';
import { readOverlayFile } from '../src/overlay/overlay-file.js';
import { buildRing } from '../src/overlay/ring.js';
import { buildStar } from '../src/overlay/star.js';
import { overlayCycleTime } from '../src/overlay/overlay.js';
import { getWorkload, siloTimes, timingParams } from '../src/timing/workload.js';

const shared = SHARED;

function main(): void {
  if (!haveSharedNetworks()) return;
  const params = timingParams(getWorkload('femnist'));
  const texts = NETWORKS.map((n) => readFileSync(path.join(shared, 'networks', `${n}.gml`), 'utf8'));
  const table = (): number[][] =>
    NETWORKS.map((n, i) => {
      const cg = buildConnectivityGraph(underlayFromGml(texts[i], n));
      const k = siloTimes(params, cg.n);
      return [
        buildStar(cg, k).cycleTime.cycleTimeMs,
        overlayCycleTime(buildMst(cg, k), k).cycleTimeMs,
        overlayCycleTime(buildDeltaMbst(cg, k).overlay, k).cycleTimeMs,
        overlayCycleTime(buildRing(cg, k).overlay, k).cycleTimeMs,
      ];
    });
  table(); // warm-up (JIT)
  const runs = 5;
  const times: number[] = [];
  let values: number[][] = [];
  for (let r = 0; r < runs; r++) {
    const [v, ms] = time(table);
    values = v;
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  console.log('FEMNIST cycle-time table (STAR, MST, δ-MBST, RING on 5 networks, from GML text):');
  NETWORKS.forEach((n, i) => console.log(`  ${n.padEnd(14)} ${values[i].map((x) => x.toFixed(1).padStart(7)).join('')}`));
  console.log(`  whole table: median ${times[Math.floor(runs / 2)].toFixed(1)} ms, best ${times[0].toFixed(1)} ms over ${runs} runs`);

  console.log('multigraph-ring on the reference tour, 6,400 rounds:');
  for (let i = 0; i < NETWORKS.length; i++) {
    const n = NETWORKS[i];
    const cg = buildConnectivityGraph(underlayFromGml(texts[i], n));
    const k = siloTimes(params, cg.n);
    const ring = readOverlayFile(path.join(shared, 'reference', 'femnist', `${n}.ring-overlay.json`), cg);
    simulateMultigraph(buildMultigraph(ring, k, 5), k, 6400); // warm-up
    const ms: number[] = [];
    let ct = 0;
    for (let r = 0; r < 5; r++) {
      const [v, t] = time(() => simulateMultigraph(buildMultigraph(ring, k, 5), k, 6400).cycleTimeMs);
      ct = v;
      ms.push(t);
    }
    ms.sort((a, b) => a - b);
    console.log(`  ${n.padEnd(14)} cycle time ${ct.toFixed(3)} ms; median ${ms[2].toFixed(2)} ms, best ${ms[0].toFixed(2)} ms`);
  }
}

main();
