/**
 * Issue "the event clock's cycle time is another quantity": on every shared network, with
 * and without a silo profile, the event clock's cycle time under fixed sharing is the
 * max-plus one to 1e-9 relative, for every static topology of the default comparison (its
 * Karp cycle mean; STAR's round trip) and for multigraph-ring (the max-plus rate of the
 * same per-silo recursion, exact, from its time-expanded graph: the paper's mean of τk,
 * which max-plus prints for the multigraph, is another model). Each is found as a periodic
 * regime and labelled exact. Fair sharing, deterministic too, reaches a periodic regime on
 * the same plans and is never slower.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultTopologies, prepareContext } from '../../src/experiment/cycle-times.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { findTopology } from '../../src/overlay/catalogue.js';
import { clockedPlan } from '../../src/overlay/clocked-plan.js';
import { exchangeCycleMean } from '../../src/timing/asymptotic-rate.js';
import { NETWORKS, networkFile, ROOT } from '../helpers.js';

/** The tolerance; measured: at most 2.1e-14 (exodus, multigraph-ring). */
const REL = 1e-9;
/** Rounds of the context (they only matter to random clocks: these are deterministic). */
const ROUNDS = 200;
/** A seeded generated profile for the networks without a profile file. */
const GENERATED = {
  computeMs: { lognormal: { median: 5, sigma: 0.6 } },
  uploadGbps: { uniform: { min: 1, max: 10 } },
  downloadGbps: { choice: { values: [1, 10], weights: [1, 3] } },
  seed: 5,
};
const GEANT_PROFILE = path.join(ROOT, 'experiments', 'geant-slow-silos.csv');

const staticTopologies = (ctx: ReturnType<typeof prepareContext>): string[] =>
  defaultTopologies().filter((t) => findTopology(t)!.build(ctx).static);

describe.each(NETWORKS.flatMap((name) => [false, true].map((profile) => ({ name, profile }))))(
  '$name, profile $profile',
  ({ name, profile }) => {
    const file = networkFile(name);
    const underlay = underlayFromGml(readFileSync(file, 'utf8'), file);
    const siloProfile = !profile ? undefined : name === 'geantdistance' ? GEANT_PROFILE : GENERATED;
    const ctx = prepareContext({ network: underlay, workload: 'femnist', rounds: ROUNDS, ...(siloProfile ? { siloProfile } : {}) });

    it('static topologies of the default comparison: events (fixed) = max-plus, exact periodic regime; fair never slower', () => {
      const names = staticTopologies(ctx);
      expect(names).toEqual(['star', 'mst', 'delta-mbst', 'ring']);
      for (const t of names) {
        const plan = findTopology(t)!.build(ctx);
        const fixed = clockedPlan(plan, { clock: 'events', sharing: 'fixed', seed: 0 }, ROUNDS);
        expect(Math.abs(fixed.cycleTimeMs / plan.cycleTimeMs - 1), `${t}: ${fixed.cycleTimeMs} vs ${plan.cycleTimeMs}`).toBeLessThan(REL);
        expect(fixed.details?.cycleTime, t).toMatch(/^exact: periodic regime after \d+ rounds?, cyclicity \d+$/);
        const fair = clockedPlan(plan, { clock: 'events', sharing: 'fair', seed: 0 }, ROUNDS);
        expect((fair.details?.cycleTimeEstimate as { method: string }).method, t).toBe('periodic');
        expect(fair.cycleTimeMs, t).toBeLessThanOrEqual(fixed.cycleTimeMs * (1 + REL));
      }
    });

    it("multigraph-ring: the event clock's rate (fixed) = the max-plus rate of its per-silo recursion", () => {
      const plan = findTopology('multigraph-ring')!.build(ctx);
      const lag = Math.max(...plan.drawing!.multiplicity!) - 1;
      const want = exchangeCycleMean(plan.siloTimes, (k) => plan.round(k).exchanges, plan.period!, lag);
      const fixed = clockedPlan(plan, { clock: 'events', sharing: 'fixed', seed: 0 }, ROUNDS);
      expect(Math.abs(fixed.cycleTimeMs / want - 1), `${fixed.cycleTimeMs} vs ${want}`).toBeLessThan(REL);
      const e = fixed.details!.cycleTimeEstimate as { method: string; cyclicity: number };
      expect(e.method).toBe('periodic');
      expect(e.cyclicity % plan.period!).toBe(0);
    });
  },
);
