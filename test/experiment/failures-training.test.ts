/**
 * Training on the event clock with a silo down for rounds 10-20 (the fake trainer): the
 * silo neither trains nor mixes in those rounds, its neighbours' mixing rows leave it out,
 * its model is frozen, metrics say so, and a run stopped inside the outage and resumed
 * from its checkpoint ends bit-identical to an uninterrupted one.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/experiment/checkpoint.js';
import { buildOnClock, prepareContext } from '../../src/experiment/cycle-times.js';
import { validateConfig, type TrainConfig } from '../../src/experiment/config.js';
import { runTraining } from '../../src/experiment/runner.js';
import { initEngineState, runRounds, type EngineData } from '../../src/learning/dpasgd.js';
import { mixingRule, scheduleFromPlan } from '../../src/learning/schedule.js';
import { findTopology } from '../../src/overlay/catalogue.js';
import { createRng } from '../../src/random.js';
import type { LocalTrainer } from '../../src/learning/trainer.js';
import { fakeTrainer } from '../learning/fake-trainer.js';

const DOWN = 'Dublin'; // silo 3 of gaia-cities
const failures = { silos: [{ silo: DOWN, fromRound: 10, toRound: 20 }] };

function data(n: number, dim: number): EngineData {
  const rng = createRng(4);
  const make = (size: number) => {
    const x = new Float32Array(size * dim),
      y = new Float32Array(size);
    for (let s = 0; s < size; s++) {
      let t = 0;
      for (let d = 0; d < dim; d++) {
        const v = rng.normal();
        x[s * dim + d] = v;
        t += v * (d % 3);
      }
      y[s] = t;
    }
    return { x, y, size };
  };
  return { shards: Array.from({ length: n }, () => make(40)), test: make(100) };
}

/** A trainer that records which silos (by their weights' identity in the round's jobs) it trained. */
function counting(dim: number): LocalTrainer & { perCall: Float32Array[] } {
  const t = fakeTrainer(dim);
  const perCall: Float32Array[] = [];
  return {
    ...t,
    perCall,
    train(w, o, b, lr, seed) {
      perCall.push(w);
      return t.train(w, o, b, lr, seed);
    },
  };
}

