/**
 * The event clock on real topology plans (issue "heterogeneous silos"): with fixed sharing
 * it equals the per-silo max-plus clock, to 1e-9 relative, on every shared network and on
 * generated 200-silo networks with random silo profiles, for ring, mst, delta-mbst, star,
 * multigraph-ring (its per-silo clock) and MATCHA over 200 rounds; fair sharing is never
 * slower than fixed on the same rounds. The cycle times themselves (the event clock's own
 * rate against max-plus's) are in event-clock-cycle-time.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOnClock, prepareContext } from '../../src/experiment/cycle-times.js';
import { generateNetwork } from '../../src/network/generate.js';
import { underlayFromGml, type Underlay } from '../../src/network/underlay.js';
import { findTopology } from '../../src/overlay/catalogue.js';
import { clockedPlan } from '../../src/overlay/clocked-plan.js';
import { maxPlusRoundEnds, planEventClock } from '../../src/timing/clock.js';
import { maxPlusClock } from '../../src/timing/max-plus.js';
import { NETWORKS, networkFile } from '../helpers.js';

const ROUNDS = 200;
/** Relative tolerance of the issue (measured: the two clocks agree to about 1e-15). */
const REL = 1e-9;
const TOPOLOGIES = ['ring', 'mst', 'delta-mbst', 'star', 'multigraph-ring', 'matcha'];
const PROFILE = {
  computeMs: { lognormal: { median: 5, sigma: 0.6 } },
  uploadGbps: { uniform: { min: 1, max: 10 } },
  downloadGbps: { choice: { values: [1, 10], weights: [1, 3] } },
};

const cases: { name: string; underlay: Underlay; profile?: object }[] = [
  ...NETWORKS.map((name) => ({ name, underlay: underlayFromGml(readFileSync(networkFile(name), 'utf8'), networkFile(name)) })),
  ...NETWORKS.slice(0, 2).map((name) => ({
    name: `${name} + random profile`,
    underlay: underlayFromGml(readFileSync(networkFile(name), 'utf8'), networkFile(name)),
    profile: PROFILE,
  })),
  { name: 'generated-200 seed 3 + random profile', underlay: generateNetwork({ n: 200, seed: 3 }), profile: PROFILE },
  { name: 'generated-200 seed 4 + random profile', underlay: generateNetwork({ n: 200, seed: 4 }), profile: { ...PROFILE, seed: 11 } },
];

describe.each(cases)('event clock on $name', ({ underlay, profile }) => {
  const ctx = prepareContext({ network: underlay, workload: 'femnist', rounds: ROUNDS, ...(profile ? { siloProfile: profile } : {}) });
  it.each(TOPOLOGIES)('%s: events with fixed sharing = per-silo max-plus over 200 rounds; fair <= fixed', (name) => {
    const plan = findTopology(name)!.build(ctx);
    const ref = maxPlusClock(plan.siloTimes, (k) => plan.round(k).exchanges);
    const fixed = clockedPlan(plan, { clock: 'events', sharing: 'fixed', seed: 0 }, ROUNDS);
    const fair = planEventClock(plan, { sharing: 'fair', seed: 0 });
    const fixedClock = planEventClock(plan, { sharing: 'fixed', seed: 0 });
    let worst = 0;
    for (let k = 0; k < ROUNDS; k++) {
      const want = ref.roundEndMs(k);
      const got = fixed.roundEndMs(k);
      worst = Math.max(worst, Math.abs(got - want) / want);
      // every silo of every round: fair sharing never finishes later than fixed
      const a = fair.silos(k).endMs,
        b = fixedClock.silos(k).endMs;
      for (let j = 0; j < plan.n; j++) expect(a[j]).toBeLessThanOrEqual(b[j] * (1 + REL));
    }
    expect(worst).toBeLessThan(REL);
    // static overlays (STAR's round trip too): the event clock's rate is Karp's cycle time
    if (plan.static) expect(Math.abs(fixed.cycleTimeMs / plan.cycleTimeMs - 1)).toBeLessThan(REL);
    const own = maxPlusRoundEnds(plan).roundEndMs(ROUNDS - 1);
    if (name !== 'multigraph-ring') expect(Math.abs(ref.roundEndMs(ROUNDS - 1) - own) / own).toBeLessThan(1e-12);
  });
});

describe('a training context on the event clock', () => {
  it('buildOnClock times rounds on the chosen clock and says so in the details', () => {
    const ctx = prepareContext({ network: 'gaia-cities', workload: 'femnist', rounds: 50, clock: 'events', sharing: 'fair' });
    const plan = buildOnClock(findTopology('ring')!, ctx);
    expect(plan.details?.clock).toBe('events, fair sharing');
    // the clock's own rate over its periodic regime: (end of round N + c - end of round N) / c
    const e = plan.details!.cycleTimeEstimate as { method: string; transientRounds: number; cyclicity: number };
    expect(e.method).toBe('periodic');
    expect(plan.details!.cycleTime).toMatch(/^periodic regime after \d+ rounds?, cyclicity \d+ \(fair sharing/);
    const endBefore = (m: number): number => (m > 0 ? plan.roundEndMs(m - 1) : 0);
    expect(plan.cycleTimeMs).toBeCloseTo((endBefore(e.transientRounds + e.cyclicity) - endBefore(e.transientRounds)) / e.cyclicity, 9);
    const fixed = buildOnClock(
      findTopology('ring')!,
      prepareContext({ network: 'gaia-cities', workload: 'femnist', rounds: 50, clock: 'events' }),
    );
    expect(plan.cycleTimeMs).toBeLessThanOrEqual(fixed.cycleTimeMs * (1 + 1e-12));
    // fixed sharing: max-plus's Karp cycle time (no transient in it, unlike the end of round K / K)
    expect(Math.abs(fixed.cycleTimeMs / (fixed.details!.maxPlusCycleTimeMs as number) - 1)).toBeLessThan(1e-9);
  });

  it('refuses stragglers, failures or fair sharing on the max-plus clock, and unknown silos, naming the field', () => {
    expect(() => prepareContext({ network: 'gaia-cities', workload: 'femnist', stragglers: { model: 'lognormal', sigma: 0.3 } })).toThrow(
      /stragglers.*event clock/,
    );
    expect(() => prepareContext({ network: 'gaia-cities', workload: 'femnist', sharing: 'fair' })).toThrow(/sharing.*event clock/);
    expect(() =>
      prepareContext({
        network: 'gaia-cities',
        workload: 'femnist',
        clock: 'events',
        failures: { silos: [{ silo: 'Atlantis', fromRound: 1, toRound: 2 }] },
      }),
    ).toThrow(/failures\.silos\[0\]\.silo: unknown silo "Atlantis"/);
  });
});
