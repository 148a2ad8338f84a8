import { describe, expect, it } from 'vitest';
import { prepareContext } from '../../src/experiment/cycle-times.js';
import { mixingMatrix } from '../../src/overlay/mixing-rules.js';
import { buildSchedule } from '../../src/learning/schedule.js';
import { baseOverlay } from '../../src/overlay/topologies/multigraph.js';
import { edgeDelaysMs } from '../../src/overlay/overlay.js';
import { getTopology } from '../../src/overlay/registry.js';
import { networkFile, reference } from '../helpers.js';

const ctx = prepareContext({ network: networkFile('gaia'), workload: 'femnist', rounds: 400 });
const sizes = Array.from({ length: 11 }, (_, i) => 10 + i);

describe('training schedules', () => {
  it("a static RING clock advances at the ring's cycle time (max-plus)", () => {
    const s = buildSchedule(ctx, 'ring', 400, sizes);
    const ct = getTopology('ring')(ctx).cycleTimeMs;
    // a ring of 11 silos is periodic with period 11 once past its transient
    const per = (s.plan(399).endMs - s.plan(179).endMs) / 220;
    expect(per).toBeCloseTo(ct, 6);
    // every silo starts at 0, so the first round ends when the slowest ring edge delivers
    const d = edgeDelaysMs(baseOverlay(ctx, 'ring'), ctx.k);
    expect(s.plan(0).endMs).toBe(Math.max(...d));
  });

  it('RING on a hand-made 3-silo network: round ends by hand', () => {
    // A-B 1,000 km, B-C 2,000 km, A-C 2,500 km: every pair's shortest path is its own link
    // (2,500 < 1,000 + 2,000), latency 0.0085 ms/km + 4 ms = 12.5, 21, 25.25 ms.
    // Model 1e6 bits: M / core bandwidth (1 Gbit/s = 1e6 bit/ms, one hop) = 1 ms, more than
    // the 0.1 ms of a 10 Gbit/s access link. C = 5 ms. d = C + latency + 1:
    // d(AB) = 18.5, d(BC) = 27, d(AC) = 31.25 ms; the ring is the triangle, one way round.
    // Max-plus from t = 0: round k ends at the heaviest walk of k + 1 edges (waiting, C = 5,
    // is lighter than any edge): 31.25, 31.25 + 27, 76.75 (all three), then + 76.75 per 3 rounds.
    const underlay = {
      name: 'triangle',
      silos: ['A', 'B', 'C'],
      coordinates: [null, null, null],
      source: 'test',
      links: [
        { a: 0, b: 1, distanceKm: 1000 },
        { a: 1, b: 2, distanceKm: 2000 },
        { a: 0, b: 2, distanceKm: 2500 },
      ],
    };
    const tri = prepareContext({ network: underlay, workload: { name: 'custom', modelSizeBits: 1e6, computeMs: 5, rounds: 10 } });
    const s = buildSchedule(tri, 'ring', 6, [1, 1, 1]);
    const expected = [31.25, 58.25, 76.75, 108, 135, 153.5];
    expected.forEach((e, k) => expect(Math.abs(s.plan(k).endMs - e), `round ${k}`).toBeLessThan(1e-9));
    // the cycle time is the ring's mean edge delay, 76.75 / 3
    expect(getTopology('ring')(tri).cycleTimeMs).toBeCloseTo(76.75 / 3, 9);
  });

  it('the multigraph clock is the running sum of τk and its rows mix over strong edges only', () => {
    const s = buildSchedule(ctx, 'multigraph-ring', 400, sizes);
    const mean = s.plan(399).endMs / 400;
    expect(mean).toBeCloseTo(getTopology('multigraph-ring')({ ...ctx, cache: new Map(), rounds: 400 }).cycleTimeMs, 6);
    const iso = s.plan(1).isolated;
    // dflsim's RING on gaia is the reference tour: round 1 isolates the reference's silos
    expect(iso.map((i) => ctx.cg.silos[i]).sort()).toEqual(reference('gaia').multigraphRing.stateSummary[1].isolatedSilos.slice().sort());
    expect(iso.length).toBeGreaterThan(0);
    for (const i of iso) expect(s.plan(1).mixing[i]).toEqual([{ from: i, weight: 1, stale: false }]);
  });

  it('STAR is FedAvg weighted by shard size at the STAR cycle time; MATCHA rows are W = I - αL', () => {
    const star = buildSchedule(ctx, 'star', 10, sizes);
    const a = mixingMatrix(star.plan(3).mixing);
    const total = sizes.reduce((p, q) => p + q, 0);
    expect(a[5][10]).toBeCloseTo(20 / total, 12);
    expect(star.plan(9).endMs).toBeCloseTo(10 * getTopology('star')(ctx).cycleTimeMs, 6);
    const m = buildSchedule(ctx, 'matcha', 50, sizes);
    for (let k = 0; k < 50; k++) {
      const w = mixingMatrix(m.plan(k).mixing);
      for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) expect(w[i][j]).toBeCloseTo(w[j][i], 12);
      expect(m.plan(k).endMs).toBeGreaterThan(k === 0 ? 0 : m.plan(k - 1).endMs);
    }
  });

  it('rejects a topology the engine cannot train over', () => {
    expect(() => buildSchedule(ctx, 'hypercube', 10, sizes)).toThrow(/cannot train over "hypercube"/);
  });
});
