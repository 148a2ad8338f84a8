/**
 * Users' own data through `dflsim run` and the library: numpy arrays, a CSV table and an
 * image folder, each written by the test, read, partitioned over the network's silos, split
 * (saying how many samples went to the test set) and trained; a registered dataset; bad
 * files and fields refused with exit code 2 naming the file and field.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { writeNpz } from '../../src/data/numpy-write.js';
import { readNpzDataset } from '../../src/data/numpy.js';
import { registerDataset, unregisterDataset } from '../../src/data/user-data.js';
import { loadConfig, type TrainConfig } from '../../src/experiment/config.js';
import { baselineOf, prepareData } from '../../src/experiment/run-data.js';
import { runTraining } from '../../src/experiment/runner.js';
import { createRng } from '../../src/random.js';
import { parseMetricsCsv } from '../../src/report/write.js';
import { ROOT } from '../helpers.js';

function dflsim(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), ...args], { encoding: 'utf8', cwd });
  return { status: r.status, out: r.stdout + r.stderr };
}

function writeConfig(dir: string, fields: Record<string, unknown>): string {
  const file = path.join(dir, 'exp.json');
  writeFileSync(
    file,
    JSON.stringify({
      kind: 'train',
      name: 'own-data',
      network: 'gaia-cities',
      topology: 'ring',
      rounds: 3,
      batchSize: 8,
      workers: 1,
      ...fields,
    }),
  );
  return file;
}

/** Two Gaussian blobs in 4 features, labelled by which side of a plane they lie; a group per 20 samples. */
function blobs(n: number, seed: number): { x: number[]; y: number[]; group: number[] } {
  const rng = createRng(seed);
  const x: number[] = [];
  const y: number[] = [];
  const group: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    x.push(...f);
    y.push(f[0] + 0.5 * f[1] > 0 ? 1 : 0);
    group.push(Math.floor(i / 20));
  }
  return { x, y, group };
}

describe('dflsim run on numpy arrays', () => {
  it('reads x, y and a group array, deals whole groups to the 11 silos, says what went to the test set, and learns', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-npz-'));
    const { x, y, group } = blobs(440, 3);
    writeNpz(path.join(dir, 'blobs.npz'), {
      x: { dtype: 'float32', shape: [440, 4], data: x },
      y: { dtype: 'int64', shape: [440], data: y },
      site: { dtype: 'int32', shape: [440], data: group },
    });
    const cfg = writeConfig(dir, {
      model: { name: 'linear' },
      dataset: { kind: 'npz', files: 'blobs.npz', group: 'site' },
      rounds: 30,
      lr: 0.05,
    });
    const out = path.join(dir, 'out');
    const r = dflsim(['run', cfg, '--out', out], dir);
    expect(r.out).not.toMatch(/Error|at .*\.js:\d+/);
    expect(r.status).toBe(0);
    // 22 groups of 20 samples, two per silo (by-group, the default with a group array); 8 of each silo's 40 held out
    expect(r.out).toMatch(/blobs\.npz: 440 samples of \[4\]; 2 classes/);
    expect(r.out).toMatch(/88 of 440 samples went to the test set \(testFraction 0\.2/);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.shards.map((s: { size: number }) => s.size)).toEqual(new Array(11).fill(32));
    expect(summary.shards.every((s: { groups: number }) => s.groups === 2)).toBe(true);
    const rows = parseMetricsCsv(readFileSync(path.join(out, 'metrics.csv'), 'utf8'), 'metrics.csv');
    const last = rows[rows.length - 1]!;
    // a linearly separable task: well above the majority class (about 0.5) after 30 rounds
    expect(Number(last.testAccuracy)).toBeGreaterThan(0.8);
  }, 120_000);

  it('one file per silo trains by file; a held-out file is the test set', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-npz-files-'));
    const files: string[] = [];
    for (let s = 0; s < 11; s++) {
      const { x, y } = blobs(12, 100 + s);
      const f = `site-${s}.npz`;
      writeNpz(path.join(dir, f), { x: { dtype: 'float64', shape: [12, 4], data: x }, y: { dtype: 'uint8', shape: [12], data: y } });
      files.push(f);
    }
    const t = blobs(30, 999);
    writeNpz(path.join(dir, 'test.npz'), {
      x: { dtype: 'float32', shape: [30, 4], data: t.x },
      y: { dtype: 'int32', shape: [30], data: t.y },
    });
    const file = writeConfig(dir, { model: { name: 'linear' }, dataset: { kind: 'npz', files, test: 'test.npz' } });
    const cfg = loadConfig(file) as TrainConfig;
    expect(cfg.partition).toBe('by-file');
    const data = await prepareData(cfg, file, 11);
    expect(data.shards.map((s) => s.size)).toEqual(new Array(11).fill(12));
    expect(data.test.size).toBe(30);
    expect(data.heldOut.text).toMatch(/test set: 30 samples of test\.npz \(dataset\.test\); all 132 of .* train/);
    // each silo holds exactly its own file's samples, in order
    const site3 = readNpzDataset(path.join(dir, 'site-3.npz'));
    expect(Array.from(data.shards[3]!.x)).toEqual(Array.from(site3.x));
    // the majority-class baseline on the held-out file, from the training labels
    const trainOnes = data.shards.reduce((a, s) => a + Array.from(s.y).filter((v) => v === 1).length, 0);
    const majority = trainOnes * 2 > 132 ? 1 : 0;
    expect(baselineOf(data).majorityClassAccuracy).toBeCloseTo(t.y.filter((v) => v === majority).length / 30, 12);
  });
});

