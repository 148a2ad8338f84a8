/**
 * The per-silo max-plus clock over round exchanges (`src/timing/max-plus.ts`) on cases
 * computed by hand: async rounds, a round trip, launch rounds and what it keeps. The
 * 3-silo async and barrier cases, and the comparison with the event clock on random
 * cases, are in `event-clock.test.ts`; the plans' own clocks in `exchanges-plans.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import type { SiloTimes } from '../../src/timing/delay-model.js';
import { exchangeDelaysMs, type RoundExchanges, type RoundSync } from '../../src/timing/exchanges.js';
import { maxPlusClock } from '../../src/timing/max-plus.js';

/** Transfers with their shares (default 1). */
function transfers(
  sync: RoundSync,
  from: number[],
  to: number[],
  latencyMs: number[],
  pathBitsPerMs: number[],
  extra: { launchRound?: number[]; answers?: number[] } = {},
): RoundExchanges {
  return {
    sync,
    from: Int32Array.from(from),
    to: Int32Array.from(to),
    latencyMs: Float64Array.from(latencyMs),
    pathBitsPerMs: Float64Array.from(pathBitsPerMs),
    upShare: new Int32Array(from.length).fill(1),
    downShare: new Int32Array(from.length).fill(1),
    ...(extra.launchRound ? { launchRound: Int32Array.from(extra.launchRound) } : {}),
    ...(extra.answers ? { answers: Int32Array.from(extra.answers) } : {}),
  };
}

/** Free access links (0 ms per copy) and M = 1 bit: a transfer's transmission is 1 / path bandwidth. */
function times(computeMs: number[]): SiloTimes {
  const n = computeMs.length;
  return { n, computeMs: Float64Array.from(computeMs), uploadMs: new Float64Array(n), downloadMs: new Float64Array(n), modelSizeBits: 1 };
}

describe('per-silo max-plus clock by hand', () => {
  it('a two-silo exchange: d(a->b) = 10, d(b->a) = 4, C = 1 gives round ends 10, 14, 24', () => {
    // d = C + latency + M / bandwidth = 1 + 8 + 1 and 1 + 2 + 1
    const s = times([1, 1]);
    const r = transfers('async', [0, 1], [1, 0], [8, 2], [1, 1]);
    expect(Array.from(exchangeDelaysMs(s, r))).toEqual([10, 4]);
    // t(1) = (4, 10), t(2) = (14, 14), t(3) = (18, 24)
    const c = maxPlusClock(s, () => r);
    expect([0, 1, 2].map((k) => c.roundEndMs(k))).toEqual([10, 14, 24]);
    expect([0, 1, 2].map((k) => Array.from(c.silos(k).endMs))).toEqual([
      [4, 10],
      [14, 14],
      [18, 24],
    ]);
  });

  it('a round trip around silo 0: each first leg answered when it arrives', () => {
    /*
     * C = (1, 2, 3) ms. Legs 1 -> 0 (latency 5, M / bandwidth 10) and 2 -> 0 (latency 1, 1):
     * they arrive at T + d = T + 2 + 5 + 10 = T + 17 and T + 3 + 1 + 1 = T + 5; the answers
     * 0 -> 1 and 0 -> 2 take x = 15 and 2 more: T + 32 and T + 7. Silo ends (T = 0):
     * (max(1, 17, 5), max(2, 32), max(3, 7)) = (17, 32, 7); every round lasts 32.
     */
    const s = times([1, 2, 3]);
    const r = transfers('round-trip', [1, 2, 0, 0], [0, 0, 1, 2], [5, 1, 5, 1], [0.1, 1, 0.1, 1], { answers: [-1, -1, 0, 1] });
    const c = maxPlusClock(s, () => r);
    expect([0, 1, 2].map((k) => c.roundEndMs(k))).toEqual([32, 64, 96]);
    expect(Array.from(c.silos(1).endMs)).toEqual([49, 64, 39]);
  });

  it("a transfer launched in an earlier round leaves at the sender's compute end of that round", () => {
    // silo 0 alone: t_0(k) = k (C = 1); 0 -> 1 with d = 1 + 4 + 1 = 6, listed in round 2, launched in round 1:
    // t_1(3) = max(t_1(2) + C_1, t_0(1) + 6) = max(2 + 1, 1 + 6) = 7
    const s = times([1, 1]);
    const none = transfers('async', [], [], [], []);
    const late = transfers('async', [0], [1], [4], [1], { launchRound: [1] });
    const c = maxPlusClock(s, (k) => (k === 2 ? late : none));
    expect([0, 1, 2, 3].map((k) => Array.from(c.silos(k).endMs))).toEqual([
      [1, 1],
      [2, 2],
      [3, 7],
      [4, 8],
    ]);
  });

  it('keeps only the rounds asked for, and says so when a transfer or a question needs an older one', () => {
    const s = times([1, 1]);
    const none = transfers('async', [], [], [], []);
    const ok = maxPlusClock(s, (k) => (k === 3 ? transfers('async', [0], [1], [4], [1], { launchRound: [2] }) : none), { keepRounds: 2 });
    // t_1(4) = t_0(2) + 6 = 8, then one C a round
    expect([3, 4, 5].map((k) => ok.roundEndMs(k))).toEqual([8, 9, 10]);
    expect(() => ok.silos(1)).toThrow(/round 1 were released/);
    const old = maxPlusClock(s, (k) => (k === 3 ? transfers('async', [0], [1], [4], [1], { launchRound: [1] }) : none), { keepRounds: 2 });
    expect(() => old.roundEndMs(3)).toThrow(/launched in round 1, more than the 2 rounds kept/);
    expect(() => maxPlusClock(s, () => transfers('async', [0], [1], [4], [1], { launchRound: [1] })).roundEndMs(0)).toThrow(
      /round 0 transfer 0 -> 1 launched in round 1/,
    );
    expect(() => ok.roundEndMs(-1)).toThrow(/non-negative integer/);
  });
});