describe('a silo down for rounds 10-20 on the event clock', () => {
  const ctx = prepareContext({ network: 'gaia-cities', workload: 'femnist', rounds: 40, clock: 'events', failures });
  const plan = buildOnClock(findTopology('ring')!, ctx);
  const n = plan.n;
  const j = ctx.cg.silos.indexOf(DOWN);
  const schedule = scheduleFromPlan(plan, mixingRule(plan, n, { shardSizes: new Array(n).fill(1), scheme: 'metropolis' }));
  const d = data(n, 5);
  const opts = { rounds: 40, localSteps: 1, batchSize: 8, lr: 0.01, seed: 2, evalEvery: 5 };

  it('is listed down only in rounds 10..20, and no mixing row reads it then', () => {
    for (let k = 0; k < 40; k++) {
      const p = schedule.plan(k);
      const down = k >= 10 && k <= 20;
      expect(p.down ?? []).toEqual(down ? [j] : []);
      const readers = p.mixing.filter((row, i) => i !== j && row.some((t) => t.from === j));
      expect(readers.length).toBe(down ? 0 : 1); // RING is a directed cycle: its successor reads it when it is up
      if (down) expect(p.mixing[j]).toEqual([{ from: j, weight: 1, stale: false }]);
      for (const row of p.mixing) expect(row.reduce((s, t) => s + t.weight, 0)).toBeCloseTo(1, 12);
    }
  });

  it('is not trained and keeps its model through the outage; the others train every round', () => {
    const tr = counting(5);
    let at9: Float32Array | undefined;
    const calls: number[] = [];
    let before = 0;
    const s = runRounds(initEngineState(tr, n, 2), tr, schedule, d, {
      ...opts,
      afterRound: (st, row) => {
        calls.push(tr.perCall.length - before);
        before = tr.perCall.length;
        if (row.round === 9) at9 = st.weights[j].slice();
        if (row.round === 20) expect(Array.from(st.weights[j])).toEqual(Array.from(at9!));
        expect(row.down).toBe(row.round >= 10 && row.round <= 20 ? 1 : 0);
      },
    });
    expect(calls.slice(10, 21)).toEqual(new Array(11).fill(n - 1));
    expect(calls.slice(0, 10)).toEqual(new Array(10).fill(n));
    expect(calls.slice(21)).toEqual(new Array(19).fill(n));
    expect(s.round).toBe(40);
  });

  it('its neighbours do not wait for it: the outage rounds end no later than with it up', () => {
    const up = buildOnClock(
      findTopology('ring')!,
      prepareContext({ network: 'gaia-cities', workload: 'femnist', rounds: 40, clock: 'events' }),
    );
    for (let k = 10; k <= 20; k++) expect(plan.roundEndMs(k)).toBeLessThanOrEqual(up.roundEndMs(k) * (1 + 1e-12));
  });

  it('stopped in round 15 and resumed from the checkpoint, ends bit-identical', () => {
    const full = runRounds(initEngineState(fakeTrainer(5), n, 2), fakeTrainer(5), schedule, d, opts);
    const half = runRounds(initEngineState(fakeTrainer(5), n, 2), fakeTrainer(5), schedule, d, {
      ...opts,
      afterRound: (st) => st.round === 15,
    });
    const restored = decodeCheckpoint(encodeCheckpoint(half, 'h'), 'ck').state;
    const plan2 = buildOnClock(
      findTopology('ring')!,
      prepareContext({ network: 'gaia-cities', workload: 'femnist', rounds: 40, clock: 'events', failures }),
    );
    const schedule2 = scheduleFromPlan(plan2, mixingRule(plan2, n, { shardSizes: new Array(n).fill(1), scheme: 'metropolis' }));
    const rest = runRounds(restored, fakeTrainer(5), schedule2, d, opts);
    expect(rest.weights.map((w) => Array.from(w))).toEqual(full.weights.map((w) => Array.from(w)));
    const strip = (m: typeof full.metrics) => m.map(({ wallMs: _w, ...r }) => r);
    expect(strip(rest.metrics)).toEqual(strip(full.metrics));
  });
});

describe('runTraining on the event clock with a failure', () => {
  it("writes the down count per round and each silo's compute / send / wait", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-fail-'));
    const file = path.join(dir, 'c.json');
    const raw = {
      kind: 'train',
      name: 'f',
      network: 'gaia-cities',
      topology: 'ring',
      model: { name: 'linear', inputSize: 16 },
      dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
      rounds: 30,
      evalEvery: 10,
      checkpointEvery: 10,
      clock: 'events',
      failures,
    };
    writeFileSync(file, JSON.stringify(raw));
    const cfg = validateConfig(raw, file) as TrainConfig;
    await runTraining(cfg, file, { outDir: path.join(dir, 'out'), trainer: fakeTrainer(256) });
    const rows = readFileSync(path.join(dir, 'out', 'metrics.csv'), 'utf8')
      .trim()
      .split('\n');
    const header = rows[0].split(',');
    const down = rows.slice(1).map((r) => Number(r.split(',')[header.indexOf('down')]));
    expect(down).toEqual(Array.from({ length: 30 }, (_, k) => (k >= 10 && k <= 20 ? 1 : 0)));
    const times = readFileSync(path.join(dir, 'out', 'silo-times.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(times[0]).toBe('silo,computeMs,sendMs,waitMs');
    const dublin = times
      .find((l) => l.startsWith(`${DOWN},`))!
      .split(',')
      .map(Number);
    const virginia = times
      .find((l) => l.startsWith('Virginia,'))!
      .split(',')
      .map(Number);
    // Dublin computed 30 - 11 rounds, Virginia all 30: 1.5 ms per round (no workload: the linear
    // model's documented default step time, never another model's), one local step
    expect(dublin[1]).toBeCloseTo(19 * 1.5, 9);
    expect(virginia[1]).toBeCloseTo(30 * 1.5, 9);
  });
});
