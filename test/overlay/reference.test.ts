/**
 * Reproduction of the published FEMNIST cycle times (Do et al. 2023, Table 3) and the
 * reference implementation's intermediate results, on the five shared networks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { buildDeltaMbst } from '../../src/overlay/delta-mbst.js';
import { buildMst } from '../../src/overlay/mst.js';
import { readOverlayFile } from '../../src/overlay/overlay-file.js';
import { overlayCycleTime, undirectedPairs } from '../../src/overlay/overlay.js';
import { buildRing } from '../../src/overlay/ring.js';
import { buildStar } from '../../src/overlay/star.js';
import { getWorkload, siloTimes, timingParams } from '../../src/timing/workload.js';
import { NETWORKS, networkFile, reference, ringOverlayFile, round1, table3 } from '../helpers.js';

const params = timingParams(getWorkload('femnist'));
const published = table3();

function pairSet(pairs: [string, string][]): string[] {
  return [...new Set(pairs.map(([a, b]) => (a < b ? `${a}|${b}` : `${b}|${a}`)))].sort();
}

describe.each(NETWORKS)('%s, FEMNIST workload', (name) => {
  const file = networkFile(name);
  const underlay = underlayFromGml(readFileSync(file, 'utf8'), file);
  const cg = buildConnectivityGraph(underlay);
  const k = siloTimes(params, cg.n);
  const ref = reference(name);

  it('reads the silos in the reference order', () => {
    expect(cg.silos).toEqual(ref.silos);
  });

  it('STAR: same centre, cycle time equal to 0.1 ms and rounding to Table 3', () => {
    const s = buildStar(cg, k);
    expect(cg.silos[s.center]).toBe(ref.star.center);
    expect(s.oneWayCycleTimeMs).toBeCloseTo(ref.star.cycleTimeMsOneWay, 6);
    expect(Math.abs(s.cycleTime.cycleTimeMs - ref.star.cycleTimeMs)).toBeLessThan(0.1);
    expect(round1(s.cycleTime.cycleTimeMs)).toBe(published[name].star);
  });

  it('MST: same edges, cycle time equal to 0.1 ms and rounding to Table 3', () => {
    const o = buildMst(cg, k);
    const mine = pairSet(undirectedPairs(o).map(([a, b]) => [cg.silos[a], cg.silos[b]]));
    expect(mine).toEqual(pairSet(ref.mst.edges));
    const ct = overlayCycleTime(o, k).cycleTimeMs;
    expect(Math.abs(ct - ref.mst.cycleTimeMs)).toBeLessThan(0.1);
    expect(round1(ct)).toBe(published[name].mst);
  });

  it('δ-MBST: same best δ and edges, cycle time equal to 0.1 ms and rounding to Table 3', () => {
    const r = buildDeltaMbst(cg, k);
    expect(r.bestDelta).toBe(ref.deltaMbst.bestDelta);
    const mine = pairSet(undirectedPairs(r.overlay).map(([a, b]) => [cg.silos[a], cg.silos[b]]));
    expect(mine).toEqual(pairSet(ref.deltaMbst.edges));
    const ct = overlayCycleTime(r.overlay, k).cycleTimeMs;
    expect(Math.abs(ct - ref.deltaMbst.cycleTimeMs)).toBeLessThan(0.1);
    expect(round1(ct)).toBe(published[name]['delta-mbst']);
  });

  it('RING: the reference tour as an overlay file gives the reference cycle time', () => {
    const o = readOverlayFile(ringOverlayFile(name), cg);
    const ct = overlayCycleTime(o, k);
    expect(Math.abs(ct.cycleTimeMs - ref.ring.cycleTimeMs)).toBeLessThan(0.1);
    expect(round1(ct.cycleTimeMs)).toBe(published[name].ring);
    expect(ct.criticalCircuit.length).toBe(cg.n);
  });

  it('RING: the default builder is at least as good as the reference tour', () => {
    const r = buildRing(cg, k);
    expect(new Set(r.tour).size).toBe(cg.n);
    expect(r.tour.length).toBe(cg.n);
    const ct = overlayCycleTime(r.overlay, k).cycleTimeMs;
    expect(ct).toBeLessThanOrEqual(ref.ring.cycleTimeMs + 1e-9);
  });
});
