/**
 * Every catalogue topology with a cycle time hands the clocks its rounds as transfers
 * (`plan.round(k).exchanges`): run through the exact per-silo max-plus clock of `timing/max-plus.ts`
 * with the plan's silo times, they give the plan's own round ends, with and without a
 * silo profile, on Gaia and on a generated 30-silo network.
 *
 * The multigraph is the exception: its plan's clock is the paper's sum of τk, while its
 * exchanges give the physical per-silo clock (transfers in flight over weak rounds). With
 * t = 1 (every edge strong every round) that clock is the base overlay's. Measured (the
 * last test prints it; femnist, no profile, K = 2,000, `npx vitest run
 * test/timing/exchanges-plans.test.ts`): end(K)/K of the per-silo multigraph-ring clock is
 * 16.92 ms vs the paper's 15.70 ms on gaia (+7.7%) and 12.68 ms vs 11.96 ms on geant
 * (+6.0%): the paper's τk lets a silo start its next round after the round's critical
 * circuit, while the per-silo clock still waits, in each strong round, for the transfer
 * launched after the edge's previous strong round.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareContext } from '../../src/experiment/cycle-times.js';
import { generateNetwork } from '../../src/network/generate.js';
import { underlayFromGml, type Underlay } from '../../src/network/underlay.js';
import { topologyNames } from '../../src/overlay/catalogue.js';
import type { TopologyContext } from '../../src/overlay/topology.js';
import { buildMultigraph } from '../../src/multigraph/multigraph.js';
import { multigraphExchanges } from '../../src/overlay/topologies/multigraph.js';
import { maxPlusRoundEnds } from '../../src/timing/clock.js';
import { maxPlusClock } from '../../src/timing/max-plus.js';
import { networkFile } from '../helpers.js';

const ROUNDS = 200;
/** Relative tolerance: the clocks add the same terms in a different order (measured below 1e-14). */
const REL = 1e-12;

const networks: [string, Underlay][] = [
  ['gaia', underlayFromGml(readFileSync(networkFile('gaia'), 'utf8'), networkFile('gaia'))],
  ['generated-30', generateNetwork({ n: 30, seed: 7 })],
];

/** An overlay file (a ring in index order, both ways) and a 2-round schedule on the network's silos. */
function userFiles(u: Underlay): { overlayFile: string; scheduleFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-exchanges-'));
  const s = u.silos;
  const ring = s.map((a, i) => [a, s[(i + 1) % s.length]]);
  const overlayFile = path.join(dir, 'overlay.json');
  writeFileSync(overlayFile, JSON.stringify({ silos: s, directed: false, edges: ring }));
  const even = ring.filter((_, i) => i % 2 === 0),
    odd = ring.filter((_, i) => i % 2 === 1);
  const scheduleFile = path.join(dir, 'schedule.json');
  writeFileSync(
    scheduleFile,
    JSON.stringify([
      { silos: s, directed: false, edges: even },
      { silos: s, directed: false, edges: odd },
    ]),
  );
  return { overlayFile, scheduleFile };
}

const PROFILE = {
  computeMs: { lognormal: { median: 8, sigma: 0.7 } },
  uploadGbps: { uniform: { min: 0.5, max: 10 } },
  downloadGbps: { choice: { values: [1, 10], weights: [1, 3] } },
  seed: 11,
};

function context(u: Underlay, profile: boolean): TopologyContext {
  return prepareContext({ network: u, workload: 'femnist', rounds: 400, ...userFiles(u), ...(profile ? { siloProfile: PROFILE } : {}) });
}

const timed = topologyNames((t) => t.supports.cycleTime);

describe.each(networks)("%s: the plans' exchanges through the per-silo max-plus clock", (_name, u) => {
  for (const profile of [false, true]) {
    const ctx = context(u, profile);
    for (const name of timed.filter((t) => !t.startsWith('multigraph-'))) {
      it(`${name}${profile ? ', seeded random profile' : ''}: round ends equal the plan's for k < ${ROUNDS}`, () => {
        const plan = ctx.catalogue.find(name)!.build(ctx);
        const clock = maxPlusClock(ctx.k, (k) => plan.round(k).exchanges);
        const own = maxPlusRoundEnds(plan);
        for (let k = 0; k < ROUNDS; k++) {
          const want = own.roundEndMs(k);
          const got = clock.roundEndMs(k);
          expect(Math.abs(got - want) / want, `${name} round ${k}: ${got} vs ${want}`).toBeLessThan(REL);
        }
      });
    }
    it(`multigraph-ring with t = 1${profile ? ', seeded random profile' : ''}: the per-silo clock is the base overlay's`, () => {
      const ring = ctx.catalogue.find('ring')!.build(ctx);
      const mg = buildMultigraph(ring.overlay!, ctx.k, 1);
      const a = maxPlusClock(ctx.k, multigraphExchanges(mg));
      const own = maxPlusRoundEnds(ring);
      for (let k = 0; k < ROUNDS; k++) expect(Math.abs(a.roundEndMs(k) / own.roundEndMs(k) - 1)).toBeLessThan(REL);
    });
  }
});

describe("the multigraph's per-silo clock vs the paper's cycle time", () => {
  it.each(['gaia', 'geantdistance'])("%s: end(K)/K of the physical clock is within a quarter of the paper's mean of τk", (name) => {
    const u = underlayFromGml(readFileSync(networkFile(name), 'utf8'), networkFile(name));
    const K = 2000;
    const ctx = prepareContext({ network: u, workload: 'femnist', rounds: K });
    const plan = ctx.catalogue.find('multigraph-ring')!.build(ctx);
    const clock = maxPlusClock(plan.siloTimes, (k) => plan.round(k).exchanges);
    const physical = clock.roundEndMs(K - 1) / K;
    console.log(
      `${name}: per-silo multigraph-ring clock ${physical.toFixed(2)} ms/round vs the paper's ${plan.cycleTimeMs.toFixed(2)} ms (${((physical / plan.cycleTimeMs - 1) * 100).toFixed(1)}%)`,
    );
    // measured +7.7% (gaia) and +6.0% (geant); the bound only guards against a broken clock
    expect(physical / plan.cycleTimeMs).toBeGreaterThan(0.75);
    expect(physical / plan.cycleTimeMs).toBeLessThan(1.25);
  });
});
