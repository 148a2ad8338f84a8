import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { applyAvailability, availability, validateAvailability, type AvailabilitySpec } from '../../src/timing/availability.js';
import type { RoundExchanges } from '../../src/timing/exchanges.js';

describe('availability', () => {
  it('intervals: silos and links (both directions) down over inclusive rounds', () => {
    const av = availability(
      {
        intervals: [
          { silo: 2, fromRound: 3, toRound: 5 },
          { link: [0, 4], fromRound: 5, toRound: 5 },
          { silo: 2, fromRound: 8, toRound: 8 },
        ],
      },
      5,
      0,
    );
    const downRounds = [];
    for (let k = 0; k < 10; k++) if (av(k).silos[2]) downRounds.push(k);
    expect(downRounds).toEqual([3, 4, 5, 8]);
    expect(Array.from(av(4).silos)).toEqual([0, 0, 1, 0, 0]);
    expect([...av(5).links].sort((a, b) => a - b)).toEqual([0 * 5 + 4, 4 * 5 + 0]);
    expect(av(6).links.size).toBe(0);
  });

  it('seeded rate: deterministic by seed and independent of the order of rounds; the down fraction is p·m / (1 + p·m)', () => {
    const spec: AvailabilitySpec = { random: { rate: 0.02, meanDownRounds: 5 } };
    const n = 40,
      K = 5000;
    const a = availability(spec, n, 3),
      b = availability(spec, n, 3),
      c = availability(spec, n, 4);
    const forward: number[] = [];
    for (let k = 0; k < K; k++) forward.push(...a(k).silos);
    const backward: number[][] = [];
    for (let k = K - 1; k >= 0; k -= 1) backward.push(Array.from(b(k).silos));
    expect(backward.reverse().flat()).toEqual(forward);
    let differ = 0;
    for (let k = 0; k < 500; k++) if (Array.from(c(k).silos).join() !== forward.slice(k * n, (k + 1) * n).join()) differ++;
    expect(differ).toBeGreaterThan(100);
    // down fraction: 0.1 / 1.1 = 0.0909; over 40 silos x 5,000 rounds (3,682 down periods)
    // measured 0.0921 (1.4% off); tolerance 5% relative
    const fraction = forward.reduce((x, y) => x + y, 0) / forward.length;
    expect(Math.abs(fraction / (0.1 / 1.1) - 1)).toBeLessThan(0.05);
    // round 0 is up everywhere; down periods have a mean length near 5 (measured 5.005; tolerance 10%)
    expect(forward.slice(0, n).every((x) => x === 0)).toBe(true);
    let periods = 0,
      downRounds = 0;
    for (let j = 0; j < n; j++)
      for (let k = 0; k < K; k++) {
        const d = forward[k * n + j];
        downRounds += d;
        if (d && (k === 0 || !forward[(k - 1) * n + j])) periods++;
      }
    expect(Math.abs(downRounds / periods / 5 - 1)).toBeLessThan(0.1);
  });

  it('applyAvailability drops transfers from/to down silos and over down links, lowers the shares, remaps answers', () => {
    // a round trip around silo 0: legs 1->0, 2->0, 3->0 (e = 0..2), answers 0->1, 0->2, 0->3 (e = 3..5)
    const r: RoundExchanges = {
      sync: 'round-trip',
      from: Int32Array.of(1, 2, 3, 0, 0, 0),
      to: Int32Array.of(0, 0, 0, 1, 2, 3),
      latencyMs: Float64Array.of(1, 2, 3, 4, 5, 6),
      pathBitsPerMs: Float64Array.of(10, 20, 30, 40, 50, 60),
      upShare: Int32Array.of(1, 1, 1, 3, 3, 3),
      downShare: Int32Array.of(3, 3, 3, 1, 1, 1),
      answers: Int32Array.of(-1, -1, -1, 0, 1, 2),
    };
    const silos = new Uint8Array(4);
    silos[2] = 1;
    // silo 2 down, link 0-3 down in the direction 3 -> 0 stored both ways
    const out = applyAvailability(r, { silos, links: new Set([3 * 4 + 0, 0 * 4 + 3]) });
    // kept: 1->0 and its answer 0->1; both shares drop by 2 (two copies dropped at silo 0 each way)
    expect(Array.from(out.from)).toEqual([1, 0]);
    expect(Array.from(out.to)).toEqual([0, 1]);
    expect(Array.from(out.latencyMs)).toEqual([1, 4]);
    expect(Array.from(out.pathBitsPerMs)).toEqual([10, 40]);
    expect(Array.from(out.upShare)).toEqual([1, 1]);
    expect(Array.from(out.downShare)).toEqual([1, 1]);
    expect(Array.from(out.answers!)).toEqual([-1, 0]);
    // nothing down: the same object
    expect(applyAvailability(r, { silos: new Uint8Array(4), links: new Set() })).toBe(r);
    // a multigraph transfer launched in round 3 is dropped when its sender was down then
    const m: RoundExchanges = {
      sync: 'async',
      from: Int32Array.of(0, 1),
      to: Int32Array.of(1, 2),
      latencyMs: Float64Array.of(1, 1),
      pathBitsPerMs: Float64Array.of(1, 1),
      upShare: Int32Array.of(1, 1),
      downShare: Int32Array.of(1, 1),
      launchRound: Int32Array.of(3, 5),
    };
    const at = (k: number) => ({ silos: Uint8Array.of(k === 3 ? 1 : 0, 0, 0), links: new Set<number>() });
    const mo = applyAvailability(m, at(5), at, 5);
    expect(Array.from(mo.from)).toEqual([1]);
    expect(Array.from(mo.launchRound!)).toEqual([5]);
  });

  it('rejects bad specs with the field path', () => {
    const bad: [unknown, string][] = [
      [{ intervals: [{ silo: 9, fromRound: 0, toRound: 1 }] }, 'availability.intervals[0].silo'],
      [
        {
          intervals: [
            { silo: 1, fromRound: 0, toRound: 1 },
            { silo: 1, fromRound: 3, toRound: 2 },
          ],
        },
        'availability.intervals[1].toRound',
      ],
      [{ intervals: [{ silo: 1, fromRound: -1, toRound: 2 }] }, 'availability.intervals[0].fromRound'],
      [{ intervals: [{ link: [1, 1], fromRound: 0, toRound: 2 }] }, 'availability.intervals[0].link'],
      [{ intervals: [{ link: [1, 7], fromRound: 0, toRound: 2 }] }, 'availability.intervals[0].link[1]'],
      [{ intervals: [{ fromRound: 0, toRound: 2 }] }, 'availability.intervals[0]'],
      [{ random: { rate: 2, meanDownRounds: 3 } }, 'availability.random.rate'],
      [{ random: { rate: 0.1, meanDownRounds: 0.5 } }, 'availability.random.meanDownRounds'],
    ];
    for (const [spec, where] of bad) {
      let err: unknown;
      try {
        validateAvailability(spec as AvailabilitySpec, 4);
      } catch (e) {
        err = e;
      }
      expect(err, where).toBeInstanceOf(DflsimInputError);
      expect((err as DflsimInputError).where).toBe(where);
    }
  });
});
