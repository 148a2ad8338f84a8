/**
 * The heterogeneous delay model: a 3-silo case computed by hand, the papers' figures
 * unchanged without a profile, and GML link capacities.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareContext } from '../../src/experiment/cycle-times.js';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { buildStar } from '../../src/overlay/star.js';
import { overlayCycleTime, overlayExchanges, overlayFromPairs } from '../../src/overlay/overlay.js';
import { maxPlusRoundEnds } from '../../src/timing/clock.js';
import { maxPlusClock } from '../../src/timing/max-plus.js';
import { getWorkload } from '../../src/timing/workload.js';
import { NETWORKS, networkFile } from '../helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-profile-'));

/**
 * Three silos on a triangle of direct links (each pair's shortest path is its link, 1 hop):
 * A-B 1000 km, B-C 600 km, C-A 800 km, so latency = 0.0085 km + 4 = 12.5, 9.1, 10.8 ms.
 * Model M = 1e6 bits; core 1 Gbit/s = 1e6 bit/ms, so M / bandwidth = 1 ms on every pair.
 * Profile (workload compute 2 ms per step, one local step):
 *   A: C = 10 ms, up 1 Gbit/s (M/up = 1 ms),    down 0.5 Gbit/s (M/down = 2 ms)
 *   B: C = 2 ms (default), up 0.25 Gbit/s (4 ms), down 10 Gbit/s (0.1 ms)
 *   C: C = 5 ms, up 10 Gbit/s (0.1 ms),          down 0.2 Gbit/s (5 ms)
 */
const GML = `graph [
  node [ id 0 label "A" ] node [ id 1 label "B" ] node [ id 2 label "C" ]
  edge [ source 0 target 1 distance 1000 ] edge [ source 1 target 2 distance 600 ] edge [ source 2 target 0 distance 800 ]
]`;
const CSV = 'silo,computeMs,uploadGbps,downloadGbps\nA,10,1,0.5\nB,,0.25,10\nC,5,10,0.2\n';
const csvFile = path.join(dir, 'three.csv');
writeFileSync(csvFile, CSV);
const workload = getWorkload('custom', { modelSizeBits: 1e6, computeMs: 2 });

function threeSilos(csv = csvFile) {
  const underlay = underlayFromGml(GML, 'three.gml');
  return prepareContext({ network: underlay, workload, siloProfile: csv });
}

/** The per-silo max-plus clock's growth over `p` rounds after a transient (its cyclicity divides p). */
function clockRate(ctx: ReturnType<typeof threeSilos>, o: ReturnType<typeof overlayFromPairs>, p: number): number {
  const clock = maxPlusClock(ctx.k, () => overlayExchanges(o));
  return (clock.roundEndMs(600 + p) - clock.roundEndMs(600)) / p;
}

