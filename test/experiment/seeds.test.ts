/**
 * Seeds as an axis: every (run, seed) in its own directory, the same bits as a single run of
 * that seed whatever the order or process count; the model size and the evaluation period
 * from the run itself; a budget that stops within it; a finished run re-run with --resume.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/experiment.js';
import { experimentSummaryText } from '../../src/report/console-summary.js';
import { computeCycleTimes } from '../../src/experiment/cycle-times.js';
import { configSeeds, expandTrainRuns, validateConfig, type TrainConfig } from '../../src/experiment/config.js';
import { ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');

const BASE = {
  kind: 'train',
  name: 'seeds',
  network: 'gaia-cities',
  model: { name: 'linear', inputSize: 16 },
  dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
  rounds: 6,
  batchSize: 4,
  lr: 0.01,
  workers: 1,
};

function write(dir: string, name: string, cfg: object): string {
  const f = path.join(dir, name);
  writeFileSync(f, JSON.stringify(cfg));
  return f;
}

/** metrics.csv without its wall-clock column. */
function metricsBits(dir: string): string {
  const lines = readFileSync(path.join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  const wall = lines[0].split(',').indexOf('wallMs');
  return lines
    .map((l) =>
      l
        .split(',')
        .filter((_, i) => i !== wall)
        .join(','),
    )
    .join('\n');
}

describe('seeds', () => {
  it('seeds, repeats and sweep.seed give the same seed axis, last in the labels; one way only', () => {
    const runs = (raw: object) =>
      expandTrainRuns(validateConfig({ ...BASE, ...raw }, 'c.json') as TrainConfig).map((r) => [r.label, r.config.seed]);
    expect(runs({ seeds: [3, 5], sweep: { topology: ['ring', 'mst'] } })).toEqual([
      ['topology=ring,seed=3', 3],
      ['topology=ring,seed=5', 5],
      ['topology=mst,seed=3', 3],
      ['topology=mst,seed=5', 5],
    ]);
    expect(runs({ seed: 7, repeats: 3 })).toEqual([
      ['seed=7', 7],
      ['seed=8', 8],
      ['seed=9', 9],
    ]);
    expect(runs({ sweep: { seed: [1, 2] } })).toEqual([
      ['seed=1', 1],
      ['seed=2', 2],
    ]);
    // one seed: no axis (the run is the config's own)
    expect(runs({ seeds: [4] })).toEqual([['run', 4]]);
    expect(configSeeds(validateConfig({ ...BASE, seed: 2 }, 'c.json') as TrainConfig)).toEqual([2]);
    expect(() => validateConfig({ ...BASE, seeds: [1], repeats: 2 }, 'c.json')).toThrow(/c\.json: repeats: give the seeds once/);
    expect(() => validateConfig({ ...BASE, seeds: [1, 1] }, 'c.json')).toThrow(/c\.json: seeds: seed 1 is listed twice/);
    expect(() => validateConfig({ ...BASE, seeds: [1], sweep: { seed: [2] } }, 'c.json')).toThrow(/give the seeds once/);
  });

  it('each (run, seed) has its own directory with the same bits as a single run of that seed, sequentially and in parallel processes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-seeds-'));
    const sweep = write(dir, 'sweep.json', { ...BASE, seeds: [1, 2], sweep: { topology: ['ring', 'mst'] } });
    const res = await runExperiment(sweep, { outDir: path.join(dir, 'seq') });
    expect(res.runs!.map((r) => [r.topology, r.seed])).toEqual([
      ['ring', 1],
      ['ring', 2],
      ['mst', 1],
      ['mst', 2],
    ]);
    await runExperiment(sweep, { outDir: path.join(dir, 'par'), parallelRuns: 2 });
    for (const [topology, seed] of [
      ['ring', 2],
      ['mst', 1],
    ] as const) {
      const single = write(dir, `single-${topology}-${seed}.json`, { ...BASE, topology, seed });
      const out = path.join(dir, `single-${topology}-${seed}`);
      await runExperiment(single, { outDir: out });
      const run = `topology=${topology},seed=${seed}`;
      expect(metricsBits(path.join(dir, 'seq', run))).toBe(metricsBits(out));
      expect(metricsBits(path.join(dir, 'par', run))).toBe(metricsBits(out));
    }
    // the report aggregates over the seeds
    const cli = spawnSync(process.execPath, [BIN, 'report', path.join(dir, 'seq')], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    const report = readFileSync(path.join(dir, 'seq', 'report.md'), 'utf8');
    expect(report).toMatch(/### Runs over seeds: mean ± 95% interval \(Student t\)/);
    expect(report).toMatch(/\| ring \| 2 \|/);
    expect(report).toMatch(/Verdict rule:/);
  }, 300_000);

  it("--seeds on the command line replaces the config's seeds", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-seeds-cli-'));
    const cfg = write(dir, 'c.json', { ...BASE, rounds: 2, repeats: 5 });
    const out = path.join(dir, 'out');
    const r = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', out, '--seeds', '4,9'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(out, 'seed=4', 'metrics.csv')) && existsSync(path.join(out, 'seed=9', 'metrics.csv'))).toBe(true);
    expect(existsSync(path.join(out, 'seed=5'))).toBe(false);
    const bad = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', path.join(dir, 'bad'), '--seeds', '1,x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--seeds: expected comma-separated non-negative integers/);
    expect(existsSync(path.join(dir, 'bad'))).toBe(false);
  }, 120_000);
});

