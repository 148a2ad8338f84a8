/**
 * Test helpers: TensorFlow.js LayersModels saved as a model.json and weight shards, the
 * files `model.save()` writes, through a custom `tf.io.withSaveHandler` (the pure
 * `@tensorflow/tfjs` package has no file:// handler).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** A small Keras-style CNN for 28x28x1 characters: Conv2D 4 3x3 + ReLU, MaxPooling2D 2, Flatten, Dense `classes` softmax. */
export function kerasStyleCnn(classes = 62, activation: 'softmax' | 'linear' | 'sigmoid' = 'softmax'): tf.LayersModel {
  return tf.sequential({
    name: 'keras_cnn',
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        name: 'conv2d',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'max_pooling2d' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: classes, activation, name: 'dense', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

/**
 * Save a model into `dir` as model.json and `group1-shard1of1.bin` (or `shards` files of
 * about equal size, as tensorflowjs_converter splits large models).
 * @returns the model.json path
 */
export async function saveModelFiles(model: tf.LayersModel, dir: string, shards = 1): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = new Uint8Array(a.weightData as ArrayBuffer);
      const per = Math.ceil(data.length / shards);
      const paths: string[] = [];
      for (let i = 0; i < shards; i++) {
        const name = `group1-shard${i + 1}of${shards}.bin`;
        writeFileSync(path.join(dir, name), data.subarray(i * per, Math.min(data.length, (i + 1) * per)));
        paths.push(name);
      }
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths, weights: a.weightSpecs }],
      };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}
