/**
 * The topology catalogue: a toy topology added in one file is timed, trained and drawn;
 * every static overlay's critical circuit has the cycle time as its mean delay; the new
 * topologies (exponential, one-peer exponential, Base-(k+1), EquiDyn, a user's schedule,
 * the multigraph on any static overlay) are timed on the five networks, trained with the
 * fake trainer, and mix with their own weights.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { validateConfig, type TrainConfig } from '../../src/experiment/config.js';
import { computeCycleTimes, prepareContext } from '../../src/experiment/cycle-times.js';
import { runTraining, trainingSchedule } from '../../src/experiment/runner.js';
import { describeTopology } from '../../src/experiment/topology-file.js';
import { initEngineState, runRounds, type EngineData } from '../../src/learning/dpasgd.js';
import { mixingMatrix as rowsMatrix } from '../../src/overlay/mixing-rules.js';
import { baseGraphSequence } from '../../src/overlay/base-graph.js';
import { findTopology, getTopologyValue, topologyNames } from '../../src/overlay/catalogue.js';
import { exponentialSequence } from '../../src/overlay/exponential.js';
import { mixingMatrix as sequenceMatrix, relabel, type MixingSequence } from '../../src/overlay/mixing-sequence.js';
import { onePeerExponentialSequence } from '../../src/overlay/one-peer-exponential.js';
import { toOverlayFile } from '../../src/overlay/overlay-file.js';
import { readScheduleFile } from '../../src/overlay/schedule-file.js';
import { ringOf, type TopologyContext, type TopologyPlan } from '../../src/overlay/topology.js';
import { createRng } from '../../src/random.js';
import { maxPlusRoundEnds } from '../../src/timing/clock.js';
import { edgeDelaysMs } from '../../src/overlay/overlay.js';
import { fakeTrainer } from '../learning/fake-trainer.js';
import { TOY_COLOUR, TOY_MIXING, toyPairs } from '../fixtures/toy-topology.js';
import { CATEGORY_COLOURS, colourScale, cycleTimeSpec, renderSvg } from '../../src/report/plots.js';
import { NETWORKS, networkFile, ringOverlayFile, ROOT } from '../helpers.js';

/** The triangle of test/learning/schedule.test.ts: d(AB) = 18.5, d(BC) = 27, d(AC) = 31.25 ms at degree 1, C = 5 ms. */
const triangle = {
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
const triangleWorkload = { name: 'custom', modelSizeBits: 1e6, computeMs: 5, rounds: 10 };

function linearData(n: number, perSilo: number, dim: number, seed: number): EngineData {
  const rng = createRng(seed);
  const make = (size: number) => {
    const x = new Float32Array(size * dim),
      y = new Float32Array(size);
    for (let s = 0; s < size; s++) {
      let t = 0.5;
      for (let d = 0; d < dim; d++) {
        const v = rng.normal();
        x[s * dim + d] = v;
        t += v;
      }
      y[s] = t;
    }
    return { x, y, size };
  };
  return { shards: Array.from({ length: n }, () => make(perSilo)), test: make(50) };
}

/** The per-silo max-plus clock written out again, with the section-3 delay at each round's degrees. */
function independentClock(ctx: TopologyContext, plan: TopologyPlan, rounds: number): number[] {
  const n = ctx.cg.n,
    k = ctx.k;
  let t = new Float64Array(n);
  const ends: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const strong = plan.round(r).strong;
    const out = new Int32Array(n),
      inn = new Int32Array(n);
    for (const [a, b] of strong) {
      out[a]++;
      inn[b]++;
    }
    const next = t.map((x, j) => x + k.computeMs[j]);
    for (const [a, b] of strong) {
      const key = a * n + b;
      const d =
        k.computeMs[a] +
        ctx.cg.latencyMs[key] +
        Math.max(out[a] * k.uploadMs[a], inn[b] * k.downloadMs[b], k.modelSizeBits / ctx.cg.bandwidthBitsPerMs[key]);
      next[b] = Math.max(next[b], t[a] + d);
    }
    t = next;
    ends.push(Math.max(...t));
  }
  return ends;
}

