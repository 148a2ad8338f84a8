/**
 * δ-MBST stops building δ-Prim trees at the unconstrained Prim tree's maximum degree (for
 * larger δ the bound never binds): the result equals the former exhaustive search over
 * δ = 2 .. n-1 (kept here as the reference) on random networks, candidates included.
 */
import { describe, expect, it } from 'vitest';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { generateNetwork } from '../../src/network/generate.js';
import { buildDeltaMbst, cubeHamiltonianPath, deltaPrim, type DeltaMbstResult } from '../../src/overlay/delta-mbst.js';
import { overlayCycleTime, overlayFromPairs } from '../../src/overlay/overlay.js';
import { kruskalMst, roundTripWeightMs } from '../../src/overlay/weights.js';
import { getWorkload, siloTimes, timingParams } from '../../src/timing/workload.js';
import type { ConnectivityGraph } from '../../src/network/connectivity.js';
import type { SiloTimes } from '../../src/timing/delay-model.js';

/** The former buildDeltaMbst: every δ from 2 to n-1. */
function exhaustive(cg: ConnectivityGraph, k: SiloTimes): DeltaMbstResult {
  const n = cg.n;
  const w2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) w2[i * n + j] = roundTripWeightMs(cg, k, i, j);
  const candidates: { name: string; cycleTimeMs: number }[] = [];
  const path = cubeHamiltonianPath(
    n,
    kruskalMst(cg, (i, j) => w2[i * n + j]),
  );
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < path.length; i++) pairs.push([path[i], path[i + 1]]);
  let best = overlayFromPairs('delta-mbst', cg, pairs, true);
  let bestCt = overlayCycleTime(best, k).cycleTimeMs;
  let bestDelta = 2,
    fromCube = true;
  candidates.push({ name: 'cube', cycleTimeMs: bestCt });
  for (let delta = 2; delta < n; delta++) {
    const o = overlayFromPairs('delta-mbst', cg, deltaPrim(n, w2, delta), true);
    const ct = overlayCycleTime(o, k).cycleTimeMs;
    candidates.push({ name: `delta-${delta}`, cycleTimeMs: ct });
    if (ct < bestCt) {
      best = o;
      bestCt = ct;
      bestDelta = delta;
      fromCube = false;
    }
  }
  return { overlay: best, bestDelta, fromCube, candidates };
}

describe("δ-MBST: stopping at the Prim tree's maximum degree changes nothing", () => {
  const workloads = [timingParams(getWorkload('femnist')), timingParams(getWorkload('inaturalist'), { accessGbps: 1 })];
  it('equal to the exhaustive search on random networks of 3..40 silos (two workloads)', () => {
    let nonCube = 0;
    for (let seed = 0; seed < 24; seed++) {
      const n = 3 + ((seed * 7) % 38);
      const cg = buildConnectivityGraph(generateNetwork({ n, seed, nearestNeighbours: 1 + (seed % 4) }));
      for (const params of workloads) {
        const k = siloTimes(params, cg.n);
        const fast = buildDeltaMbst(cg, k);
        const slow = exhaustive(cg, k);
        expect(fast.bestDelta).toBe(slow.bestDelta);
        expect(fast.fromCube).toBe(slow.fromCube);
        expect(fast.candidates).toEqual(slow.candidates);
        expect(fast.overlay.edges).toEqual(slow.overlay.edges);
        if (!fast.fromCube) nonCube++;
      }
    }
    // the comparison covers δ-Prim winners, not only the cube path
    expect(nonCube).toBeGreaterThan(0);
  });

  it("δ-Prim with δ at or above the unconstrained tree's maximum degree returns that tree", () => {
    for (let seed = 0; seed < 10; seed++) {
      const cg = buildConnectivityGraph(generateNetwork({ n: 30, seed }));
      const k = siloTimes(workloads[0], cg.n);
      const n = cg.n;
      const w2 = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) w2[i * n + j] = roundTripWeightMs(cg, k, i, j);
      const free = deltaPrim(n, w2, n);
      const deg = new Int32Array(n);
      for (const [a, b] of free) {
        deg[a]++;
        deg[b]++;
      }
      const D = Math.max(...deg);
      for (let delta = D; delta < n; delta += Math.max(1, Math.floor((n - D) / 4))) expect(deltaPrim(n, w2, delta)).toEqual(free);
      if (D > 2) expect(deltaPrim(n, w2, D - 1)).not.toEqual(free);
    }
  });
});
