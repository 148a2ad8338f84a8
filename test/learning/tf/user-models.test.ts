/**
 * Users' models in the training adapter: a model.json read back whole (shape, loss, file
 * weights, multiply-adds), each bad model file refused naming the file and field, the losses'
 * Keras semantics (probabilities and logits agree), binary accuracy, registerModel, and the
 * model-data checks.
 */
import { readFileSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../../src/errors.js';
import { buildModel } from '../../../src/learning/tf/models/build.js';
import { createModel, handleOf } from '../../../src/learning/tf/models/registry.js';
import { createTrainer } from '../../../src/learning/tf/silo-trainer.js';
import { checkModelData } from '../../../src/learning/model-data.js';
import { derivedStepTime, FEMNIST_CNN_MACS_PER_SAMPLE } from '../../../src/learning/model-defaults.js';
import { modelNames, registerModel } from '../../../src/index.js';
import { kerasStyleCnn, saveModelFiles } from './model-files.js';

async function inputError(p: Promise<unknown>): Promise<DflsimInputError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected a DflsimInputError');
}

const CHARACTERS = { sampleShape: [28, 28, 1], labelKind: 'class' as const, classes: 62, targets: 1 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('a model from a model.json', () => {
  it('reads shape, loss, parameters, multiply-adds and the file weights', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-model-file-'));
    const cnn = kerasStyleCnn();
    const file = await saveModelFiles(cnn, dir, 3);
    const h = await buildModel({ path: file }, { numClasses: 62 }, 'x.json');
    expect(h.inputShape).toEqual([28, 28, 1]);
    expect(h.outputSize).toBe(62);
    expect(h.loss).toBe('categorical-crossentropy');
    expect(h.fromLogits).toBe(false); // softmax: on probabilities
    expect(h.paramCount).toBe(40 + 41974);
    expect(h.macsPerSample).toBe(26 * 26 * 36 + 13 * 13 * 4 * 62);
    const w = h.initWeights(7);
    const original = cnn.getWeights().flatMap((t) => Array.from(t.dataSync()));
    expect(Array.from(w)).toEqual(original);
    expect(Array.from(h.initWeights(8))).toEqual(original); // the file's weights whatever the seed
    // init "seeded": drawn from the seed as the built-ins' are
    const seeded = await buildModel({ path: file, init: 'seeded' }, {}, 'x.json');
    expect(Array.from(seeded.initWeights(7))).not.toEqual(original);
    expect(Array.from(seeded.initWeights(7))).toEqual(Array.from(seeded.initWeights(7)));
    checkModelData(h, CHARACTERS, 'x.json');
  });

  it('refuses each bad file naming the file and field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-bad-files-'));
    const fresh = async (name: string): Promise<{ file: string; json: Record<string, unknown> }> => {
      const file = await saveModelFiles(kerasStyleCnn(), path.join(dir, name));
      return { file, json: JSON.parse(readFileSync(file, 'utf8')) };
    };
    const load = (file: string) => inputError(buildModel({ path: file }, {}, 'x.json'));

    const missing = await fresh('missing');
    unlinkSync(path.join(path.dirname(missing.file), 'group1-shard1of1.bin'));
    let e = await load(missing.file);
    expect(e.where).toBe('x.json: model.path');
    expect(e.message).toMatch(/model\.json: weightsManifest\[0\]\.paths\[0\]: shard "group1-shard1of1\.bin" not found/);

    const short = await fresh('short');
    const shard = path.join(path.dirname(short.file), 'group1-shard1of1.bin');
    truncateSync(shard, 100);
    e = await load(short.file);
    expect(e.where).toBe('x.json: model.path');
    // conv2d/kernel (144 bytes) needs bytes 0..144 of the group
    expect(e.message).toBe(
      `x.json: model.path: ${shard}: weightsManifest[0]: the shards hold 100 bytes, the weights need 168056: shard group1-shard1of1.bin is too short for weight "conv2d/kernel" (bytes 0..144 of the group)`,
    );

    const outside = await fresh('outside');
    writeFileSync(path.join(dir, 'stolen.bin'), Buffer.alloc(168056));
    for (const p of ['../stolen.bin', path.join(dir, 'stolen.bin')]) {
      (outside.json.weightsManifest as { paths: string[] }[])[0]!.paths = [p];
      writeFileSync(outside.file, JSON.stringify(outside.json));
      e = await load(outside.file);
      expect(e.message).toMatch(/weightsManifest\[0\]\.paths\[0\]: ".*stolen\.bin" leaves the model's folder/);
    }
    // a symbolic link inside the folder that leads out of it
    symlinkSync(path.join(dir, 'stolen.bin'), path.join(path.dirname(outside.file), 'link.bin'));
    (outside.json.weightsManifest as { paths: string[] }[])[0]!.paths = ['link.bin'];
    writeFileSync(outside.file, JSON.stringify(outside.json));
    e = await load(outside.file);
    expect(e.message).toMatch(/shard "link\.bin" leads out of the model's folder .* \(a symbolic link to .*stolen\.bin\)/);

    const lambda = await fresh('lambda');
    const layers = (lambda.json.modelTopology as { config: { layers: { class_name: string; config: { name: string } }[] } }).config.layers;
    layers.splice(2, 0, { class_name: 'Lambda', config: { name: 'my_lambda' } });
    writeFileSync(lambda.file, JSON.stringify(lambda.json));
    e = await load(lambda.file);
    expect(e.where).toBe('x.json: model.path');
    expect(e.message).toMatch(
      /model\.json: modelTopology\.config\.layers\[2\]: layer "my_lambda" has class "Lambda", which TensorFlow\.js cannot build \(a Keras Lambda runs Python code/,
    );

    const notJson = path.join(dir, 'broken.json');
    writeFileSync(notJson, '{"modelTopology": ');
    e = await load(notJson);
    expect(e.message).toMatch(/broken\.json: is not JSON/);
  });

  it('checks the model against the data, naming model.path, model.loss or the dataset', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-model-data-'));
    const file = await saveModelFiles(kerasStyleCnn(10), dir);
    const h = await buildModel({ path: file }, {}, 'x.json');
    const where = (f: () => void): string => {
      try {
        f();
      } catch (e) {
        return (e as DflsimInputError).where + ' | ' + (e as Error).message.slice((e as DflsimInputError).where.length + 2);
      }
      return 'accepted';
    };
    expect(where(() => checkModelData(h, CHARACTERS, 'x.json'))).toMatch(
      /^x\.json: model\.path \| .*has 10 outputs, the dataset has 62 classes/,
    );
    expect(where(() => checkModelData(h, { ...CHARACTERS, classes: 10 }, 'x.json'))).toBe('accepted');
    expect(where(() => checkModelData(h, { sampleShape: [32, 32, 1], labelKind: 'class', classes: 10, targets: 1 }, 'x.json'))).toMatch(
      /^x\.json: model\.path \| .*takes samples of shape \[28, 28, 1\], the dataset's are \[32, 32, 1\]/,
    );
    // a flattened sample is the same sample
    expect(where(() => checkModelData({ ...h, inputShape: [784] }, { ...CHARACTERS, classes: 10 }, 'x.json'))).toBe('accepted');
    expect(where(() => checkModelData({ ...h, loss: 'binary-crossentropy' }, CHARACTERS, 'x.json'))).toMatch(
      /^x\.json: model\.loss \| "binary-crossentropy" needs labels in \{0, 1\}/,
    );
    expect(where(() => checkModelData({ ...h, loss: 'mse', outputSize: 1 }, CHARACTERS, 'x.json'))).toMatch(
      /^x\.json: model\.loss \| "mse"/,
    );
    expect(
      where(() => checkModelData({ ...h, loss: 'categorical-crossentropy', outputSize: 1 }, { ...CHARACTERS, classes: 1 }, 'x.json')),
    ).toMatch(/^x\.json: dataset \| .*at least 2 classes/);
    expect(
      where(() =>
        checkModelData({ ...h, loss: 'binary-crossentropy', outputSize: 3 }, { ...CHARACTERS, labelKind: 'binary', targets: 2 }, 'x.json'),
      ),
    ).toMatch(/^x\.json: model\.path \| .*3 outputs, the dataset has 2 0\/1 labels per sample/);
  });
});