describe('a toy topology added in one file (test/fixtures/toy-topology.ts)', async () => {
  await import('../fixtures/toy-topology.js');

  it('is listed, and timed by computeCycleTimes: hand-computed max-plus clock on the triangle', () => {
    expect(topologyNames((t) => t.supports.training)).toContain('toy-odd-even');
    // rounds alternate A-B and B-C. Silo ends (A, B, C): round 0 (18.5, 18.5, 5);
    // round 1 (23.5, 32, 45.5); round 2 (50.5, 42, 50.5); round 3 (55.5, 77.5, 69):
    // the 4 rounds end at 77.5 ms, 19.375 ms per round
    const r = computeCycleTimes({ network: triangle, workload: triangleWorkload, rounds: 4, topologies: ['toy-odd-even'] });
    expect(r.results[0].topology).toBe('toy-odd-even');
    expect(Math.abs(r.results[0].cycleTimeMs - 19.375)).toBeLessThan(1e-12);
    const ctx = prepareContext({ network: triangle, workload: triangleWorkload, rounds: 4 });
    const plan = getTopologyValue('toy-odd-even').build(ctx);
    expect([0, 1, 2, 3].map((k) => maxPlusRoundEnds(plan).roundEndMs(k))).toEqual([18.5, 45.5, 50.5, 77.5]);
  });

  it('is trained by the engine with the fake trainer, mixing with its own weights', () => {
    const ctx = prepareContext({ network: networkFile('gaia'), workload: 'femnist', rounds: 5 });
    const schedule = trainingSchedule(ctx, { topology: 'toy-odd-even', mixing: 'metropolis' }, new Array(11).fill(10));
    expect(schedule.plan(0).mixing[0]).toEqual([
      { from: 0, weight: 0.5, stale: false },
      { from: 1, weight: 0.5, stale: false },
    ]);
    expect(schedule.plan(0).mixing[10]).toEqual([{ from: 10, weight: 1, stale: false }]);
    expect(schedule.plan(1).mixing[0]).toEqual([{ from: 0, weight: 1, stale: false }]);
    const tr = fakeTrainer(3);
    const data = linearData(11, 16, 3, 2);
    const one = runRounds(initEngineState(tr, 11, 1), tr, schedule, data, {
      rounds: 1,
      localSteps: 1,
      batchSize: 4,
      lr: 0.05,
      seed: 1,
      evalEvery: 1,
    });
    // the pairs of round 0 averaged: both silos of a pair hold the same model, the odd one out its own
    expect(Array.from(one.weights[0])).toEqual(Array.from(one.weights[1]));
    expect(Array.from(one.weights[8])).toEqual(Array.from(one.weights[9]));
    expect(Array.from(one.weights[9])).not.toEqual(Array.from(one.weights[10]));
    const five = runRounds(initEngineState(tr, 11, 1), tr, schedule, data, {
      rounds: 5,
      localSteps: 1,
      batchSize: 4,
      lr: 0.05,
      seed: 1,
      evalEvery: 1,
    });
    expect(five.metrics).toHaveLength(5);
    expect(five.simulatedMs).toBe(maxPlusRoundEnds(getTopologyValue('toy-odd-even').build(ctx)).roundEndMs(4));
  });

  it("brings its own mixing rule: the plan carries it, and the schedule's rows are its rows", () => {
    const ctx = prepareContext({ network: networkFile('gaia'), workload: 'femnist', rounds: 5 });
    const plan = getTopologyValue('toy-odd-even').build(ctx);
    expect(plan.mixing).toBe(TOY_MIXING);
    const schedule = trainingSchedule(ctx, { topology: 'toy-odd-even', mixing: 'uniform' }, new Array(11).fill(10));
    const rule = TOY_MIXING.rule(11, { shardSizes: new Array(11).fill(10), scheme: 'uniform' });
    for (const k of [0, 1, 2]) expect(schedule.plan(k).mixing).toEqual(rule(plan.round(k), k > 0 ? plan.round(k - 1) : null));
  });

  it('brings its own colour: every plot of a report draws it in that colour, the others keep the palette', async () => {
    const scale = colourScale(['ring', 'toy-odd-even', 'mst']);
    expect(scale.range).toEqual([CATEGORY_COLOURS[0], TOY_COLOUR, CATEGORY_COLOURS[2]]);
    // a report's cycle-time chart: the toy's bar in its colour, RING's in the palette's first
    const r = computeCycleTimes({ network: triangle, workload: triangleWorkload, rounds: 4, topologies: ['ring', 'toy-odd-even'] });
    const svg = (await renderSvg(cycleTimeSpec([{ label: 'run', report: r }]))).toLowerCase();
    expect(svg).toContain(`fill="${TOY_COLOUR}"`);
    expect(svg).toContain(`fill="${CATEGORY_COLOURS[0].toLowerCase()}"`);
  });

  it('is drawn by describeTopology: the union of its period, and its two states', () => {
    const ctx = prepareContext({ network: networkFile('gaia'), workload: 'femnist', rounds: 5 });
    const d = describeTopology(ctx, 'toy-odd-even');
    const union = [...toyPairs(11, 0), ...toyPairs(11, 1)];
    expect(d.edges).toEqual(union);
    expect(d.states?.map((s) => s.strong)).toEqual([toyPairs(11, 0), toyPairs(11, 1)]);
    expect(d.cycleTimeMs).toBeGreaterThan(0);
  });
});