describe('a hand-computed 3-silo case', () => {
  const ctx = threeSilos();

  it('directed triangle A -> B -> C -> A: exact cycle time by Karp and by the max-plus clock', () => {
    // out- and in-degree 1 everywhere:
    //   d(A,B) = C_A + 12.5 + max(1·1, 1·0.1, 1)  = 10 + 12.5 + 1 = 23.5
    //   d(B,C) = C_B +  9.1 + max(1·4, 1·5, 1)    =  2 +  9.1 + 5 = 16.1
    //   d(C,A) = C_C + 10.8 + max(1·0.1, 1·2, 1)  =  5 + 10.8 + 2 = 17.8
    // one circuit: (23.5 + 16.1 + 17.8) / 3 = 57.4 / 3 = 19.1333... > max C_j = 10
    const o = overlayFromPairs(
      'ring',
      ctx.cg,
      [
        [0, 1],
        [1, 2],
        [2, 0],
      ],
      false,
    );
    const ct = overlayCycleTime(o, ctx.k);
    expect(ct.cycleTimeMs).toBeCloseTo(57.4 / 3, 12);
    expect(
      ct.criticalDelaysMs
        .slice()
        .sort((a, b) => a - b)
        .map((x) => +x.toFixed(9)),
    ).toEqual([16.1, 17.8, 23.5]);
    expect(ct.bottleneck).toBe('A->B 23.5 ms: latency 12.5 + compute at A 10 + upload of A (1 copy) 1');
    expect(clockRate(ctx, o, 3)).toBeCloseTo(57.4 / 3, 9);
  });

  it('the triangle both ways: the 2-cycle A-C-A sets the pace', () => {
    // out- and in-degree 2 everywhere:
    //   d(A,B) = 10 + 12.5 + max(2, 0.2, 1) = 24.5     d(B,A) = 2 + 12.5 + max(8, 4, 1)   = 22.5
    //   d(B,C) =  2 +  9.1 + max(8, 10, 1)  = 21.1     d(C,B) = 5 +  9.1 + max(0.2, 0.2, 1) = 15.1
    //   d(C,A) =  5 + 10.8 + max(0.2, 4, 1) = 19.8     d(A,C) = 10 + 10.8 + max(2, 10, 1) = 30.8
    // circuits: A-B-A 23.5, B-C-B 18.1, A-C-A (30.8 + 19.8) / 2 = 25.3,
    //           A>B>C>A 65.4 / 3 = 21.8, A>C>B>A 68.4 / 3 = 22.8: the maximum is 25.3
    const o = overlayFromPairs(
      'ring',
      ctx.cg,
      [
        [0, 1],
        [1, 2],
        [2, 0],
      ],
      true,
    );
    const ct = overlayCycleTime(o, ctx.k);
    expect(ct.cycleTimeMs).toBeCloseTo(25.3, 12);
    expect(new Set(ct.criticalCircuit)).toEqual(new Set(['A', 'C']));
    expect(ct.bottleneck).toBe('A->C 30.8 ms: latency 10.8 + download at C (2 copies) 10 + compute at A 10');
    expect(clockRate(ctx, o, 2)).toBeCloseTo(25.3, 9);
  });

  it('a silo slower than every circuit: its self-loop C_j is the cycle time', () => {
    // A computes 100 ms per step: d(A,B) = 100 + 12.5 + 1 = 113.5, the triangle's mean
    // (113.5 + 16.1 + 17.8) / 3 = 49.133 < C_A = 100, so the cycle time is 100
    const csv = path.join(dir, 'slow.csv');
    writeFileSync(csv, CSV.replace('A,10,', 'A,100,'));
    const slow = threeSilos(csv);
    const o = overlayFromPairs(
      'ring',
      slow.cg,
      [
        [0, 1],
        [1, 2],
        [2, 0],
      ],
      false,
    );
    const ct = overlayCycleTime(o, slow.k);
    expect(ct.cycleTimeMs).toBe(100);
    expect(ct.criticalCircuit).toEqual(['A']);
    expect(ct.bottleneck).toBe('compute at A 100 ms');
    expect(clockRate(slow, o, 3)).toBeCloseTo(100, 9);
  });

  it('STAR round trip: max over children of C_child + x(child, centre) + x(centre, child)', () => {
    // STAR's period with a profile, recomputed here from the profile's numbers:
    // x(i,j) = latency + max(outdeg(i)·M/up(i), indeg(j)·M/down(j), M/bw) (the centre has
    // degree 2 both ways, a child 1); period = max(max_j C_j, max_j C_j + x(j,c) + x(c,j))
    const s = buildStar(ctx.cg, ctx.k);
    const o = s.overlay;
    const C = [10, 2, 5];
    const deg = { out: [0, 0, 0], in: [0, 0, 0] };
    for (const e of o.edges) {
      deg.out[e.from]++;
      deg.in[e.to]++;
    }
    const up = [1, 4, 0.1],
      down = [2, 0.1, 5];
    const x = (i: number, j: number): number => {
      const e = o.edges.find((f) => f.from === i && f.to === j)!;
      return e.latencyMs + Math.max(deg.out[i] * up[i], deg.in[j] * down[j], 1e6 / e.bandwidthBitsPerMs);
    };
    let want = Math.max(...C);
    for (let j = 0; j < 3; j++) if (j !== s.center) want = Math.max(want, C[j] + x(j, s.center) + x(s.center, j));
    expect(s.cycleTime.cycleTimeMs).toBeCloseTo(want, 12);
  });
});