describe('losses and metrics', () => {
  /** A dense 3 -> k model with fixed weights, with the given last activation. */
  function dense(k: number, activation: 'softmax' | 'sigmoid' | 'linear'): tf.LayersModel {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: k, activation })] });
    m.setWeights([tf.tensor2d([0.5, -1, 2, 0.1, 0.3, -0.7, 1.5, 0.2, -0.4].slice(0, 3 * k), [3, k]), tf.zeros([k])]);
    return m;
  }
  const x = Float32Array.from([1, 2, 3, -1, 0.5, 0]);

  it('categorical cross-entropy on softmax probabilities equals the one from logits (Keras semantics)', () => {
    const y = Float32Array.from([2, 0]);
    const eval_ = (act: 'softmax' | 'linear') => {
      const h = handleOf(dense(3, act), { name: act, origin: { field: 'model.path', value: act }, loss: 'categorical-crossentropy' });
      expect(h.fromLogits).toBe(act === 'linear');
      return createTrainer(h).evaluate(
        h
          .initWeights(0)
          .fill(0)
          .map((_, i) => h.model.getWeights().flatMap((t) => Array.from(t.dataSync()))[i]!),
        x,
        y,
      );
    };
    const probs = eval_('softmax');
    const logits = eval_('linear');
    // the two agree to float32 rounding (tolerance 1e-6)
    expect(Math.abs(probs.loss - logits.loss)).toBeLessThan(1e-6);
    expect(probs.accuracy).toBe(logits.accuracy);
  });

  it('binary cross-entropy: sigmoid probabilities equal logits; accuracy counts every output at 0.5', () => {
    // kernel rows [0.5, -1], [2, 0.1], [0.3, -0.7]: logits of [1, 2, 3]: [5.4, -2.9]; of [-1, 0.5, 0]: [0.5, 1.05]
    const y = Float32Array.from([1, 0, 0, 1]);
    const run = (act: 'sigmoid' | 'linear') => {
      const h = handleOf(dense(2, act), { name: act, origin: { field: 'model.path', value: act }, loss: 'binary-crossentropy' });
      const w = Float32Array.from(h.model.getWeights().flatMap((t) => Array.from(t.dataSync())));
      return createTrainer(h).evaluate(w, x, y);
    };
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    const bce = (z: number, t: number) => -(t * Math.log(sig(z)) + (1 - t) * Math.log(1 - sig(z)));
    const want = (bce(5.4, 1) + bce(-2.9, 0) + bce(0.5, 0) + bce(1.05, 1)) / 4;
    const a = run('sigmoid');
    const b = run('linear');
    // hand-computed in float64; measured differences 1e-7; tolerance 1e-6
    expect(Math.abs(a.loss - want)).toBeLessThan(1e-6);
    expect(Math.abs(b.loss - want)).toBeLessThan(1e-6);
    // predicted 1,0 and 1,1 against 1,0 and 0,1: 3 of 4 outputs right
    expect(a.accuracy).toBe(0.75);
    expect(b.accuracy).toBe(0.75);
  });

  it('refuses a cross-entropy on an output that is neither its activation nor linear', () => {
    expect(() =>
      handleOf(dense(2, 'sigmoid'), { name: 's', origin: { field: 'model.path', value: 's' }, loss: 'categorical-crossentropy' }),
    ).toThrow(
      /loss "categorical-crossentropy" needs the last layer's activation to be softmax \(probabilities\) or linear \(logits\), got sigmoid/,
    );
  });
});

