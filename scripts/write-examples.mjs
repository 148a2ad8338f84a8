#!/usr/bin/env node
// Writes the files of examples/ that are data or models (nothing is downloaded; every file is
// a function of this script and its seeds):
//
//   keras-cnn/model.json + group1-shard1of1.bin  a small Keras-style CNN (TensorFlow.js layers,
//                                                 saved as tf.io / tensorflowjs_converter write it)
//   digits.npz    handwritten-like digits (dflsim's synthetic characters, digits only):
//                 x uint8 [N, 28, 28, 1], y int64 [N], writer int32 [N] (a natural silo per writer)
//   clinics.csv   a tabular binary outcome from 11 clinics, features in their natural units
//   shapes/       32x32 grayscale PNGs of circles, squares and triangles, one folder per class
//
// Usage: npm run build && node scripts/write-examples.mjs [out-dir (default examples)]
// It writes (and overwrites) only the files named above; nothing else in out-dir is touched.
// test/examples.test.ts runs it into a temporary folder and compares with the committed files.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { createRng, writeNpz } from '../dist/src/index.js';
import { generateSyntheticCharacters } from '../dist/src/data/synthetic-characters.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'examples'));
mkdirSync(out, { recursive: true });

await tf.setBackend('cpu');

// ---- a Keras-style CNN for 28x28x1 images of 10 classes, saved as model.json + one shard
async function writeKerasCnn(dir) {
  const init = (seed) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    name: 'digits_cnn',
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 3,
        activation: 'relu',
        name: 'conv1',
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', name: 'conv2', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 32, activation: 'relu', name: 'dense1', kernelInitializer: init(3) }),
      tf.layers.dense({ units: 10, activation: 'softmax', name: 'dense2', kernelInitializer: init(4) }),
    ],
  });
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      writeFileSync(path.join(dir, 'group1-shard1of1.bin'), new Uint8Array(a.weightData));
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
      };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json, null, 1) + '\n');
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
}

// ---- digits as numpy arrays: 33 writers (3 per silo on Gaia's 11), digits only
function writeDigits(file) {
  const ds = generateSyntheticCharacters({ writers: 33, seed: 7, meanSamplesPerWriter: 60, stdSamplesPerWriter: 20, digitWeight: 20 });
  const x = [];
  const y = [];
  const writer = [];
  ds.writers.forEach((w, wi) => {
    for (let i = 0; i < w.count; i++) {
      if (w.y[i] >= 10) continue; // letters out: ten classes
      for (let p = 0; p < 784; p++) x.push(Math.round(w.x[i * 784 + p] * 255));
      y.push(w.y[i]);
      writer.push(wi);
    }
  });
  writeNpz(file, {
    x: { dtype: 'uint8', shape: [y.length, 28, 28, 1], data: x },
    y: { dtype: 'int64', shape: [y.length], data: y },
    writer: { dtype: 'int32', shape: [y.length], data: writer },
  });
  return y.length;
}

// ---- a clinical-style table: 11 clinics with their own case mix and baseline risk
function writeClinics(file) {
  const rng = createRng(11).fork('clinics');
  const rows = ['clinic,age,bmi,systolic_mmHg,glucose_mmol_L,smoker,visits,outcome'];
  for (let c = 0; c < 11; c++) {
    const r = rng.fork(c);
    const n = 60 + r.int(60);
    const ageMean = 45 + 15 * r.next();
    const bias = 0.8 * r.normal();
    for (let i = 0; i < n; i++) {
      const age = Math.max(18, Math.min(95, ageMean + 12 * r.normal()));
      const bmi = Math.max(16, 27 + 4.5 * r.normal());
      const systolic = 120 + 0.4 * (age - 50) + 14 * r.normal();
      const glucose = Math.max(3, 5.6 + 0.05 * (bmi - 27) + 1.1 * r.normal());
      const smoker = r.next() < 0.25 ? 1 : 0;
      const visits = Math.floor(-Math.log(1 - r.next()) * 3);
      const logit = -0.6 + 0.05 * (age - 55) + 0.09 * (bmi - 27) + 0.025 * (systolic - 130) + 0.5 * (glucose - 5.6) + 0.9 * smoker + bias;
      const outcome = r.next() < 1 / (1 + Math.exp(-logit)) ? 'yes' : 'no';
      rows.push(
        [
          `clinic-${String(c + 1).padStart(2, '0')}`,
          age.toFixed(0),
          bmi.toFixed(1),
          systolic.toFixed(0),
          glucose.toFixed(1),
          smoker,
          visits,
          outcome,
        ].join(','),
      );
    }
  }
  writeFileSync(file, rows.join('\n') + '\n');
  return rows.length - 1;
}

// ---- an image folder: one subfolder per class
async function writeShapes(dir) {
  const side = 32;
  const rng = createRng(5).fork('shapes');
  const classes = ['circle', 'square', 'triangle'];
  let count = 0;
  for (const [k, cls] of classes.entries()) {
    mkdirSync(path.join(dir, cls), { recursive: true });
    for (let i = 0; i < 60; i++) {
      const r = rng.fork(`${cls}:${i}`);
      const cx = 12 + 8 * r.next();
      const cy = 12 + 8 * r.next();
      const size = 6 + 5 * r.next();
      const px = new Uint8Array(side * side);
      for (let yy = 0; yy < side; yy++) {
        for (let xx = 0; xx < side; xx++) {
          const dx = xx + 0.5 - cx;
          const dy = yy + 0.5 - cy;
          const inside =
            k === 0
              ? dx * dx + dy * dy <= size * size
              : k === 1
                ? Math.abs(dx) <= size * 0.85 && Math.abs(dy) <= size * 0.85
                : dy <= size * 0.8 && dy >= -size && Math.abs(dx) <= (dy + size) * 0.6;
          const noise = 20 * r.normal();
          px[yy * side + xx] = Math.max(0, Math.min(255, Math.round((inside ? 200 : 40) + noise)));
        }
      }
      await sharp(px, { raw: { width: side, height: side, channels: 1 } })
        .png({ compressionLevel: 9 })
        .toFile(path.join(dir, cls, `${cls}-${String(i).padStart(2, '0')}.png`));
      count++;
    }
  }
  return count;
}

await writeKerasCnn(path.join(out, 'keras-cnn'));
const digits = writeDigits(path.join(out, 'digits.npz'));
const clinics = writeClinics(path.join(out, 'clinics.csv'));
const shapes = await writeShapes(path.join(out, 'shapes'));
console.log(
  `wrote ${out}: keras-cnn/ (model.json + weights), digits.npz (${digits} digits), clinics.csv (${clinics} rows), shapes/ (${shapes} PNGs)`,
);
