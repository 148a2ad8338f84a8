import { describe, expect, it } from 'vitest';
import { prepareContext } from '../../src/experiment/cycle-times.js';
import { mixingMatrix } from '../../src/learning/mixing.js';
import { buildSchedule, maxPlusRoundEnds } from '../../src/learning/schedule.js';
import { getTopology } from '../../src/overlay/registry.js';
import '../../src/topologies.js';
import { networkFile } from '../helpers.js';

const ctx = prepareContext({ network: networkFile('gaia'), workload: 'femnist', rounds: 400 });
const sizes = Array.from({ length: 11 }, (_, i) => 10 + i);

describe('training schedules', () => {
  it('a static RING clock advances at the ring\'s cycle time (max-plus)', () => {
    const s = buildSchedule(ctx, 'ring', 400, sizes);
    const ct = getTopology('ring')(ctx).cycleTimeMs;
    // a ring of 11 silos is periodic with period 11 once past its transient
    const per = (s.plan(399).endMs - s.plan(179).endMs) / 220;
    expect(per).toBeCloseTo(ct, 6);
    expect(s.plan(0).endMs).toBeGreaterThan(0);
  });

  it('the multigraph clock is the running sum of τk and its rows mix over strong edges only', () => {
    const s = buildSchedule(ctx, 'multigraph-ring', 400, sizes);
    const mean = s.plan(399).endMs / 400;
    expect(mean).toBeCloseTo(getTopology('multigraph-ring')({ ...ctx, cache: new Map(), rounds: 400 }).cycleTimeMs, 6);
    const iso = s.plan(1).isolated;
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

  it('max-plus round ends: a hand-computed two-silo exchange', () => {
    const o = { topology: 'x', silos: ['a', 'b'], edges: [{ from: 0, to: 1, latencyMs: 0, bandwidthBitsPerMs: 1 }, { from: 1, to: 0, latencyMs: 0, bandwidthBitsPerMs: 1 }] };
    // d(a->b) = 10, d(b->a) = 4, C = 1: t(1) = (4, 10), t(2) = (14, 14), t(3) = (18, 24)
    expect(Array.from(maxPlusRoundEnds(o, Float64Array.of(10, 4), 1, 3))).toEqual([10, 14, 24]);
  });

  it('rejects a topology the engine cannot train over', () => {
    expect(() => buildSchedule(ctx, 'hypercube', 10, sizes)).toThrow(/cannot train over "hypercube"/);
  });
});
