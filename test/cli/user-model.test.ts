/**
 * Users' own models through `dflsim run`: a Keras-style CNN saved as model.json + shards by
 * tf.io trains on synthetic-characters, and its first-round loss is the loss tf.layers'
 * own model.fit computes on the same batch from the same weights; a module model trains
 * too; bad model files are refused with exit code 2 naming the file and field.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadConfig, type TrainConfig } from '../../src/experiment/config.js';
import { prepareData } from '../../src/experiment/runner.js';
import { roundSeed, sampleBatch } from '../../src/learning/dpasgd.js';
import { parseMetricsCsv } from '../../src/report/write.js';
import { networkFile, ROOT } from '../helpers.js';
import { kerasStyleCnn, saveModelFiles } from '../learning/tf/model-files.js';

function dflsim(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), ...args], { encoding: 'utf8', cwd });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A one-round, one-silo (centralised) run on a few synthetic characters. */
function writeConfig(dir: string, model: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'exp.json');
  writeFileSync(
    file,
    JSON.stringify({
      kind: 'train',
      name: 'own-model',
      network: networkFile('gaia'),
      topology: 'centralised',
      model,
      dataset: { kind: 'synthetic-characters', writers: 11, meanSamplesPerWriter: 20 },
      rounds: 1,
      batchSize: 16,
      lr: 0.001,
      workers: 1,
      ...extra,
    }),
  );
  return file;
}

describe('dflsim run with a model file (model.path)', () => {
  it("trains a tf.io-saved Keras-style CNN; its first-round loss is model.fit's on the same batch", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-own-model-'));
    const cnn = kerasStyleCnn();
    await saveModelFiles(cnn, path.join(dir, 'my-model'), 2);
    const cfgFile = writeConfig(dir, { path: 'my-model/model.json' });
    const out = path.join(dir, 'out');
    const r = dflsim(['run', cfgFile, '--out', out], dir);
    expect(r.stderr + r.stdout).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const rows = parseMetricsCsv(readFileSync(path.join(out, 'metrics.csv'), 'utf8'), 'metrics.csv');
    const trainLoss = Number(rows[0]!.trainLoss);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    // 3·3·1·4 + 4 = 40 and 13·13·4·62 + 62 = 41,974 parameters, x 32 bits on the links
    expect(summary.model).toEqual({ name: 'model.json', inputSize: 28, params: 42014 });
    expect(summary.simulated.modelSizeBits).toBe(42014 * 32);
    // 26·26·36 + 676·62 = 66,248 multiply-adds per sample x 16 at 4.6 ms per 11,999,104 x 32
    expect(summary.simulated.computeMs).toBe(Number(((66248 * 16 * 4.6) / (11999104 * 32)).toPrecision(4)));
    expect(summary.simulated.computeMsSource).toMatch(/66,248 multiply-adds per sample x batch 16/);

    // the same batch, the same (file) weights, trained by tf.layers itself
    const cfg = loadConfig(cfgFile) as TrainConfig;
    const data = await prepareData(cfg, cfgFile, 1);
    const batch = sampleBatch(data.shards[0]!, cfg.batchSize, roundSeed(cfg.seed, 'batch0', 0, 0));
    await tf.setBackend('cpu');
    cnn.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
    const xs = tf.tensor(batch.x, [batch.size, 28, 28, 1]);
    const ys = tf.oneHot(tf.tensor1d(Array.from(batch.y), 'int32'), 62);
    const h = await cnn.fit(xs, ys, { batchSize: batch.size, epochs: 1, shuffle: false });
    const fitLoss = h.history.loss[0] as number;
    // measured: the same float32 bits (wasm in the run, cpu here); tolerance 1e-6 relative, for
    // backends that sum in other orders
    expect(Math.abs(trainLoss - fitLoss) / fitLoss).toBeLessThan(1e-6);
    expect(fitLoss).toBeGreaterThan(3); // about ln 62 = 4.13 from random weights: a real loss
  });

  it('trains a module model (createModel(inputShape, {tf, seed, classes}))', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-module-model-'));
    writeFileSync(
      path.join(dir, 'my-model.mjs'),
      `export function createModel(inputShape, { tf, classes }) {
  return tf.sequential({ layers: [tf.layers.flatten({ inputShape }), tf.layers.dense({ units: 8, activation: 'relu' }), tf.layers.dense({ units: classes })] });
}
`,
    );
    const cfgFile = writeConfig(dir, { module: 'my-model.mjs' }, { rounds: 3, computeMs: 2 });
    const out = path.join(dir, 'out');
    const r = dflsim(['run', cfgFile, '--out', out], dir);
    expect(r.stderr).not.toMatch(/Error|dflsim:/);
    expect(r.status).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    // 784·8 + 8 and 8·62 + 62
    expect(summary.model.params).toBe(784 * 8 + 8 + 8 * 62 + 62);
    expect(summary.simulated.computeMs).toBe(2);
    const rows = parseMetricsCsv(readFileSync(path.join(out, 'metrics.csv'), 'utf8'), 'metrics.csv');
    expect(rows).toHaveLength(3);
    // logits through softmax cross-entropy: the loss falls from about ln 62
    expect(Number(rows[2]!.trainLoss)).toBeLessThan(Number(rows[0]!.trainLoss));
  });

  it('refuses bad models with exit code 2, one line naming the file and field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-bad-model-'));
    await saveModelFiles(kerasStyleCnn(10), path.join(dir, 'ten'));
    const cfgFile = writeConfig(dir, { path: 'ten/model.json' });
    const r = dflsim(['run', cfgFile, '--out', path.join(dir, 'out')], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `dflsim: ${cfgFile}: model.path: the model (${path.join(dir, 'ten/model.json')}) has 10 outputs, the dataset has 62 classes (categorical cross-entropy needs one output per class)\n`,
    );
    await saveModelFiles(kerasStyleCnn(62, 'sigmoid'), path.join(dir, 'sig'));
    const bin = dflsim(['run', writeConfig(dir, { path: 'sig/model.json' }), '--out', path.join(dir, 'out2')], dir);
    expect(bin.status).toBe(2);
    expect(bin.stderr).toMatch(
      /exp\.json: model\.loss: "binary-crossentropy" needs labels in \{0, 1\}; the dataset's labels are class indices of 62 classes/,
    );
  });
});
