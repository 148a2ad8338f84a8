/**
 * MATCHA and MATCHA(+) on the five shared networks with the FEMNIST workload, against
 * the published cycle times (Do et al. 2023, Table 3): 1,000 sampled rounds, sum / 999.
 * Being sampled, a faithful implementation lands near the published value, not on it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { buildMatcha } from '../../src/overlay/matcha.js';
import { delayConstants, getWorkload, timingParams } from '../../src/timing/workload.js';
import { NETWORKS, networkFile, table3 } from '../helpers.js';

const k = delayConstants(timingParams(getWorkload('femnist'), { accessGbps: 10, localUpdates: 1 }));
const published = table3();
const TOLERANCE = 0.15;

describe.each(NETWORKS)('%s, FEMNIST workload', (name) => {
  const file = networkFile(name);
  const underlay = underlayFromGml(readFileSync(file, 'utf8'), file);
  const cg = buildConnectivityGraph(underlay);

  it.each([
    ['matcha', 'underlay'],
    ['matcha+', 'connectivity'],
  ] as const)('%s: 1,000-round cycle time within 15% of Table 3', (topology, base) => {
    const t0 = performance.now();
    const r = buildMatcha(base, underlay, cg, k, { budget: 0.5, seed: 0, rounds: 0 });
    const ms = performance.now() - t0;
    const ref = published[name][topology];
    const rel = (r.cycleTimeMs - ref) / ref;
    console.log(
      `${name.padEnd(14)} ${topology.padEnd(8)} ${r.cycleTimeMs.toFixed(1).padStart(6)} ms vs published ${ref.toFixed(1).padStart(6)} ms ` +
        `(${(rel * 100).toFixed(1).padStart(5)}%)  matchings ${r.matchings.length} (Δ=${r.maxDegree}), λ2 ${r.lambda2.toFixed(4)} ` +
        `(uniform ${r.uniformLambda2.toFixed(4)}), α ${r.alpha.toFixed(4)}, ρ ${r.rho.toFixed(4)}, active/round ${r.meanActiveMatchings.toFixed(2)}, ${ms.toFixed(0)} ms`,
    );
    expect(r.lambda2).toBeGreaterThanOrEqual(r.uniformLambda2 * (1 - 1e-9));
    expect(r.matchings.length).toBeLessThanOrEqual(r.maxDegree + 1);
    expect(Math.abs(rel)).toBeLessThan(TOLERANCE);
  });
});
