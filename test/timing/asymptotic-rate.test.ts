/**
 * The event clock's cycle time as its own asymptotic rate (`timing/asymptotic-rate.ts`,
 * `timing/clock.ts`, `overlay/clocked-plan.ts`): the periodic regime found on hand-computed cases (a transient, a
 * cyclicity, a period of graph states), the labelled fallbacks, batch means against a hand
 * computation and its interval's coverage, and the exact max-plus rate of a periodic plan.
 */
import { describe, expect, it } from 'vitest';
import { clockedPlan } from '../../src/overlay/clocked-plan.js';
import { eventCycleTime } from '../../src/timing/clock.js';
import { UNIFORM_MIXING } from '../../src/overlay/mixing-rules.js';
import type { TopologyPlan } from '../../src/overlay/topology.js';
import { createRng } from '../../src/random.js';
import { batchMeans, describeCycleTimeEstimate, exchangeCycleMean, periodicRegime } from '../../src/timing/asymptotic-rate.js';
import { eventClock } from '../../src/timing/event-clock.js';
import type { SiloTimes } from '../../src/timing/delay-model.js';
import type { RoundExchanges } from '../../src/timing/exchanges.js';
import { maxPlusClock } from '../../src/timing/max-plus.js';
import { maxCycleMean } from '../../src/timing/karp.js';

/** Async round exchanges from plain lists; shares are the listed degrees. */
function exchanges(n: number, from: number[], to: number[], latencyMs: number[], pathBitsPerMs: number[]): RoundExchanges {
  const out = new Int32Array(n),
    inn = new Int32Array(n);
  from.forEach((i, e) => {
    out[i]++;
    inn[to[e]]++;
  });
  return {
    sync: 'async',
    from: Int32Array.from(from),
    to: Int32Array.from(to),
    latencyMs: Float64Array.from(latencyMs),
    pathBitsPerMs: Float64Array.from(pathBitsPerMs),
    upShare: Int32Array.from(from, (i) => out[i]),
    downShare: Int32Array.from(to, (j) => inn[j]),
  };
}

/** A bare plan around silo times and exchanges, for clockedPlan. */
function planOf(s: SiloTimes, ex: (k: number) => RoundExchanges, period: number, maxPlusMs: number): TopologyPlan {
  return {
    topology: 'hand',
    n: s.n,
    static: period === 1,
    period,
    round: (k) => ({ round: k, state: k % period, strong: [], weak: [], isolated: [], exchanges: ex(k) }),
    mixing: UNIFORM_MIXING,
    cycleTimeMs: maxPlusMs,
    criticalCircuit: [],
    siloTimes: s,
    maxPlus: { kind: 'per-silo' },
    overlayEdges: 0,
  };
}

/*
 * A 3-silo directed ring 0 -> 1 -> 2 -> 0 with per-silo times (a silo profile):
 * C = (10, 20, 5) ms, M / up = (2, 3, 1) ms, M / down = (1, 4, 2) ms, M = 1000 bits; every
 * degree is 1. Latencies 5, 3, 4 ms; path bandwidths 100, 500, 1000 bit/ms.
 *   x01 = 5 + max(2, 4, 1000/100 = 10) = 15     d01 = C0 + x01 = 25
 *   x12 = 3 + max(3, 2, 1000/500 = 2)  =  6     d12 = C1 + x12 = 26
 *   x20 = 4 + max(1, 1, 1000/1000 = 1) =  5     d20 = C2 + x20 = 10
 * Karp: the ring's mean (25 + 26 + 10) / 3 = 61/3 beats the self-loops (10, 20, 5).
 * t_j(k+1) = max(t_j(k) + C_j, t_i(k) + d_ij), t(0) = 0:
 *   t(1) = (10, 25, 26)     t(2) = (36, 45, 51)     t(3) = (61, 65, 71)
 *   t(4) = (81, 86, 91)     t(5) = (101, 106, 112)  t(6) = (122, 126, 132)
 * t(6) - t(3) = (61, 61, 61), and no earlier pair of states differs by a constant vector
 * (t(m) - t(m-1) and t(m) - t(m-2) are never constant for m <= 6; t(5) - t(2) = (65, 61, 61)):
 * the periodic regime starts after 3 rounds with cyclicity 3, rate 61/3 = 20.333 ms, while the
 * end of round K over K includes the transient: 132/6 = 22 ms for K = 6.
 */
const ringTimes: SiloTimes = {
  n: 3,
  computeMs: Float64Array.of(10, 20, 5),
  uploadMs: Float64Array.of(2, 3, 1),
  downloadMs: Float64Array.of(1, 4, 2),
  modelSizeBits: 1000,
};
const ringRound = exchanges(3, [0, 1, 2], [1, 2, 0], [5, 3, 4], [100, 500, 1000]);

