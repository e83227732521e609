/**
 * The models `bench/models.ts` times, each written three ways that must stay the same network:
 * a kerats config (built by `buildSequential`, trained by kerats' `train`), a plain tfjs-layers
 * script (`tf.sequential` + `model.fit`), and bench/torch_models.py (same name, same layers).
 * All train with Adam (lr 0.001) on random data of the right shape.
 */
import * as tf from '@tensorflow/tfjs';
import { MultiHeadAttention } from '../src/registry/layers/custom/index.js';

export interface ModelCase {
  name: string;
  title: string;
  batch: number;
  /** The `model:` and `compile:` sections of a kerats config (YAML). */
  yaml: string;
  /** The same model in plain tfjs-layers. */
  tfjs(): tf.LayersModel;
  /** tfjs-layers loss string for `model.compile`. */
  loss: string;
  /** x and y for `n` random samples. */
  data(n: number): { x: tf.Tensor; y: tf.Tensor };
}

function images(n: number, shape: number[], classes: number): { x: tf.Tensor; y: tf.Tensor } {
  return { x: tf.randomUniform([n, ...shape]), y: tf.oneHot(tf.randomUniform([n], 0, classes, 'int32'), classes).toFloat() };
}

function tokens(n: number, len: number, vocab: number): tf.Tensor {
  return tf.randomUniform([n, len], 0, vocab, 'int32').toFloat();
}

const adam = 'compile: {optimizer: adam, loss: categorical_crossentropy}';

