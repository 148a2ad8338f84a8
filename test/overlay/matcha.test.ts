/**
 * MATCHA's rounds: sampling frequencies, determinism, the RoundState format, the
 * round time and the cycle time, and the registry entries.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prepareContext } from '../../src/experiment/cycle-times.js';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { buildMatcha, matchaRoundOverlay, planMatcha, roundTimeMs, sampleActiveMatchings } from '../../src/overlay/matcha.js';
import { edgeDelaysMs } from '../../src/overlay/overlay.js';
import { getTopology } from '../../src/overlay/registry.js';
import { createRng } from '../../src/random.js';
import { getWorkload, siloTimes, timingParams } from '../../src/timing/workload.js';
import { networkFile } from '../helpers.js';

const file = networkFile('geantdistance');
const underlay = underlayFromGml(readFileSync(file, 'utf8'), file);
const cg = buildConnectivityGraph(underlay);
const k = siloTimes(timingParams(getWorkload('femnist')), cg.n);
const plan = planMatcha('underlay', underlay, cg, 0.5);

describe('MATCHA sampling', () => {
  it('each matching is active with its probability (20,000 rounds, 4.5 binomial σ)', () => {
    const rng = createRng(42);
    const N = 20000;
    const counts = new Float64Array(plan.matchings.length);
    for (let r = 0; r < N; r++) for (const m of sampleActiveMatchings(plan.probabilities, rng)) counts[m]++;
    // Drawing again when no matching is active conditions on "at least one active".
    const none = plan.probabilities.reduce((s, p) => s * (1 - p), 1);
    plan.probabilities.forEach((p, m) => {
      const expected = p / (1 - none);
      const sigma = Math.sqrt((expected * (1 - expected)) / N);
      expect(Math.abs(counts[m] / N - expected)).toBeLessThanOrEqual(4.5 * sigma + 1e-12);
      expect(Math.abs(counts[m] / N - p)).toBeLessThanOrEqual(4.5 * sigma + (p * none) / (1 - none) + 1e-12);
    });
  });

  it('never yields an empty round, even with small probabilities', () => {
    const rng = createRng(1);
    for (let r = 0; r < 2000; r++) expect(sampleActiveMatchings([0.01, 0.02, 0], rng).length).toBeGreaterThan(0);
    expect(() => sampleActiveMatchings([0, 0], rng)).toThrow(/probabilit/);
  });
});

describe('buildMatcha', () => {
  const r = buildMatcha('underlay', underlay, cg, k, { seed: 7, rounds: 1200 });

  it('is deterministic for a seed and changes with it', () => {
    const again = buildMatcha('underlay', underlay, cg, k, { seed: 7, rounds: 50 });
    expect(again.rounds.map((s) => s.extra)).toEqual(r.rounds.slice(0, 50).map((s) => s.extra));
    expect(again.cycleTimeMs).toBe(r.cycleTimeMs);
    const other = buildMatcha('underlay', underlay, cg, k, { seed: 8, rounds: 50 });
    expect(other.rounds.map((s) => s.extra)).not.toEqual(again.rounds.map((s) => s.extra));
  });

  it('emits RoundStates: both directions of the active matchings, isolated silos, round times, clock', () => {
    expect(r.rounds.length).toBe(1200);
    let clock = 0,
      sum1000 = 0;
    r.rounds.forEach((s, i) => {
      expect(s.round).toBe(i);
      expect(s.weak).toEqual([]);
      const active = s.extra!.activeMatchings as number[];
      expect(active.length).toBeGreaterThan(0);
      expect(s.extra!.alpha).toBe(r.alpha);
      const want = active.flatMap((m) => r.matchings[m].flatMap(([a, b]) => [`${a}>${b}`, `${b}>${a}`])).sort();
      expect(s.strong.map(([a, b]) => `${a}>${b}`).sort()).toEqual(want);
      const touched = new Set(s.strong.flat());
      expect(s.isolated).toEqual([...Array(cg.n).keys()].filter((v) => !touched.has(v)));
      const overlay = matchaRoundOverlay(r, cg, active);
      expect(s.durationMs).toBe(Math.max(...edgeDelaysMs(overlay, k)));
      expect(s.durationMs).toBe(roundTimeMs(overlay, k));
      clock += s.durationMs;
      expect(s.endMs).toBeCloseTo(clock, 9);
      if (i < 1000) sum1000 += s.durationMs;
    });
    expect(r.cycleTimeMs).toBeCloseTo(sum1000 / 999, 9);
  });

  it('matchings are the underlay links (MATCHA) or all pairs (MATCHA(+))', () => {
    const links = new Set(underlay.links.map((l) => `${Math.min(l.a, l.b)}-${Math.max(l.a, l.b)}`));
    expect(new Set(r.matchings.flat().map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`))).toEqual(links);
    const plus = planMatcha('connectivity', underlay, cg, 0.5);
    expect(plus.matchings.flat().length).toBe((cg.n * (cg.n - 1)) / 2);
    expect(plus.topology).toBe('matcha+');
  });

  it('rejects bad options naming the field', () => {
    expect(() => buildMatcha('underlay', underlay, cg, k, { budget: 0 })).toThrow(/budget/);
    expect(() => buildMatcha('underlay', underlay, cg, k, { rounds: -1 })).toThrow(/rounds/);
    expect(() => buildMatcha('underlay', underlay, cg, k, { cycleTimeRounds: 1 })).toThrow(/cycleTimeRounds/);
    expect(() => buildMatcha('mesh' as never, underlay, cg, k)).toThrow(/base/);
  });
});

describe('registry', () => {
  it('registers matcha and matcha+ with details', () => {
    const ctx = prepareContext({ network: file, workload: 'femnist', seed: 0, budget: 0.5 });
    const a = getTopology('matcha')(ctx);
    const b = getTopology('matcha+')(ctx);
    expect(a.topology).toBe('matcha');
    expect(b.topology).toBe('matcha+');
    const direct = buildMatcha('underlay', underlay, cg, k, { budget: 0.5, seed: 0, rounds: 0 });
    expect(a.cycleTimeMs).toBe(direct.cycleTimeMs);
    expect(a.overlayEdges).toBe(2 * underlay.links.length);
    expect(b.overlayEdges).toBe(cg.n * (cg.n - 1));
    for (const key of ['probabilities', 'lambda2', 'alpha', 'rho', 'matchings', 'cycleTimeMs', 'budget', 'seed'])
      expect(a.details).toHaveProperty(key);
    expect(a.details!.matchings).toBe(direct.matchings.length);
  });
});
