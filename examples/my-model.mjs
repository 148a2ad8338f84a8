// A model built in code: dflsim calls createModel(inputShape, options) with its own
// TensorFlow.js as options.tf (build every layer with it, not with another copy of
// @tensorflow/tfjs), the run's seed and the data's class count (or targets).
// Used by examples/image-folder-shapes.json: "model": {"module": "my-model.mjs"}.
export function createModel(inputShape, { tf, seed, classes }) {
  const init = (k) => tf.initializers.glorotUniform({ seed: seed * 10 + k });
  return tf.sequential({
    name: 'small_cnn',
    layers: [
      tf.layers.conv2d({ inputShape, filters: 8, kernelSize: 5, strides: 2, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
}