describe('a 3-silo ring by hand: the periodic regime, not the end of round K over K', () => {
  it('the event clock finds the regime after 3 rounds, cyclicity 3, rate 61/3; end of round 6 / 6 = 22', () => {
    const ev = eventClock(ringTimes, () => ringRound);
    expect([1, 2, 3, 4, 5, 6].map((m) => Array.from(ev.silos(m - 1).endMs))).toEqual([
      [10, 25, 26],
      [36, 45, 51],
      [61, 65, 71],
      [81, 86, 91],
      [101, 106, 112],
      [122, 126, 132],
    ]);
    const r = periodicRegime(ev, { period: 1 });
    expect(r).toEqual({ rateMs: 61 / 3, transientRounds: 3, cyclicity: 3, roundsSimulated: 6 });
    expect(ev.roundEndMs(5) / 6).toBe(22);
    // Karp on the overlay with the self-loops, and the time-expanded graph: the same 61/3
    const karp = maxCycleMean(3, [0, 1, 2, 0, 1, 2], [1, 2, 0, 0, 1, 2], [25, 26, 10, 10, 20, 5]).value;
    expect(karp).toBeCloseTo(61 / 3, 13);
    expect(exchangeCycleMean(ringTimes, () => ringRound, 1)).toBeCloseTo(61 / 3, 13);
  });

  it("clockedPlan: the events cycle time is 61/3 (max-plus's), and says how it was obtained", () => {
    const plan = planOf(ringTimes, () => ringRound, 1, 61 / 3);
    for (const K of [6, 100]) {
      const ev = clockedPlan(plan, { clock: 'events', seed: 0 }, K);
      expect(Math.abs(ev.cycleTimeMs / plan.cycleTimeMs - 1)).toBeLessThan(1e-15); // measured: 0 (integers)
      expect(ev.details?.cycleTime).toBe('exact: periodic regime after 3 rounds, cyclicity 3');
      expect(ev.details?.cycleTimeEstimate).toMatchObject({ method: 'periodic', transientRounds: 3, cyclicity: 3 });
      expect(ev.roundEndMs(5)).toBe(132);
    }
  });

  it('with too few rounds to see the regime: a labelled estimate over the last whole periods (rounds 3..4: (112 - 71) / 2)', () => {
    const ev = eventClock(ringTimes, () => ringRound);
    expect(periodicRegime(ev, { period: 1, maxRounds: 5 })).toBeUndefined();
    const e = eventCycleTime(
      planOf(ringTimes, () => ringRound, 1, 61 / 3),
      { seed: 0 },
      ev,
      6,
      { maxRounds: 5 },
    );
    expect(e).toEqual({ method: 'tail-mean', cycleTimeMs: 20.5, fromRound: 3, toRound: 4, roundsSimulated: 5, period: 1 });
    expect(describeCycleTimeEstimate(e)).toBe(
      'estimate: no periodic regime within 5 rounds; mean round over rounds 3..4 (whole periods of 1)',
    );
  });
});

describe('a period of graph states by hand', () => {
  /*
   * Two silos, C = (1, 1) ms; even rounds send 0 -> 1 (latency 9 ms + 1000 bits at 1000 bit/ms:
   * x = 10, d = 11), odd rounds 1 -> 0 (x = 4, d = 5). t(0) = 0:
   *   round 0: t(1) = (1, max(1, 0 + 11)) = (1, 11)
   *   round 1: t(2) = (max(2, 11 + 5), 12) = (16, 12)
   *   round 2: t(3) = (17, max(13, 16 + 11)) = (17, 27)
   *   round 3: t(4) = (max(18, 27 + 5), 28) = (32, 28)
   * t(3) - t(1) = (16, 16): regime after 1 round, cyclicity 2 (one period), rate 16 / 2 = 8,
   * the circuit 0 -> 1 (11) then 1 -> 0 (5) over two rounds. (t(2) - t(0) = (16, 12) is not.)
   */
  const s: SiloTimes = {
    n: 2,
    computeMs: Float64Array.of(1, 1),
    uploadMs: Float64Array.of(0.1, 0.1),
    downloadMs: Float64Array.of(0.1, 0.1),
    modelSizeBits: 1000,
  };
  const even = exchanges(2, [0], [1], [9], [1000]),
    odd = exchanges(2, [1], [0], [3], [1000]);
  const ex = (k: number): RoundExchanges => (k % 2 === 0 ? even : odd);

  it('regime after 1 round, cyclicity 2, rate 8; the time-expanded graph gives 8 too', () => {
    const ev = eventClock(s, ex);
    expect([0, 1, 2, 3].map((k) => Array.from(ev.silos(k).endMs))).toEqual([
      [1, 11],
      [16, 12],
      [17, 27],
      [32, 28],
    ]);
    expect(periodicRegime(ev, { period: 2 })).toEqual({ rateMs: 8, transientRounds: 1, cyclicity: 2, roundsSimulated: 3 });
    expect(exchangeCycleMean(s, ex, 2)).toBe(8);
    const plan = clockedPlan(planOf(s, ex, 2, 8), { clock: 'events', seed: 0 }, 3);
    expect(plan.cycleTimeMs).toBe(8);
    // end of round 3 over 3 = 27 / 3 = 9: the transient
    expect(plan.roundEndMs(2) / 3).toBe(9);
  });
});