describe('registerModel', () => {
  it('adds a model configs can name, built with the options dflsim gives', () => {
    registerModel('tiny-mlp', {
      build: ({ tf: t, inputShape, classes }) =>
        t.sequential({ layers: [t.layers.flatten({ inputShape }), t.layers.dense({ units: classes ?? 1 })] }),
      loss: 'categorical-crossentropy',
    });
    expect(modelNames()).toContain('tiny-mlp');
    const h = createModel('tiny-mlp', { inputShape: [28, 28, 1], numClasses: 62 });
    expect(h.paramCount).toBe(784 * 62 + 62);
    expect(h.loss).toBe('categorical-crossentropy');
    expect(h.fromLogits).toBe(true);
    expect(h.macsPerSample).toBe(784 * 62);
    expect(() => registerModel('femnist-cnn', { build: () => kerasStyleCnn(), loss: 'mse' })).toThrow(/"femnist-cnn" is a built-in model/);
    expect(() => registerModel('bad name', { build: () => kerasStyleCnn(), loss: 'mse' })).toThrow(/is not 1-64 letters/);
  });

  it("derives a step time from the multiply-adds, at the FEMNIST CNN's rate", () => {
    const f = createModel('femnist-cnn', {});
    expect(f.macsPerSample).toBe(FEMNIST_CNN_MACS_PER_SAMPLE);
    expect(derivedStepTime(FEMNIST_CNN_MACS_PER_SAMPLE, 32).computeMs).toBe(4.6);
    expect(derivedStepTime(FEMNIST_CNN_MACS_PER_SAMPLE, 64).computeMs).toBe(9.2);
    expect(derivedStepTime(1000, 32).computeMs).toBe(Number(((1000 * 4.6) / FEMNIST_CNN_MACS_PER_SAMPLE).toPrecision(4)));
    f.model.dispose();
  });
});
