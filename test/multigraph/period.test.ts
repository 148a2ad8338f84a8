/**
 * The multigraph's rounds are copied once the recursion's state (k mod S, δk) repeats: the
 * shortcut must give exactly (bit for bit) the τk and clock of solving every round.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { generateNetwork } from '../../src/network/generate.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { buildMultigraph } from '../../src/multigraph/multigraph.js';
import { simulateMultigraph } from '../../src/multigraph/rounds.js';
import { buildMst } from '../../src/overlay/mst.js';
import { buildRing } from '../../src/overlay/ring.js';
import { endsOfDurations } from '../../src/timing/clock.js';
import { getWorkload, siloTimes, timingParams } from '../../src/timing/workload.js';
import { NETWORKS, networkFile } from '../helpers.js';

const cases = [
  ...NETWORKS.map((name) => ({
    name,
    cg: buildConnectivityGraph(underlayFromGml(readFileSync(networkFile(name), 'utf8'), networkFile(name))),
  })),
  ...[1, 2, 3].map((seed) => ({ name: `generated-40-seed-${seed}`, cg: buildConnectivityGraph(generateNetwork({ n: 40, seed })) })),
];

describe.each(cases)('multigraph rounds on $name: the period shortcut is exact', ({ cg }) => {
  it.each(['femnist', 'shakespeare', 'inaturalist'])('%s, RING and MST, t = 2..6, 700 rounds', (workload) => {
    const k = siloTimes(timingParams(getWorkload(workload)), cg.n);
    let copied = 0;
    for (const base of [buildRing(cg, k).overlay, buildMst(cg, k)]) {
      for (const t of [2, 3, 4, 5, 6]) {
        const mg = buildMultigraph(base, k, t);
        const fast = simulateMultigraph(mg, k, 700);
        const full = simulateMultigraph(mg, k, 700, { detectPeriod: false });
        expect(Array.from(fast.tauMs)).toEqual(Array.from(full.tauMs));
        // and so the round ends, their running sums on the max-plus clock
        const ends = (r: typeof fast) => {
          const c = endsOfDurations((q) => r.tauMs[q]);
          return Array.from({ length: 700 }, (_, q) => c.roundEndMs(q));
        };
        expect(ends(fast)).toEqual(ends(full));
        expect(fast.cycleTimeMs).toBe(full.cycleTimeMs);
        expect(full.repeatsFromRound).toBeUndefined();
        if (fast.repeatsFromRound !== undefined) copied++;
      }
    }
    // the shortcut is taken: measured, every case repeats at round 2S, the first it can
    expect(copied).toBeGreaterThanOrEqual(8);
  });
});