describe('no periodic regime: parts growing at different rates', () => {
  it('silos 0 <-> 1 at 10 ms per round beside a lone silo 2 at 1 ms: no constant shift; the tail mean is 10', () => {
    // d = C + x = 1 + 9 both ways: the 2-cycle's mean is 10; silo 2 only computes (1 ms)
    const s: SiloTimes = {
      n: 3,
      computeMs: Float64Array.of(1, 1, 1),
      uploadMs: Float64Array.of(0.1, 0.1, 0.1),
      downloadMs: Float64Array.of(0.1, 0.1, 0.1),
      modelSizeBits: 1000,
    };
    const r = exchanges(3, [0, 1], [1, 0], [8, 8], [1000, 1000]);
    const ev = eventClock(s, () => r);
    expect(periodicRegime(ev, { period: 1, maxRounds: 200 })).toBeUndefined();
    const e = eventCycleTime(
      planOf(s, () => r, 1, 10),
      { seed: 0 },
      ev,
      50,
      { maxRounds: 200 },
    );
    expect(e).toMatchObject({ method: 'tail-mean', fromRound: 100, toRound: 199 });
    expect(e.cycleTimeMs).toBe(10);
  });
});

describe('batch means', () => {
  it('hand case: rounds 2..11 in 5 batches of 2 (round 12 left over): mean 3, half-width t(0.975, 4) s / sqrt(5)', () => {
    // durations: rounds 0-1 warm-up, then batches (1, 3) (2, 4) (3, 5) (1, 1) (5, 5): means 2, 3, 4, 1, 5
    const d = [100, 50, 1, 3, 2, 4, 3, 5, 1, 1, 5, 5, 1000];
    const ends = d.map((_, k) => d.slice(0, k + 1).reduce((a, b) => a + b, 0));
    const e = batchMeans((k) => ends[k], { rounds: 13, warmupRounds: 2, batches: 5 })!;
    // s^2 = (1 + 0 + 1 + 4 + 4) / 4 = 2.5; t(0.975, 4) = 2.7764451
    expect(e).toMatchObject({ method: 'batch-means', fromRound: 2, toRound: 11, batches: 5, batchRounds: 2 });
    expect(e.cycleTimeMs).toBe(3);
    expect(e.halfWidthMs).toBeCloseTo((2.7764451 * Math.sqrt(2.5)) / Math.sqrt(5), 6);
    expect(describeCycleTimeEstimate(e)).toBe(
      'estimate: mean round over rounds 2..11, 95% CI ±1.963 ms (batch means, 5 batches of 2 rounds)',
    );
  });

  it('defaults: a 10% warm-up and 20 batches; too few rounds give no interval', () => {
    const e = batchMeans((k) => 2 * (k + 1), { rounds: 1000 })!;
    expect(e).toMatchObject({ cycleTimeMs: 2, halfWidthMs: 0, fromRound: 100, toRound: 999, batches: 20, batchRounds: 45 });
    expect(batchMeans((k) => k + 1, { rounds: 2 })).toBeUndefined();
    expect(batchMeans((k) => k + 1, { rounds: 3 })).toMatchObject({ fromRound: 1, toRound: 2, batches: 2, batchRounds: 1 });
  });

  it('the 95% interval covers the true mean of i.i.d. rounds in about 95% of 400 seeded replications', () => {
    // durations uniform on [0, 10): true mean 5; K = 500 rounds. Measured coverage: 0.97
    // (388 of 400); a binomial standard deviation is 0.011, so [0.92, 0.99] is a 95% +- 3 sd band.
    let covered = 0;
    const reps = 400;
    for (let rep = 0; rep < reps; rep++) {
      const rng = createRng(1000 + rep);
      const ends: number[] = [];
      let t = 0;
      for (let k = 0; k < 500; k++) {
        t += 10 * rng.next();
        ends.push(t);
      }
      const e = batchMeans((k) => ends[k], { rounds: 500 })!;
      if (Math.abs(e.cycleTimeMs - 5) <= e.halfWidthMs) covered++;
    }
    expect(covered / reps).toBeGreaterThan(0.92);
    expect(covered / reps).toBeLessThan(0.99);
  });
});

