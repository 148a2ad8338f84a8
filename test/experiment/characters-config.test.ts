/**
 * Classification configs: the character datasets' fields and defaults, the model / dataset /
 * partition checks (each naming its field), and a small classification run end to end
 * through `runTraining` (a real 62-class linear model on synthetic characters) whose
 * metrics.csv, summary and report carry the accuracy.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { loadConfig, validateConfig, type TrainConfig } from '../../src/experiment/config.js';
import { runTraining } from '../../src/experiment/runner.js';
import { parseMetricsCsv, writeReport } from '../../src/report/write.js';
import { fakeTrainer } from '../learning/fake-trainer.js';
import { networkFile, ROOT } from '../helpers.js';

function errorOf(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected a DflsimInputError');
}

const train = (extra: Record<string, unknown>): TrainConfig =>
  validateConfig({ kind: 'train', network: 'gaia', ...extra }, 'x.json') as TrainConfig;

describe('character dataset configs', () => {
  it('fills the defaults: 110 writers, 20% of each writer held out, by-writer, 28x28', () => {
    const cfg = train({ model: { name: 'femnist-cnn' }, dataset: { kind: 'synthetic-characters' } });
    expect(cfg.dataset).toEqual({ kind: 'synthetic-characters', writers: 110, testFraction: 0.2 });
    expect(cfg.partition).toBe('by-writer');
    expect(cfg.model).toEqual({ name: 'femnist-cnn', inputSize: 28 });
    const leaf = train({
      model: { name: 'femnist-cnn' },
      dataset: { kind: 'leaf-femnist', files: ['a.json', 'b.json'] },
      partition: 'by-writer',
    });
    expect(leaf.dataset).toEqual({ kind: 'leaf-femnist', files: ['a.json', 'b.json'], invert: 'auto', testFraction: 0.2 });
    // driving configs keep theirs
    const driving = train({});
    expect(driving.partition).toBe('by-sequence');
    expect(driving.model).toEqual({ name: 'fadnet', inputSize: 64 });
  });

  it('refuses a model that does not fit the data, naming model.name', () => {
    const a = errorOf(() => train({ dataset: { kind: 'synthetic-characters' } }));
    expect(a.where).toBe('x.json: model.name');
    expect(a.message).toMatch(/"fadnet" regresses steering angles .* use "femnist-cnn"/);
    const b = errorOf(() => train({ model: { name: 'femnist-cnn' } }));
    expect(b.where).toBe('x.json: model.name');
    expect(b.message).toMatch(/"femnist-cnn" classifies 28x28 characters; dataset "synthetic-driving" holds driving frames/);
    const c = errorOf(() => train({ model: { name: 'dronet' }, dataset: { kind: 'synthetic-characters' } }));
    expect(c.where).toBe('x.json: model.name');
    expect(c.message).toMatch(/"dronet" regresses steering angles .* use "femnist-cnn"/);
  });

  it('refuses driving partitions on characters and by-writer on driving data, naming partition', () => {
    for (const partition of ['by-sequence', 'iid', { kind: 'dirichlet', alpha: 0.5 }]) {
      const e = errorOf(() => train({ model: { name: 'femnist-cnn' }, dataset: { kind: 'synthetic-characters' }, partition }));
      expect(e.where).toBe('x.json: partition');
      expect(e.message).toMatch(/is split by writer .* use "by-writer"/);
    }
    const e = errorOf(() => train({ partition: 'by-writer' }));
    expect(e.where).toBe('x.json: partition');
    expect(e.message).toMatch(/"by-writer" splits character datasets by writer/);
  });

  it('refuses another image size, bad fields and unknown fields', () => {
    expect(errorOf(() => train({ model: { name: 'femnist-cnn', inputSize: 64 }, dataset: { kind: 'synthetic-characters' } })).where).toBe(
      'x.json: model.inputSize',
    );
    expect(train({ model: { name: 'femnist-cnn', inputSize: 28 }, dataset: { kind: 'synthetic-characters' } }).model.inputSize).toBe(28);
    expect(
      errorOf(() => train({ model: { name: 'femnist-cnn' }, dataset: { kind: 'synthetic-characters', testFraction: 1 } })).message,
    ).toMatch(/dataset\.testFraction/);
    expect(
      errorOf(() => train({ model: { name: 'femnist-cnn' }, dataset: { kind: 'synthetic-characters', meanSamplesPerWriter: 5 } })).message,
    ).toMatch(/dataset\.meanSamplesPerWriter/);
    expect(
      errorOf(() => train({ model: { name: 'femnist-cnn' }, dataset: { kind: 'synthetic-characters', sequences: 3 } })).message,
    ).toMatch(/dataset: unknown field "sequences"/);
    expect(errorOf(() => train({ model: { name: 'femnist-cnn' }, dataset: { kind: 'leaf-femnist' } })).message).toMatch(/dataset\.files/);
  });

  it('loadConfig checks that LEAF files exist, relative to the config file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-leafcfg-'));
    const f = path.join(dir, 'c.json');
    writeFileSync(
      f,
      JSON.stringify({
        kind: 'train',
        network: 'gaia',
        model: { name: 'femnist-cnn' },
        dataset: { kind: 'leaf-femnist', files: ['data/x.json'] },
      }),
    );
    const e = errorOf(() => loadConfig(f));
    expect(e.where).toBe(`${f}: dataset.files[0]`);
    expect(e.message).toMatch(/not found: .*data\/x\.json/);
  });

  it('the shipped classification configs validate', () => {
    for (const name of ['multigraph-accuracy', 'multigraph-accuracy-time', 'multigraph-t-tradeoff']) {
      const cfg = loadConfig(path.join(ROOT, 'experiments', `${name}.json`));
      expect(cfg.kind).toBe('train');
      if (cfg.kind !== 'train') continue;
      expect(cfg.model.name).toBe('femnist-cnn');
      expect(cfg.partition).toBe('by-writer');
    }
  });
});

describe('a classification run end to end', () => {
  it('writes testAccuracy and siloTestAccuracy to metrics.csv, the summary and the report', async () => {
    const cfg = train({
      name: 'chars',
      network: networkFile('gaia'),
      topology: 'ring',
      model: { name: 'linear' },
      dataset: { kind: 'synthetic-characters', writers: 22, meanSamplesPerWriter: 30 },
      rounds: 20,
      batchSize: 16,
      lr: 0.01,
      evalEvery: 10,
      evalSilos: true,
      seed: 3,
      backend: 'wasm',
      workers: 1,
    });
    const out = mkdtempSync(path.join(tmpdir(), 'dflsim-chars-'));
    const s = await runTraining(cfg, 'chars.json', { outDir: out });
    expect(s.task).toBe('classification');
    expect(s.completed).toBe(true);
    expect(s.shards).toHaveLength(11);
    // 22 writers over 11 silos: 2 whole writers each
    expect(s.shards.every((x) => x.writers === 2)).toBe(true);
    expect(Number.isNaN(s.constantPredictorRmse)).toBe(true);
    expect(s.majorityClassAccuracy).toBeGreaterThan(0);
    expect(s.siloTestAccuracy).toHaveLength(11);
    expect(s.cycleTimeMs).toBeGreaterThan(0);
    const csv = readFileSync(path.join(out, 'metrics.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(
      'round,simulatedMs,wallMs,trainLoss,testLoss,testRmse,consensus,siloTestRmse,isolated,down,testAccuracy,siloTestAccuracy,keptOwn',
    );
    const rows = parseMetricsCsv(csv, 'metrics.csv');
    const evals = rows.filter((r) => r.testLoss !== null);
    expect(evals.map((r) => r.round)).toEqual([9, 19]);
    for (const r of evals) {
      expect(r.testRmse).toBeNull();
      expect(r.testAccuracy).toBeGreaterThan(0);
      expect(r.testAccuracy).toBeLessThanOrEqual(1);
      expect(r.siloTestAccuracy).toBeGreaterThan(0);
    }
    expect(rows.filter((r) => r.testLoss === null).every((r) => r.testAccuracy === null)).toBe(true);
    expect(s.testAccuracy).toBe(evals[1].testAccuracy);
    // the mean of the silos' own accuracies is the CSV's siloTestAccuracy
    expect(s.siloTestAccuracy!.reduce((a, b) => a + b, 0) / 11).toBeCloseTo(evals[1].siloTestAccuracy!, 12);
    // a 62-class softmax regression after 20 rounds beats always answering the majority class
    expect(s.testAccuracy!).toBeGreaterThan(s.majorityClassAccuracy!);
    await writeReport(out);
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(
      /\| topology \| rounds \| simulated time \(s\) \| cycle time \(ms\) \| isolated silos per round \| kept own model per round \| test accuracy \| silo models' mean accuracy \| wall time \(s\) \|/,
    );
    expect(md).toContain(`| ring | 20 | `);
    expect(md).toContain(`${(100 * s.testAccuracy!).toFixed(1)}%`);
    expect(md).toMatch(/always answering the most frequent training class scores \d+\.\d%/);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Test accuracy of the averaged model against rounds');
  }, 120_000);

  it('a regression run keeps its columns, with empty accuracy cells', async () => {
    const cfg = train({
      name: 'drive',
      network: networkFile('gaia'),
      topology: 'ring',
      model: { name: 'linear', inputSize: 16 },
      dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
      rounds: 4,
      batchSize: 2,
      lr: 1e-4,
      evalEvery: 2,
      seed: 1,
    });
    const out = mkdtempSync(path.join(tmpdir(), 'dflsim-drive-'));
    const s = await runTraining(cfg, 'drive.json', { outDir: out, trainer: fakeTrainer(16 * 16) });
    expect(s.task).toBe('regression');
    expect(s.majorityClassAccuracy).toBeNull();
    expect(s.testAccuracy).toBeNull();
    const lines = readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    // round 1 evaluated: RMSE filled, the two accuracy columns empty (then keptOwn)
    expect(lines[2]).toMatch(/,,,\d+$/);
    expect(parseMetricsCsv(lines.join('\n'), 'm.csv')[1].testRmse).toBeGreaterThan(0);
  });
});