describe('what a training run simulates', () => {
  it("without a workload, the links carry the trained model (parameters x 32 bits) and a step takes the model's documented default", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-size-'));
    const f = write(dir, 'c.json', { ...BASE, rounds: 3 });
    const logs: string[] = [];
    const res = await runExperiment(f, { outDir: path.join(dir, 'out'), log: (l) => logs.push(l) });
    const s = res.runs![0];
    // the linear model on 16x16 frames: 256 weights and a bias
    expect(s.model.params).toBe(257);
    expect(s.simulated!.modelSizeBits).toBe(257 * 32);
    expect(s.simulated!.modelSizeSource).toBe('model: 257 parameters x 32 bits');
    expect(s.simulated!.computeMs).toBe(1.5);
    expect(logs.some((l) => /computeMs not set: each local step is timed as 1\.5 ms, linear's default/.test(l))).toBe(true);
    // the run's cycle time is RING's with that model size and step time
    const ring = computeCycleTimes({
      network: 'gaia-cities',
      workload: { name: 'x', modelSizeBits: 257 * 32, computeMs: 1.5, rounds: 6400 },
      topologies: ['ring'],
    }).results[0].cycleTimeMs;
    expect(s.cycleTimeMs).toBeCloseTo(ring, 9);
    expect(experimentSummaryText(res)).toContain('model 8,224 bits (model: 257 parameters x 32 bits)');
    // a config's modelSizeBits wins, and says so
    const g = write(dir, 'g.json', { ...BASE, rounds: 3, modelSizeBits: 1e6, computeMs: 3 });
    const r2 = (await runExperiment(g, { outDir: path.join(dir, 'out2') })).runs![0];
    expect(r2.simulated).toMatchObject({
      modelSizeBits: 1e6,
      modelSizeSource: 'config modelSizeBits',
      computeMs: 3,
      computeMsSource: 'config computeMs',
    });
  }, 120_000);

  it('evaluates about 20 times by default (every floor(rounds/20) rounds) and at the last round', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-eval-'));
    const f = write(dir, 'c.json', { ...BASE, rounds: 45 });
    const s = (await runExperiment(f, { outDir: path.join(dir, 'out') })).runs![0];
    expect(s.simulated!.evalEvery).toBe(2);
    const rows = readFileSync(path.join(dir, 'out', 'metrics.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const evaluated = rows.filter((r) => r[5] !== '').map((r) => Number(r[0]) + 1);
    expect(evaluated).toEqual([...Array.from({ length: 22 }, (_, i) => 2 * (i + 1)), 45]);
  }, 120_000);

  it('a budget shorter than the first round is refused, naming the field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-budget-'));
    const f = write(dir, 'c.json', { ...BASE, simulatedBudgetMs: 1 });
    const r = spawnSync(process.execPath, [BIN, 'run', f, '--out', path.join(dir, 'out')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /c\.json: simulatedBudgetMs: the first round of ring ends at [\d.]+ ms of simulated time, after the budget of 1 ms/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('a finished run keeps no checkpoint; --resume returns it without training again; another config is refused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-finished-'));
    const f = write(dir, 'c.json', { ...BASE, rounds: 4, checkpointEvery: 1 });
    const out = path.join(dir, 'out');
    expect(spawnSync(process.execPath, [BIN, 'run', f, '--out', out]).status).toBe(0);
    expect(existsSync(path.join(out, 'checkpoint.bin'))).toBe(false);
    const before = statSync(path.join(out, 'metrics.csv')).mtimeMs;
    const again = spawnSync(process.execPath, [BIN, 'run', f, '--out', out, '--resume'], { encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already finished/);
    expect(statSync(path.join(out, 'metrics.csv')).mtimeMs).toBe(before);
    writeFileSync(f, JSON.stringify({ ...BASE, rounds: 4, checkpointEvery: 1, lr: 0.5 }));
    const other = spawnSync(process.execPath, [BIN, 'run', f, '--out', out, '--resume'], { encoding: 'utf8' });
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/written by a different config; use --force/);
    // --keep-checkpoints keeps it
    const kept = path.join(dir, 'kept');
    expect(spawnSync(process.execPath, [BIN, 'run', f, '--out', kept, '--keep-checkpoints']).status).toBe(0);
    expect(existsSync(path.join(kept, 'checkpoint.bin'))).toBe(true);
  }, 120_000);
});