describe('the cycle time of a random event clock is labelled an estimate', () => {
  it("stragglers: batch means over the context's rounds after the warm-up; the interval contains the mean of the rounds after it", () => {
    const plan = planOf(ringTimes, () => ringRound, 1, 61 / 3);
    const ev = clockedPlan(plan, { clock: 'events', seed: 3, stragglers: { model: 'two-point', p: 0.2, slowdown: 3 } }, 400);
    const e = ev.details!.cycleTimeEstimate as { method: string; halfWidthMs: number; fromRound: number; toRound: number };
    expect(e).toMatchObject({ method: 'batch-means', fromRound: 40, toRound: 399 });
    expect(ev.details!.cycleTime).toMatch(
      /^estimate: mean round over rounds 40\.\.399, 95% CI ±[0-9.]+ ms \(batch means, 20 batches of 18 rounds\)$/,
    );
    expect(ev.cycleTimeMs).toBeCloseTo((ev.roundEndMs(399) - ev.roundEndMs(39)) / 360, 9);
    // slower than the deterministic 61/3 (a slow silo on the ring's circuit every few rounds)
    expect(ev.cycleTimeMs - e.halfWidthMs).toBeGreaterThan(61 / 3);
  });

  it('failures scheduled in intervals: the mean over the K rounds, saying why', () => {
    const plan = planOf(ringTimes, () => ringRound, 1, 61 / 3);
    const ev = clockedPlan(plan, { clock: 'events', seed: 0, availability: { intervals: [{ silo: 1, fromRound: 2, toRound: 4 }] } }, 60);
    expect(ev.cycleTimeMs).toBe(ev.roundEndMs(59) / 60);
    expect(ev.details!.cycleTime).toBe(
      'mean round over rounds 0..59 (end of round 60 / 60; failures scheduled in intervals: no periodic regime sought)',
    );
  });
});

describe('the max-plus clock and the time-expanded graph agree on the rate', () => {
  it('launch lags (a multigraph-like plan): the per-silo max-plus clock grows at exchangeCycleMean', () => {
    // edge 0 -> 1 strong every round, 1 -> 2 every 2nd, 2 -> 0 every 3rd, each copy launched
    // the round after the edge's previous strong round; period 6, lag 2
    const s: SiloTimes = {
      n: 3,
      computeMs: Float64Array.of(3, 4, 2),
      uploadMs: Float64Array.of(1, 2, 1),
      downloadMs: Float64Array.of(2, 1, 1),
      modelSizeBits: 1000,
    };
    const base = [
      [0, 1, 7, 500],
      [1, 2, 25, 200],
      [2, 0, 40, 100],
    ] as const;
    const mult = [1, 2, 3];
    const ex = (k: number): RoundExchanges => {
      const idx = [0, 1, 2].filter((e) => k % mult[e] === 0);
      const r = exchanges(
        3,
        idx.map((e) => base[e][0]),
        idx.map((e) => base[e][1]),
        idx.map((e) => base[e][2]),
        idx.map((e) => base[e][3]),
      );
      return {
        ...r,
        upShare: Int32Array.from(idx, () => 1),
        downShare: Int32Array.from(idx, () => 1),
        launchRound: Int32Array.from(idx, (e) => (k >= mult[e] ? k - mult[e] + 1 : 0)),
      };
    };
    const want = exchangeCycleMean(s, ex, 6, 2);
    const mp = maxPlusClock(s, ex);
    const r = periodicRegime(mp, { period: 6, lagRounds: 2 })!;
    expect(r.cyclicity % 6).toBe(0);
    expect(Math.abs(r.rateMs / want - 1)).toBeLessThan(1e-12); // measured: 0
    // whole cyclicities after the transient: the clock's own ends
    const N = r.transientRounds,
      c = r.cyclicity;
    const endBefore = (m: number): number => (m > 0 ? mp.roundEndMs(m - 1) : 0);
    expect(Math.abs((endBefore(N + 100 * c) - endBefore(N)) / (100 * c) / want - 1)).toBeLessThan(1e-12);
    // (the end of round K over K still carries the transient: different above 1e-6 here)
    expect(Math.abs(mp.roundEndMs(599) / 600 / want - 1)).toBeGreaterThan(1e-6);
  });
});