export const MODEL_CASES: ModelCase[] = [
  {
    name: 'mlp',
    title: 'MLP 784-512-512-10',
    batch: 128,
    yaml: `model:
  layers:
    - Dense: {units: 512, activation: relu, input_shape: [784]}
    - Dense: {units: 512, activation: relu}
    - Dense: {units: 10, activation: softmax}
${adam}`,
    tfjs: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
          tf.layers.dense({ units: 512, activation: 'relu' }),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
    loss: 'categoricalCrossentropy',
    data: (n) => images(n, [784], 10),
  },
  {
    name: 'cnn',
    title: 'CNN Conv32-Pool-Conv64-Pool-Dense10, 28x28x1',
    batch: 128,
    yaml: `model:
  layers:
    - Conv2D: {filters: 32, kernel_size: 3, activation: relu, input_shape: [28, 28, 1]}
    - MaxPooling2D: {pool_size: 2}
    - Conv2D: {filters: 64, kernel_size: 3, activation: relu}
    - MaxPooling2D: {pool_size: 2}
    - Flatten: {}
    - Dense: {units: 10, activation: softmax}
${adam}`,
    tfjs: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
    loss: 'categoricalCrossentropy',
    data: (n) => images(n, [28, 28, 1], 10),
  },
  {
    // The Keras Sequential guide's "stacked LSTM for sequence classification".
    name: 'lstm',
    title: 'Stacked LSTM 3x32 on (8, 16)',
    batch: 64,
    yaml: `model:
  layers:
    - LSTM: {units: 32, return_sequences: true, input_shape: [8, 16]}
    - LSTM: {units: 32, return_sequences: true}
    - LSTM: {units: 32}
    - Dense: {units: 10, activation: softmax}
${adam}`,
    tfjs: () =>
      tf.sequential({
        layers: [
          tf.layers.lstm({ inputShape: [8, 16], units: 32, returnSequences: true }),
          tf.layers.lstm({ units: 32, returnSequences: true }),
          tf.layers.lstm({ units: 32 }),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
    loss: 'categoricalCrossentropy',
    data: (n) => images(n, [8, 16], 10),
  },
  {
    // The Keras Sequential guide's "sequence classification with LSTM", sequences of 40 tokens.
    name: 'embedding-lstm',
    title: 'Embedding(1024, 256)-LSTM(128)-Dense(1), 40 tokens',
    batch: 32,
    yaml: `model:
  layers:
    - Embedding: {input_dim: 1024, output_dim: 256, input_length: 40}
    - LSTM: {units: 128}
    - Dropout: {rate: 0.5}
    - Dense: {units: 1, activation: sigmoid}
compile: {optimizer: adam, loss: binary_crossentropy}`,
    tfjs: () =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 1024, outputDim: 256, inputLength: 40 }),
          tf.layers.lstm({ units: 128 }),
          tf.layers.dropout({ rate: 0.5 }),
          tf.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      }),
    loss: 'binaryCrossentropy',
    data: (n) => ({ x: tokens(n, 40, 1024), y: tf.randomUniform([n, 1], 0, 2, 'int32').toFloat() }),
  },
  {
    // A Sequential transformer encoder block (no residual connections: a Sequential has none):
    // self-attention, LayerNorm, feed-forward, LayerNorm, pooled to 2 classes.
    name: 'transformer',
    title: 'Embedding(2000, 64)-MHA(2x32)-LN-FF(64)-LN-Pool-Dense2, 64 tokens',
    batch: 32,
    yaml: `model:
  layers:
    - Embedding: {input_dim: 2000, output_dim: 64, input_length: 64}
    - MultiHeadAttention: {num_heads: 2, key_dim: 32}
    - LayerNormalization: {epsilon: 0.000001}
    - Dense: {units: 64, activation: relu}
    - Dense: {units: 64}
    - LayerNormalization: {epsilon: 0.000001}
    - GlobalAveragePooling1D: {}
    - Dense: {units: 2, activation: softmax}
${adam}`,
    tfjs: () =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 2000, outputDim: 64, inputLength: 64 }),
          new MultiHeadAttention({ numHeads: 2, keyDim: 32 }),
          tf.layers.layerNormalization({ epsilon: 1e-6 }),
          tf.layers.dense({ units: 64, activation: 'relu' }),
          tf.layers.dense({ units: 64 }),
          tf.layers.layerNormalization({ epsilon: 1e-6 }),
          tf.layers.globalAveragePooling1d(),
          tf.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      }),
    loss: 'categoricalCrossentropy',
    data: (n) => ({ x: tokens(n, 64, 2000), y: tf.oneHot(tf.randomUniform([n], 0, 2, 'int32'), 2).toFloat() }),
  },
  {
    // The stacked LSTM's GRU twin, with Keras's defaults (reset_after: true, as PyTorch's GRU).
    name: 'gru',
    title: 'Stacked GRU 3x32 on (8, 16)',
    batch: 64,
    yaml: `model:
  layers:
    - GRU: {units: 32, return_sequences: true, input_shape: [8, 16]}
    - GRU: {units: 32, return_sequences: true}
    - GRU: {units: 32}
    - Dense: {units: 10, activation: softmax}
${adam}`,
    tfjs: () =>
      tf.sequential({
        layers: [
          tf.layers.gru({ inputShape: [8, 16], units: 32, returnSequences: true }),
          tf.layers.gru({ units: 32, returnSequences: true }),
          tf.layers.gru({ units: 32 }),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
    loss: 'categoricalCrossentropy',
    data: (n) => ({ x: tf.randomUniform([n, 8, 16]), y: tf.oneHot(tf.randomUniform([n], 0, 10, 'int32'), 10).toFloat() }),
  },
  {
    // A Conv1D text classifier (the Keras "text classification from scratch" shape, smaller).
    name: 'conv1d-text',
    title: 'Embedding(2000, 64)-Conv1D(64, 5)-GlobalMaxPool-Dense2, 100 tokens',
    batch: 64,
    yaml: `model:
  layers:
    - Embedding: {input_dim: 2000, output_dim: 64, input_length: 100}
    - Conv1D: {filters: 64, kernel_size: 5, activation: relu}
    - GlobalMaxPooling1D: {}
    - Dense: {units: 2, activation: softmax}
${adam}`,
    tfjs: () =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 2000, outputDim: 64, inputLength: 100 }),
          tf.layers.conv1d({ filters: 64, kernelSize: 5, activation: 'relu' }),
          tf.layers.globalMaxPooling1d(),
          tf.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      }),
    loss: 'categoricalCrossentropy',
    data: (n) => ({ x: tokens(n, 100, 2000), y: tf.oneHot(tf.randomUniform([n], 0, 2, 'int32'), 2).toFloat() }),
  },
];
