import { describe, expect, it } from 'vitest';
import {
  averageWeights,
  consensusDistance,
  initEngineState,
  runRounds,
  runRoundsAsync,
  sampleBatch,
  type EngineData,
} from '../../src/learning/dpasgd.js';
import { localMixing, staticMixing } from '../../src/overlay/mixing-rules.js';
import type { TrainingSchedule } from '../../src/learning/schedule.js';
import { createRng } from '../../src/random.js';
import { fakeTrainer } from './fake-trainer.js';

function linearData(n: number, perSilo: number, dim: number, seed: number): EngineData {
  const rng = createRng(seed);
  const wTrue = Array.from({ length: dim }, () => rng.normal());
  const make = (size: number, shift: number, offset = 0) => {
    const x = new Float32Array(size * dim),
      y = new Float32Array(size);
    for (let s = 0; s < size; s++) {
      let t = 0.5;
      for (let d = 0; d < dim; d++) {
        const v = rng.normal() + shift;
        x[s * dim + d] = v;
        t += wTrue[d] * v;
      }
      y[s] = t + offset + 0.01 * rng.normal();
    }
    return { x, y, size };
  };
  return { shards: Array.from({ length: n }, (_, i) => make(perSilo, (i - n / 2) * 0.3, (i - (n - 1) / 2) * 0.4)), test: make(200, 0) };
}

const ringOverlay = (n: number) => ({
  topology: 'ring',
  silos: Array.from({ length: n }, (_, i) => `s${i}`),
  edges: Array.from({ length: n }, (_, i) => ({ from: i, to: (i + 1) % n, latencyMs: 1, bandwidthBitsPerMs: 1 })),
});

function schedule(n: number, rows = staticMixing(ringOverlay(n), 'uniform'), per = 10): TrainingSchedule {
  return { topology: 'ring', n, plan: (k) => ({ round: k, mixing: rows, endMs: (k + 1) * per, isolated: [] }) };
}

describe('DPASGD engine (fake trainer)', () => {
  const data = linearData(5, 64, 3, 1);
  const opts = { rounds: 120, localSteps: 2, batchSize: 8, lr: 0.05, seed: 3, evalEvery: 20 };

  it('trains: the averaged model beats the initial one, silos reach consensus on a ring', () => {
    const tr = fakeTrainer(3);
    const s0 = initEngineState(tr, 5, 3);
    const initial = tr.evaluate(s0.weights[0], data.test.x, data.test.y).rmse!;
    const s = runRounds(s0, tr, schedule(5), data, opts);
    expect(tr.calls).toBe(5 * 120);
    const last = s.metrics[s.metrics.length - 1];
    expect(last.testRmse!).toBeLessThan(initial / 3);
    expect(last.consensus!).toBeLessThan(0.05);
    expect(s.metrics.filter((m) => m.testRmse !== null).map((m) => m.round)).toEqual([19, 39, 59, 79, 99, 119]);
    expect(last.simulatedMs).toBe(1200);
  });

  it('without communication silos drift apart (consensus grows), with a ring they do not', () => {
    const a = runRounds(initEngineState(fakeTrainer(3), 5, 3), fakeTrainer(3), schedule(5, localMixing(5)), data, opts);
    const b = runRounds(initEngineState(fakeTrainer(3), 5, 3), fakeTrainer(3), schedule(5), data, opts);
    expect(a.metrics.at(-1)!.consensus!).toBeGreaterThan(10 * b.metrics.at(-1)!.consensus!);
  });

  it('stops at the simulated-time budget', () => {
    // rounds end every 10 ms: rounds 1-30 end within 305 ms, round 31 would end at 310 and is not trained
    const s = runRounds(initEngineState(fakeTrainer(3), 5, 3), fakeTrainer(3), schedule(5), data, { ...opts, simulatedBudgetMs: 305 });
    expect(s.metrics).toHaveLength(30);
    expect(s.metrics.at(-1)!.simulatedMs).toBeLessThanOrEqual(305);
    expect(s.done).toBe(true);
    expect(s.metrics.at(-1)!.testRmse).not.toBeNull();
    // a budget met exactly keeps its last round
    expect(
      runRounds(initEngineState(fakeTrainer(3), 5, 3), fakeTrainer(3), schedule(5), data, { ...opts, simulatedBudgetMs: 300 }).metrics,
    ).toHaveLength(30);
  });

  it('stopping after any round and resuming gives identical metrics and weights', () => {
    const full = runRounds(initEngineState(fakeTrainer(3), 5, 3), fakeTrainer(3), schedule(5), data, opts);
    const part = runRounds(initEngineState(fakeTrainer(3), 5, 3), fakeTrainer(3), schedule(5), data, {
      ...opts,
      afterRound: (st) => st.round === 47,
    });
    expect(part.round).toBe(47);
    const rest = runRounds(part, fakeTrainer(3), schedule(5), data, opts);
    const strip = (m: typeof full.metrics) => m.map(({ wallMs: _w, ...r }) => r);
    expect(strip(rest.metrics)).toEqual(strip(full.metrics));
    rest.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(full.weights[i])));
  });

  it('the asynchronous loop (used by the runner) gives the same rounds as the synchronous one', async () => {
    const a = runRounds(initEngineState(fakeTrainer(3), 5, 3), fakeTrainer(3), schedule(5), data, opts);
    const b = await runRoundsAsync(initEngineState(fakeTrainer(3), 5, 3), fakeTrainer(3), schedule(5), data, opts);
    const strip = (m: typeof a.metrics) => m.map(({ wallMs: _w, ...r }) => r);
    expect(strip(b.metrics)).toEqual(strip(a.metrics));
    b.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(a.weights[i])));
  });

  it('samples reproducible batches and measures consensus', () => {
    const b1 = sampleBatch(data.shards[0], 8, 42),
      b2 = sampleBatch(data.shards[0], 8, 42),
      b3 = sampleBatch(data.shards[0], 8, 43);
    expect(Array.from(b1.x)).toEqual(Array.from(b2.x));
    expect(Array.from(b1.x)).not.toEqual(Array.from(b3.x));
    // a batch has no repeated frame, and a batch larger than the shard is the whole shard
    const rows = (b: typeof b1) => Array.from({ length: b.size }, (_, i) => Array.from(b.x.subarray(i * 3, i * 3 + 3)).join());
    expect(new Set(rows(b1)).size).toBe(8);
    expect(new Set(rows(sampleBatch(data.shards[0], 500, 1))).size).toBe(64);
    expect(() => sampleBatch(data.shards[0], 0, 1)).toThrow(/batchSize: must be a positive integer/);
    expect(() => sampleBatch({ x: new Float32Array(0), y: new Float32Array(0), size: 0 }, 4, 1)).toThrow(/is empty/);
    expect(consensusDistance([Float32Array.of(0, 0), Float32Array.of(2, 0)])).toBeCloseTo(1, 12);
    expect(Array.from(averageWeights([Float32Array.of(1, 3), Float32Array.of(3, 5)]))).toEqual([2, 4]);
  });
});
