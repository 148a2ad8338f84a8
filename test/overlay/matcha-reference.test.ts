/**
 * MATCHA and MATCHA(+) on the five shared networks with the FEMNIST workload, against
 * the published cycle times (Do et al. 2023, Table 3): 1,000 sampled rounds, sum / 999.
 * Being sampled, a faithful implementation lands near the published value, not on it:
 * each entry's tolerance is set just above the gap measured with seed 0 (below), and
 * dflsim's own value is pinned (seeded, 1e-6 ms) so that any change of result is seen.
 *
 * Measured (seed 0, budget 0.5; ms, vs published, gap):
 *   gaia          MATCHA 166.7298 vs 166.4 (+0.198%)  MATCHA(+) 166.7298 vs 166.4 (+0.198%)
 *   amazon_us     MATCHA  57.8536 vs  57.7 (+0.266%)  MATCHA(+)  57.8536 vs  57.7 (+0.266%)
 *   geantdistance MATCHA  45.5486 vs  46.9 (-2.882%)  MATCHA(+) 102.3304 vs 102.3 (+0.030%)
 *   exodus        MATCHA  84.6929 vs  84.7 (-0.008%)  MATCHA(+) 211.5064 vs 211.5 (+0.003%)
 *   ebone         MATCHA  62.4949 vs  61.5 (+1.618%)  MATCHA(+) 112.6283 vs 112.6 (+0.025%)
 * On gaia and amazon_us the underlay is the full mesh, so MATCHA and MATCHA(+) coincide.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { buildMatcha } from '../../src/overlay/matcha.js';
import { getWorkload, siloTimes, timingParams } from '../../src/timing/workload.js';
import { NETWORKS, networkFile, round1, table3 } from '../helpers.js';

const params = timingParams(getWorkload('femnist'), { accessGbps: 10, localUpdates: 1 });
const published = table3();
/** Per network and topology: dflsim's value (ms, seed 0) and the allowed |gap| to Table 3 (fraction). */
const MEASURED: Record<string, Record<'matcha' | 'matcha+', { ms: number; tolerance: number }>> = {
  gaia: { matcha: { ms: 166.72981518103177, tolerance: 0.0025 }, 'matcha+': { ms: 166.72981518103177, tolerance: 0.0025 } },
  amazon_us: { matcha: { ms: 57.85361115615575, tolerance: 0.003 }, 'matcha+': { ms: 57.85361115615575, tolerance: 0.003 } },
  geantdistance: { matcha: { ms: 45.54856194580647, tolerance: 0.03 }, 'matcha+': { ms: 102.33037021452732, tolerance: 0.0005 } },
  exodus: { matcha: { ms: 84.69292832031357, tolerance: 0.0005 }, 'matcha+': { ms: 211.50642352350613, tolerance: 0.0005 } },
  ebone: { matcha: { ms: 62.49490975393362, tolerance: 0.0175 }, 'matcha+': { ms: 112.62834245202039, tolerance: 0.0005 } },
};

describe.each(NETWORKS)('%s, FEMNIST workload', (name) => {
  const file = networkFile(name);
  const underlay = underlayFromGml(readFileSync(file, 'utf8'), file);
  const cg = buildConnectivityGraph(underlay);
  const k = siloTimes(params, cg.n);

  it.each([
    ['matcha', 'underlay'],
    ['matcha+', 'connectivity'],
  ] as const)('%s: 1,000-round cycle time as measured, and as close to Table 3 as measured', (topology, base) => {
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
    const m = MEASURED[name][topology];
    expect(Math.abs(r.cycleTimeMs - m.ms)).toBeLessThan(1e-6);
    expect(Math.abs(rel)).toBeLessThan(m.tolerance);
    // where the gap is below the table's rounding, the published value is dflsim's rounded
    if (m.tolerance <= 0.0005) expect(round1(r.cycleTimeMs)).toBe(ref);
  });
});