describe.each(NETWORKS)('%s: the catalogue on a paper network', (net) => {
  const ctx = prepareContext({ network: networkFile(net), workload: 'femnist', overlayFile: ringOverlayFile(net), rounds: 60 });
  const n = ctx.cg.n;

  it("every static overlay's critical circuit has the cycle time as its mean delay (STAR: its one-way star)", () => {
    const statics = topologyNames((t) => t.supports.cycleTime && (t.family === 'static' || t.family === 'server'));
    expect(statics).toEqual(expect.arrayContaining(['star', 'mst', 'delta-mbst', 'ring', 'exponential', 'overlay']));
    const index = new Map(ctx.cg.silos.map((s, i) => [s, i]));
    for (const name of statics) {
      const plan = getTopologyValue(name).build(ctx);
      expect(plan.static, name).toBe(true);
      const o = plan.overlay!;
      const d = edgeDelaysMs(o, ctx.k);
      const delay = new Map(o.edges.map((e, i) => [e.from * n + e.to, d[i]]));
      const c = plan.criticalCircuit.map((s) => index.get(s)!);
      expect(c.length, name).toBeGreaterThan(1);
      const mean = c.reduce((sum, a, i) => sum + delay.get(a * n + c[(i + 1) % c.length])!, 0) / c.length;
      const expected = name === 'star' ? (plan.details!.oneWayCycleTimeMs as number) : plan.cycleTimeMs;
      expect(Math.abs(mean - expected) / expected, name).toBeLessThan(1e-12);
    }
  });

  it.each(['one-peer-exponential', 'base-2', 'base-3', 'base-5', 'equidyn'])(
    '%s: cycle time = end of round K / K of the per-silo max-plus clock',
    (name) => {
      const plan = getTopologyValue(name).build(ctx);
      expect(plan.static).toBe(false);
      const ends = independentClock(ctx, plan, 60);
      for (const k of [0, 1, 7, 59])
        expect(Math.abs(maxPlusRoundEnds(plan).roundEndMs(k) - ends[k]) / ends[k], `${name} round ${k}`).toBeLessThan(1e-12);
      expect(Math.abs(plan.cycleTimeMs - ends[59] / 60) / plan.cycleTimeMs).toBeLessThan(1e-12);
      console.log(`${net.padEnd(14)} ${name.padEnd(22)} ${plan.cycleTimeMs.toFixed(2)} ms per round over 60 rounds`);
    },
  );

  it('multigraph-exponential: at t = 1 it is the exponential graph itself; at t = 5 no slower', () => {
    const expo = getTopologyValue('exponential').build(ctx).cycleTimeMs;
    const t1 = getTopologyValue('multigraph-exponential').build({ ...ctx, tMax: 1, cache: new Map() }).cycleTimeMs;
    expect(Math.abs(t1 - expo) / expo).toBeLessThan(1e-12);
    const t5 = getTopologyValue('multigraph-exponential').build(ctx).cycleTimeMs;
    expect(t5).toBeLessThanOrEqual(expo);
    console.log(`${net.padEnd(14)} exponential ${expo.toFixed(2)} ms, multigraph-exponential ${t5.toFixed(2)} ms`);
  });
});

