import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { stragglers, validateStragglers, type StragglerSpec } from '../../src/timing/stragglers.js';

describe('stragglers', () => {
  it('lognormal: median 1, mean exp(sigma^2 / 2), log-standard deviation sigma over 200,000 draws', () => {
    // 50 silos x 4,000 rounds; the sample mean's standard error is about 0.5/sqrt(2e5) of the
    // mean (0.1%); measured: mean off by 0.05%, median by 0.05%, sd of log by 0.09%. Tolerance 1%.
    const sigma = 0.5,
      st = stragglers({ model: 'lognormal', sigma }, 50, 42);
    const xs: number[] = [];
    for (let j = 0; j < 50; j++) for (let k = 0; k < 4000; k++) xs.push(st.multiplier(j, k));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean / Math.exp((sigma * sigma) / 2) - 1)).toBeLessThan(0.01);
    expect(st.meanMultiplier(3)).toBeCloseTo(Math.exp((sigma * sigma) / 2), 12);
    const sorted = xs.slice().sort((a, b) => a - b);
    expect(Math.abs(sorted[xs.length / 2] - 1)).toBeLessThan(0.01);
    const logs = xs.map(Math.log),
      m = logs.reduce((a, b) => a + b, 0) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - m) ** 2, 0) / logs.length);
    expect(Math.abs(sd / sigma - 1)).toBeLessThan(0.01);
  });

  it('two-point: slow with probability p (within 3 binomial standard errors; measured 0.34 of one), multiplier exactly 1 or slowdown', () => {
    const p = 0.2,
      st = stragglers({ model: 'two-point', p, slowdown: 4 }, 20, 7);
    let slow = 0,
      total = 0,
      other = 0;
    for (let j = 0; j < 20; j++)
      for (let k = 0; k < 5000; k++) {
        const m = st.multiplier(j, k);
        if (m === 4) slow++;
        else if (m !== 1) other++;
        total++;
      }
    expect(other).toBe(0);
    expect(Math.abs(slow / total - p)).toBeLessThan(3 * Math.sqrt((p * (1 - p)) / total));
    expect(st.meanMultiplier(0)).toBeCloseTo(1 - p + p * 4, 12);
  });

  it('keyed by (seed, silo, round): the same in any order, different seeds differ; only listed silos straggle', () => {
    const spec: StragglerSpec = { model: 'lognormal', sigma: 1, silos: [1, 3] };
    const a = stragglers(spec, 5, 9),
      b = stragglers(spec, 5, 9),
      c = stragglers(spec, 5, 10);
    const forward: number[] = [];
    for (let k = 0; k < 100; k++) for (let j = 0; j < 5; j++) forward.push(a.multiplier(j, k));
    const backward: number[] = [];
    for (let k = 99; k >= 0; k--) for (let j = 4; j >= 0; j--) backward.push(b.multiplier(j, k));
    expect(backward.reverse()).toEqual(forward);
    const out = new Float64Array(5);
    a.fill(17, out);
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 4].map((j) => a.multiplier(j, 17)));
    for (let k = 0; k < 100; k++) {
      expect(a.multiplier(0, k)).toBe(1);
      expect(a.multiplier(2, k)).toBe(1);
      expect(a.multiplier(4, k)).toBe(1);
    }
    expect(a.meanMultiplier(0)).toBe(1);
    let differ = 0;
    for (let k = 0; k < 100; k++) if (a.multiplier(1, k) !== c.multiplier(1, k)) differ++;
    expect(differ).toBe(100);
  });

  it('rejects bad specs with the field path', () => {
    const bad: [unknown, string][] = [
      [{ model: 'lognormal', sigma: -1 }, 'stragglers.sigma'],
      [{ model: 'lognormal' }, 'stragglers.sigma'],
      [{ model: 'two-point', p: 1.5, slowdown: 2 }, 'stragglers.p'],
      [{ model: 'two-point', p: 0.5, slowdown: 0.5 }, 'stragglers.slowdown'],
      [{ model: 'gamma' }, 'stragglers.model'],
      [{ model: 'lognormal', sigma: 1, silos: [0, 9] }, 'stragglers.silos[1]'],
      [{ model: 'lognormal', sigma: 1, silos: [2, 2] }, 'stragglers.silos[1]'],
    ];
    for (const [spec, where] of bad) {
      let err: unknown;
      try {
        validateStragglers(spec as StragglerSpec, 4);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DflsimInputError);
      expect((err as DflsimInputError).where).toBe(where);
    }
    expect(() => stragglers({ model: 'two-point', p: 0, slowdown: 1 }, 4, 0)).not.toThrow();
  });
});