describe('dflsim run on a CSV table', () => {
  it('regresses a target column from chosen feature columns, a clinic per silo, against the constant predictor', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-csv-'));
    const rng = createRng(8);
    const lines = ['clinic,a,b,noise,target'];
    for (let c = 0; c < 11; c++)
      for (let i = 0; i < 16; i++) {
        const a = rng.normal();
        const b = rng.normal();
        lines.push(`c${c},${a.toFixed(4)},${b.toFixed(4)},${rng.normal().toFixed(3)},${(2 * a - b + 0.1 * rng.normal()).toFixed(4)}`);
      }
    writeFileSync(path.join(dir, 't.csv'), lines.join('\n') + '\n');
    const file = writeConfig(dir, {
      model: { name: 'linear' },
      dataset: { kind: 'csv', file: 't.csv', label: 'target', columns: ['a', 'b'], group: 'clinic', testFraction: 0.25 },
      rounds: 100,
      lr: 0.1,
    });
    const out = path.join(dir, 'out');
    const r = dflsim(['run', file, '--out', out], dir);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/44 of 176 samples went to the test set/);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const rows = parseMetricsCsv(readFileSync(path.join(out, 'metrics.csv'), 'utf8'), 'metrics.csv');
    const rmse = Number(rows[rows.length - 1]!.testRmse);
    // target = 2a - b + noise: the constant predictor's RMSE is about sqrt(5); a learned linear model is far below it
    expect(summary.constantPredictorRmse).toBeGreaterThan(1.5);
    expect(rmse).toBeLessThan(0.5 * summary.constantPredictorRmse);
  }, 120_000);
});

describe('dflsim run on an image folder', () => {
  it('reads class subfolders of PNGs resized to the given side and trains a module model on them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-images-'));
    for (const [k, cls] of ['dark', 'light'].entries()) {
      mkdirSync(path.join(dir, 'imgs', cls), { recursive: true });
      for (let i = 0; i < 22; i++) {
        const px = new Uint8Array(12 * 12).fill(k === 0 ? 30 + i : 220 - i);
        await sharp(px, { raw: { width: 12, height: 12, channels: 1 } })
          .png()
          .toFile(path.join(dir, 'imgs', cls, `${i}.png`));
      }
    }
    writeFileSync(
      path.join(dir, 'mlp.mjs'),
      `export function createModel(inputShape, { tf, seed, classes }) {
  return tf.sequential({ layers: [tf.layers.flatten({ inputShape }), tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed }) })] });
}\n`,
    );
    const file = writeConfig(dir, {
      model: { module: 'mlp.mjs' },
      dataset: { kind: 'image-folder', root: 'imgs', size: 8 },
      partition: 'iid',
    });
    const cfg = loadConfig(file) as TrainConfig;
    const data = await prepareData(cfg, file, 11);
    expect(data.dataset.name).toBe('imgs');
    expect(data.shards.reduce((a, s) => a + s.size, 0) + data.test.size).toBe(44);
    expect((data.test as { sampleShape: number[] }).sampleShape).toEqual([8, 8, 1]);
    // pixels in [0, 1]: a uniform dark image of value 30 reads 30/255
    const out = path.join(dir, 'out');
    const r = dflsim(['run', file, '--out', out], dir);
    expect(r.out).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/imgs: 44 samples of \[8, 8, 1\]; 2 classes: dark 22, light 22/);
  }, 120_000);
});