/** An explicitly uniform profile equal to the workload's defaults (femnist: 4.6 ms, 10/10 Gbit/s). */
const UNIFORM = { computeMs: 4.6, uploadGbps: 10, downloadGbps: 10 };
const TOPOLOGIES = ['star', 'mst', 'delta-mbst', 'ring', 'multigraph-ring', 'matcha', 'matcha+'];

describe.each(NETWORKS)("%s: no profile = the papers' model", (name) => {
  const underlay = underlayFromGml(readFileSync(networkFile(name), 'utf8'), networkFile(name));
  const plain = prepareContext({ network: underlay, workload: 'femnist', rounds: 1000 });
  const uniform = prepareContext({ network: underlay, workload: 'femnist', rounds: 1000, siloProfile: UNIFORM });
  it.each(TOPOLOGIES)("%s: the uniform profile's cycle time and first round ends equal the no-profile ones to 1e-9", (t) => {
    expect(plain.k.profile).toBeUndefined();
    expect(uniform.k.profile).toBe(true);
    const a = plain.catalogue.find(t)!.build(plain);
    const b = uniform.catalogue.find(t)!.build(uniform);
    // the profile path of every builder and clock (STAR's round trip, MATCHA's direct round
    // times, the per-silo C arrays) against the papers' code path: measured equal to the last bit or 1e-15
    expect(Math.abs(b.cycleTimeMs / a.cycleTimeMs - 1)).toBeLessThan(1e-9);
    const ea = maxPlusRoundEnds(a),
      eb = maxPlusRoundEnds(b);
    for (let k = 0; k < 100; k++) expect(Math.abs(eb.roundEndMs(k) / ea.roundEndMs(k) - 1)).toBeLessThan(1e-9);
  });
  it('STAR: the round-trip formula equals 2 (λ - C) + C to 1e-12', () => {
    const a = buildStar(plain.cg, plain.k);
    const b = buildStar(uniform.cg, uniform.k);
    expect(b.center).toBe(a.center);
    expect(Math.abs(b.cycleTime.cycleTimeMs / a.cycleTime.cycleTimeMs - 1)).toBeLessThan(1e-12);
  });
});

describe('link capacities from the GML (opt-in)', () => {
  const underlay = underlayFromGml(readFileSync(networkFile('gaia'), 'utf8'), networkFile('gaia'));
  const ignore = buildConnectivityGraph(underlay);
  const gml = buildConnectivityGraph(underlay, 1e9, { linkCapacities: 'gml' });

  it("Virginia-Dublin (a direct 100 Mbit/s link): bandwidth 1e8 bit/s = 1e5 bit/ms instead of the core's 1e6", () => {
    const v = underlay.silos.indexOf('Virginia'),
      d = underlay.silos.indexOf('Dublin');
    const key = v * ignore.n + d;
    expect(ignore.hops[key]).toBe(1);
    expect(ignore.bandwidthBitsPerMs[key]).toBe(1e6);
    expect(gml.bandwidthBitsPerMs[key]).toBe(1e5);
  });

  it("changes bandwidth only where the path's bottleneck capacity differs from the core, and nothing else", () => {
    const n = ignore.n;
    const cap = new Map<string, number>();
    for (const l of underlay.links) {
      cap.set(`${l.a},${l.b}`, l.capacityBitsPerSec ?? 1e9);
      cap.set(`${l.b},${l.a}`, l.capacityBitsPerSec ?? 1e9);
    }
    let changed = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const key = i * n + j;
        expect(gml.latencyMs[key]).toBe(ignore.latencyMs[key]);
        expect(gml.hops[key]).toBe(ignore.hops[key]);
        const p = ignore.path(i, j);
        let bottleneck = Infinity;
        for (let h = 0; h + 1 < p.length; h++) bottleneck = Math.min(bottleneck, cap.get(`${p[h]},${p[h + 1]}`)!);
        expect(gml.bandwidthBitsPerMs[key]).toBeCloseTo((bottleneck * 1e-3) / ignore.hops[key], 6);
        if (bottleneck === 1e9) expect(gml.bandwidthBitsPerMs[key]).toBe(ignore.bandwidthBitsPerMs[key]);
        else changed++;
      }
    expect(changed).toBeGreaterThan(0);
  });

  it('reaches the cycle times through prepareContext (--link-capacities gml)', () => {
    const a = prepareContext({ network: underlay, workload: 'femnist' });
    const b = prepareContext({ network: underlay, workload: 'femnist', linkCapacities: 'gml' });
    const ringA = a.catalogue.find('mst')!.build(a).cycleTimeMs;
    const ringB = b.catalogue.find('mst')!.build(b).cycleTimeMs;
    expect(ringB).not.toBe(ringA);
  });
});

