/**
 * Variable-length inputs in Sequential models: `input_shape: [null]`, `[null, 8]`,
 * `Input: {shape: [null]}` and Embedding's `input_shape: [null]` (its `input_dim` is the
 * vocabulary), with the totals real Keras 3 printed for the same models
 * (test/fixtures/keras3/index.json, written by scripts/keras-reference-models.py).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { summarize } from '../src/runtime/summary.js';
import { ROOT } from './helpers/cli.js';

interface KerasReference { total_params: number; output_shapes: (number | null)[][] }
const KERAS = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'keras3', 'index.json'), 'utf8')) as Record<string, KerasReference>;

function summaryOf(yaml: string) {
  const config = loadConfigText(yaml, 'model.yaml');
  const model = buildModel(config.model, { seed: 1 });
  try {
    return summarize(model, config.name);
  } finally {
    model.dispose();
  }
}

before(async () => {
  await tf.setBackend('cpu');
});

const EMBEDDING_LSTM = KERAS['embedding-lstm-sequential'] as KerasReference;

for (const [how, head] of [
  ['model.input_shape: [null]', 'model:\n  input_shape: [null]\n  layers:\n    - Embedding: {input_dim: 1000, output_dim: 64}\n'],
  ['Input: {shape: [null]}', 'model:\n  layers:\n    - Input: {shape: [null]}\n    - Embedding: {input_dim: 1000, output_dim: 64}\n'],
  ['Embedding with input_dim and input_shape: [null]', 'model:\n  layers:\n    - Embedding: {input_dim: 1000, output_dim: 64, input_shape: [null]}\n'],
] as const) {
  test(`Embedding + LSTM on sequences of any length (${how}): Keras's ${EMBEDDING_LSTM.total_params.toLocaleString('en-US')}`, () => {
    const s = summaryOf(`${head}    - LSTM: 32\n    - Dense: 1\n`);
    assert.equal(s.total_params, EMBEDDING_LSTM.total_params);
    assert.deepEqual(s.layers[0]?.output_shape, [null, null, 64]);
    assert.deepEqual(s.layers.at(-1)?.output_shape, EMBEDDING_LSTM.output_shapes[0]);
  });
}

test('Conv1D on input_shape [null, 8]: Keras\'s totals and a free steps axis', () => {
  const keras = KERAS['variable-length-conv1d'] as KerasReference;
  const s = summaryOf(`model:
  input_shape: [null, 8]
  layers:
    - Conv1D: {filters: 16, kernel_size: 3, activation: relu}
    - Conv1D: {filters: 16, kernel_size: 3, activation: relu}
    - GlobalAveragePooling1D: {}
    - Dense: 1
`);
  assert.equal(s.total_params, keras.total_params);
  assert.deepEqual(s.layers[0]?.output_shape, [null, null, 16]);
});

test('Embedding + Conv1D text classifier on Input: {shape: [null], dtype: int32}', () => {
  const keras = KERAS['text-conv1d-sequential'] as KerasReference;
  const s = summaryOf(`model:
  layers:
    - Input: {shape: [null], dtype: int32}
    - Embedding: {input_dim: 1000, output_dim: 64}
    - Conv1D: {filters: 32, kernel_size: 5, activation: relu}
    - GlobalMaxPooling1D: {}
    - Dense: {units: 1, activation: sigmoid}
`);
  assert.equal(s.total_params, keras.total_params);
});

test('an Embedding given input_shape AND another input_dim as a shape is still one input: only input_shape counts', () => {
  // Keras: Embedding(input_dim=1000, ..., input_shape=(20,)) takes sequences of 20 ids.
  const s = summaryOf('model:\n  layers:\n    - Embedding: {input_dim: 1000, output_dim: 8, input_shape: [20]}\n    - Flatten: {}\n');
  assert.deepEqual(s.layers[0]?.output_shape, [null, 20, 8]);
  assert.equal(s.total_params, 8000);
});