describe('a registered dataset', () => {
  it('trains through runTraining from the library, with any number of workers the same bits', async () => {
    registerDataset('test-blobs', {
      load: (options) => {
        const { x, y } = blobs(Number(options.n), 5);
        return {
          name: 'test-blobs',
          sampleShape: [4],
          count: y.length,
          x: Float32Array.from(x),
          labelKind: 'class',
          y: Float32Array.from(y),
          targets: 1,
          classes: ['0', '1'],
        };
      },
    });
    try {
      const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-registered-'));
      const file = writeConfig(dir, {
        model: { name: 'linear' },
        dataset: { kind: 'registered', name: 'test-blobs', options: { n: 220 } },
        rounds: 30,
        lr: 0.05,
      });
      const cfg = loadConfig(file) as TrainConfig;
      const one = await runTraining(cfg, file, { outDir: path.join(dir, 'w1'), workers: 1 });
      const two = await runTraining(cfg, file, { outDir: path.join(dir, 'w2'), workers: 2 });
      // every metric but the wall clock, bit for bit
      const noWall = (f: string) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((l) =>
            l
              .split(',')
              .filter((_, i) => i !== 2)
              .join(','),
          );
      expect(noWall(path.join(dir, 'w2', 'metrics.csv'))).toEqual(noWall(path.join(dir, 'w1', 'metrics.csv')));
      expect({ ...two.final, wallMs: 0 }).toEqual({ ...one.final, wallMs: 0 });
      expect(Number(one.final!.testAccuracy)).toBeGreaterThan(0.7);
    } finally {
      unregisterDataset('test-blobs');
    }
  }, 120_000);
});

describe("bad users' data", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-bad-data-'));
  const { x, y } = blobs(40, 1);
  writeNpz(path.join(dir, 'ok.npz'), { x: { dtype: 'float32', shape: [40, 4], data: x }, y: { dtype: 'int64', shape: [40], data: y } });
  writeFileSync(path.join(dir, 'broken.npz'), 'PK\u0003\u0004 not really a zip');
  writeFileSync(path.join(dir, 'labels.csv'), 'a,b,label\n1,2,x\n3,oops,y\n');
  writeFileSync(path.join(dir, 'values.csv'), 'a,t\n1,0.5\n2,2.5\n3,1.5\n');
  mkdirSync(path.join(dir, 'a-folder.npz'));
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a missing array', { model: { name: 'linear' }, dataset: { kind: 'npz', files: 'ok.npz', y: 'labels' } }, /ok\.npz.*labels/],
    ['a corrupt .npz', { model: { name: 'linear' }, dataset: { kind: 'npz', files: 'broken.npz' } }, /broken\.npz/],
    [
      'a directory for a file',
      { model: { name: 'linear' }, dataset: { kind: 'npz', files: 'a-folder.npz' } },
      /a-folder\.npz.*not a regular file/,
    ],
    [
      'a non-numeric CSV cell',
      { model: { name: 'linear' }, dataset: { kind: 'csv', file: 'labels.csv', label: 'label' } },
      /labels\.csv:3.*b/,
    ],
    [
      'by-group without groups',
      { model: { name: 'linear' }, dataset: { kind: 'npz', files: 'ok.npz' }, partition: 'by-group' },
      /partition/,
    ],
    ['fadnet on a table', { model: { name: 'fadnet' }, dataset: { kind: 'npz', files: 'ok.npz' } }, /exp\.json: model\.name.*fadnet/],
    [
      'by-sequence on users data',
      { model: { name: 'linear' }, dataset: { kind: 'npz', files: 'ok.npz' }, partition: 'by-sequence' },
      /exp\.json: partition/,
    ],
    [
      'an image folder without a size',
      { model: { name: 'linear' }, dataset: { kind: 'image-folder', root: '.' } },
      /exp\.json: dataset\.size/,
    ],
    [
      'an unregistered dataset',
      { model: { name: 'linear' }, dataset: { kind: 'registered', name: 'nope' } },
      /exp\.json: dataset\.name.*no dataset "nope"/,
    ],
    [
      'binary cross-entropy on values',
      { model: { name: 'linear', loss: 'binary-crossentropy' }, dataset: { kind: 'csv', file: 'values.csv', label: 't' } },
      /exp\.json: model\.loss.*values\.csv/,
    ],
  ];
  for (const [what, fields, message] of cases) {
    it(`refuses ${what} with exit code 2 and one line`, () => {
      const file = writeConfig(dir, fields);
      const r = dflsim(['run', file, '--out', path.join(dir, 'out', what.replace(/\W+/g, '-'))], dir);
      expect(r.status).toBe(2);
      expect(r.out).toMatch(message);
      expect(r.out).not.toMatch(/\n\s+at /);
    });
  }
});