describe('the new topologies train (fake trainer, 5 rounds on gaia) with their own weights', () => {
  const ctx = prepareContext({ network: networkFile('gaia'), workload: 'femnist', rounds: 5 });
  const order = ringOf(ctx).tour;
  const sequences: Record<string, MixingSequence> = {
    exponential: relabel(exponentialSequence(11), order),
    'one-peer-exponential': relabel(onePeerExponentialSequence(11), order),
    'base-2': relabel(baseGraphSequence(11, 1), order),
    'base-3': relabel(baseGraphSequence(11, 2), order),
  };

  it.each(['exponential', 'one-peer-exponential', 'base-2', 'base-3', 'base-5', 'equidyn', 'multigraph-exponential'])('%s', (name) => {
    const schedule = trainingSchedule(ctx, { topology: name, mixing: 'metropolis' }, new Array(11).fill(10));
    const tr = fakeTrainer(3);
    const s = runRounds(initEngineState(tr, 11, 4), tr, schedule, linearData(11, 16, 3, 5), {
      rounds: 5,
      localSteps: 1,
      batchSize: 4,
      lr: 0.05,
      seed: 4,
      evalEvery: 5,
    });
    expect(s.metrics).toHaveLength(5);
    expect(tr.calls).toBe(55);
    expect(s.simulatedMs).toBe(maxPlusRoundEnds(getTopologyValue(name).build(ctx)).roundEndMs(4));
    const seq = sequences[name];
    if (seq)
      for (let k = 0; k < 5; k++)
        expect(rowsMatrix(schedule.plan(k).mixing), `${name} round ${k}`).toEqual(sequenceMatrix(seq.round(k), 11));
    if (seq)
      expect(getTopologyValue(name).build(ctx).details).toMatchObject({ siloOrder: 'ring tour', order: order.map((i) => ctx.cg.silos[i]) });
  });
});

describe('schedule files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-schedule-'));
  const ctx = prepareContext({ network: networkFile('gaia'), workload: 'femnist', rounds: 40 });
  const ring = ringOf(ctx).overlay;
  const half = (parity: number) => ({ ...ring, edges: ring.edges.filter((_, i) => i % 2 === parity) });

  it('round-trips: the rounds read back are the ones written, timed by the max-plus clock', () => {
    const f = path.join(dir, 'two-rounds.json');
    writeFileSync(f, JSON.stringify([toOverlayFile(half(0)), toOverlayFile(half(1))]));
    const rounds = readScheduleFile(f, ctx.cg);
    expect(rounds.map((o) => o.edges)).toEqual([half(0).edges, half(1).edges]);
    const report = computeCycleTimes({
      network: networkFile('gaia'),
      workload: 'femnist',
      rounds: 40,
      scheduleFile: f,
      topologies: ['ring'],
    });
    expect(report.results.map((r) => r.topology)).toEqual(['ring', 'schedule']);
    const sctx = prepareContext({ network: networkFile('gaia'), workload: 'femnist', rounds: 40, scheduleFile: f });
    const plan = getTopologyValue('schedule').build(sctx);
    expect(plan.round(3).strong).toEqual(half(1).edges.map((e) => [e.from, e.to]));
    const ends = independentClock(sctx, plan, 40);
    expect(Math.abs(report.results[1].cycleTimeMs - ends[39] / 40) / ends[39]).toBeLessThan(1e-12);
    // trained with the run's scheme on each round's edges
    const schedule = trainingSchedule(sctx, { topology: 'schedule', mixing: 'uniform' }, new Array(11).fill(1));
    const e = half(0).edges[0];
    expect(schedule.plan(0).mixing[e.to]).toEqual([
      { from: e.to, weight: 0.5, stale: false },
      { from: e.from, weight: 0.5, stale: false },
    ]);
  });

  it('rejects a bad entry naming the file and the entry, and a file that is not a list', () => {
    const f = path.join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify([toOverlayFile(half(0)), { ...toOverlayFile(half(1)), edges: [['Virginia', 'Atlantis']] }]));
    expect(() => readScheduleFile(f, ctx.cg)).toThrow(DflsimInputError);
    expect(() => readScheduleFile(f, ctx.cg)).toThrow(`${f}: entry 1: edges[0]: unknown silo "Atlantis"`);
    const g = path.join(dir, 'object.json');
    writeFileSync(g, JSON.stringify(toOverlayFile(ring)));
    expect(() => readScheduleFile(g, ctx.cg)).toThrow(/expected a JSON list of overlays/);
    const h = path.join(dir, 'disconnected.json');
    writeFileSync(h, JSON.stringify([toOverlayFile(half(0))]));
    expect(() => readScheduleFile(h, ctx.cg)).toThrow(/not strongly connected/);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), 'cycle-time', '-n', networkFile('gaia'), '--schedule', f], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`dflsim: ${f}: entry 1: edges[0]: unknown silo "Atlantis"`);
    expect(r.stdout).toBe('');
  });
});