describe('dflsim cycle-time --silo-profile --link-capacities', () => {
  it('times with the profile and the GML capacities, and the JSON carries the profile summary and the bottlenecks', async () => {
    const { buildCli } = await import('../../src/cli/main.js');
    const csv = path.join(dir, 'gaia.csv');
    writeFileSync(csv, 'silo,computeMs,uploadGbps\nTokyo,60,0.5\nVirginia,,1\n');
    let out = '';
    const cli = buildCli({
      out: (s: string) => {
        out += s;
      },
      err: () => {},
    });
    await cli.parseAsync([
      'cycle-time',
      '-n',
      networkFile('gaia'),
      '-t',
      'ring,star,mst',
      '--silo-profile',
      csv,
      '--link-capacities',
      'gml',
      '--format',
      'json',
    ]);
    const r = JSON.parse(out) as {
      workload: { linkCapacities?: string };
      profile: { source: string; slowestCompute: { silo: string; computeMs: number }[]; computeMs: { max: number } };
      results: { topology: string; cycleTimeMs: number; bottleneck?: string }[];
    };
    expect(r.workload.linkCapacities).toBe('gml');
    expect(r.profile.source).toBe(csv);
    expect(r.profile.slowestCompute[0]).toEqual({ silo: 'Tokyo', computeMs: 60 });
    expect(r.profile.computeMs.max).toBe(60);
    // every topology is at least as slow as Tokyo's compute
    for (const x of r.results) expect(x.cycleTimeMs).toBeGreaterThanOrEqual(60);
    expect(r.results.every((x) => typeof x.bottleneck === 'string' && x.bottleneck.length > 0)).toBe(true);
  });
});

describe('random profiles on generated networks (properties)', () => {
  it.each([1, 2, 3])('seed %i: no topology is faster than its slowest silo computes; RING runs its better direction', async (seed) => {
    const { generateNetwork } = await import('../../src/network/generate.js');
    const { ringOverlay } = await import('../../src/overlay/ring.js');
    const u = generateNetwork({ n: 25, seed });
    const ctx = prepareContext({
      network: u,
      workload: 'femnist',
      rounds: 300,
      seed,
      siloProfile: { computeMs: { lognormal: { median: 6, sigma: 1 } }, uploadGbps: { uniform: { min: 0.2, max: 10 } } },
    });
    let slowest = 0;
    for (const c of ctx.k.computeMs) slowest = Math.max(slowest, c);
    for (const t of ['star', 'mst', 'delta-mbst', 'ring', 'multigraph-ring', 'matcha', 'matcha+', 'exponential', 'base-2']) {
      // a mean over rounds (multigraph, time-varying) rounds off a few ulps: 1e-12 relative
      expect(ctx.catalogue.find(t)!.build(ctx).cycleTimeMs, t).toBeGreaterThanOrEqual(slowest * (1 - 1e-12));
    }
    const ring = ctx.catalogue.find('ring')!.build(ctx);
    const tour = ring.details!.tour as string[];
    const idx = tour.map((s) => u.silos.indexOf(s));
    const back = overlayCycleTime(ringOverlay(ctx.cg, [idx[0], ...idx.slice(1).reverse()]), ctx.k).cycleTimeMs;
    expect(ring.cycleTimeMs).toBeLessThanOrEqual(back);
  });
});