describe('names', () => {
  it('resolves base-(k+1) for any k >= 1 and multigraph-<static overlay> only', () => {
    expect(findTopology('base-17')?.name).toBe('base-17');
    expect(findTopology('base-1')).toBeUndefined();
    expect(findTopology('multigraph-exponential')?.family).toBe('multigraph');
    expect(findTopology('multigraph-matcha')).toBeUndefined();
    expect(findTopology('multigraph-equidyn')).toBeUndefined();
    expect(() => getTopologyValue('hypercube')).toThrow(/unknown topology "hypercube"; expected one of star, matcha/);
  });

  it('the config schema takes its names from the catalogue', () => {
    const cfg = validateConfig(
      { kind: 'train', network: 'gaia', topology: 'base-4', sweep: { topology: ['exponential', 'equidyn', 'multigraph-exponential'] } },
      'x.json',
    );
    expect(cfg.kind === 'train' && cfg.topology).toBe('base-4');
    expect(() => validateConfig({ kind: 'train', network: 'gaia', topology: 'multigraph-equidyn' }, 'x.json')).toThrow(
      /topology: unknown topology "multigraph-equidyn" \(did you mean "equidyn"\?\); expected one of/,
    );
    expect(() => validateConfig({ kind: 'cycle-times', networks: ['gaia'], topologies: ['local'] }, 'x.json')).toThrow(
      /topologies\[0\]: topology "local" cannot be used here; expected one of/,
    );
  });
});

describe('the runner trains a config over a catalogue topology (fake trainer)', () => {
  it.each([
    ['base-3', 11],
    ['centralised', 1],
    ['schedule', 11],
  ])('%s', async (topology, silos) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-run-'));
    const ctx = prepareContext({ network: networkFile('gaia'), workload: 'femnist' });
    const ring = ringOf(ctx).overlay;
    writeFileSync(
      path.join(dir, 'rounds.json'),
      JSON.stringify([0, 1].map((p) => toOverlayFile({ ...ring, edges: ring.edges.filter((_, i) => i % 2 === p) }))),
    );
    const cfg = validateConfig(
      {
        kind: 'train',
        name: topology,
        network: networkFile('gaia'),
        topology,
        ...(topology === 'schedule' ? { schedule: 'rounds.json' } : {}),
        workload: { name: 'custom', modelSizeBits: 1e7, computeMs: 25 },
        model: { name: 'linear', inputSize: 16 },
        dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
        rounds: 5,
        batchSize: 2,
        lr: 1e-6,
        evalEvery: 5,
        seed: 2,
      },
      path.join(dir, 'x.json'),
    ) as TrainConfig;
    const trainer = fakeTrainer(256);
    const s = await runTraining(cfg, path.join(dir, 'x.json'), { outDir: path.join(dir, 'out'), trainer });
    expect(s).toMatchObject({ rounds: 5, completed: true, silos });
    expect(trainer.calls).toBe(5 * silos);
    const drawing = JSON.parse(readFileSync(path.join(dir, 'out', 'topology.json'), 'utf8'));
    expect(drawing.topology).toBe(topology);
    expect(drawing.edges.length > 0).toBe(topology !== 'centralised');
  });
});
