/** The Sequential builder: Keras parameter counts, shapes, seeds, and build-time shape errors. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, ModelSpec } from '../src/config/types.js';
import { buildSequential, formatShape, kerasLayerName } from '../src/runtime/model-builder.js';
import { ConfigError } from '../src/util/errors.js';

before(async () => {
  await tf.setBackend('cpu');
});

function layer(type: string, args: Record<string, unknown>, index: number): LayerSpec {
  return { type, args, index, loc: { file: 'model.yaml', line: 10 + index, col: 5 } };
}
function model(layers: [string, Record<string, unknown>][], inputShape?: number[]): ModelSpec {
  return { name: 'test', inputShape, layers: layers.map(([t, a], i) => layer(t, a, i + 1)) };
}
function trainableCount(m: tf.LayersModel): number {
  return m.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

test('seed-004 MNIST MLP has Keras\'s 109,386 parameters', () => {
  const m = buildSequential(model([
    ['Flatten', {}], ['Dense', { units: 128, activation: 'relu' }], ['Dense', { units: 64, activation: 'relu' }],
    ['Dense', { units: 10, activation: 'softmax' }],
  ], [28, 28, 1]), { seed: 1 });
  // 784*128+128 + 128*64+64 + 64*10+10
  assert.equal(m.countParams(), 109386);
  assert.deepEqual(m.outputs[0]?.shape, [null, 10]);
  assert.deepEqual(m.layers.map((l) => l.name), ['flatten', 'dense', 'dense_1', 'dense_2']);
});

test('seed-004 CNN with BatchNormalization: total, trainable and non-trainable as Keras', () => {
  const block = (filters: number): [string, Record<string, unknown>][] => [
    ['Conv2D', { filters, kernel_size: [3, 3], padding: 'same' }], ['BatchNormalization', {}], ['Activation', { activation: 'relu' }],
    ['MaxPooling2D', { pool_size: [2, 2] }],
  ];
  const m = buildSequential(model([
    ...block(32), ...block(64), ...block(128), ['Flatten', {}], ['Dense', { units: 128, activation: 'relu' }],
    ['Dense', { units: 10, activation: 'softmax' }],
  ], [32, 32, 3]), { seed: 2 });
  // Conv: 3*3*3*32+32=896, 3*3*32*64+64=18496, 3*3*64*128+128=73856; BN: 4 per channel (32+64+128)*4=896;
  // Dense: 4*4*128*128+128=262272, 128*10+10=1290. Total 357706; BN moving stats 2*(32+64+128)=448 non-trainable.
  assert.equal(m.countParams(), 357706);
  assert.equal(trainableCount(m), 357706 - 448);
  assert.deepEqual(m.layers[3]?.outputShape, [null, 16, 16, 32]);
  assert.deepEqual(m.layers[12]?.outputShape, [null, 2048]);
});

test('a rank mismatch is a ConfigError at the layer, in Keras shape notation', () => {
  const spec = model([['Dense', { units: 64 }], ['Dense', { units: 784 }], ['Conv2D', { filters: 8, kernel_size: 3 }]], [20]);
  assert.throws(() => buildSequential(spec, {}), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /layer 3 \(Conv2D\) expects rank 4 input, got \(None, 784\) from layer 2 \(Dense\)/);
    assert.match(e.message, /Reshape/);
    assert.deepEqual(e.problems[0]?.loc, { file: 'model.yaml', line: 13, col: 5 });
    return true;
  });
});

test('an LSTM after a Dense says it needs sequences', () => {
  const spec = model([['Dense', { units: 8 }], ['LSTM', { units: 4 }]], [5]);
  assert.throws(() => buildSequential(spec, {}), /layer 2 \(LSTM\) expects rank 3 input, got \(None, 8\) from layer 1 \(Dense\)/);
});

test('a window larger than its input is caught at build time', () => {
  const spec = model([['Conv2D', { filters: 4, kernel_size: 3 }], ['MaxPooling2D', { pool_size: 4 }]], [3, 3, 1]);
  assert.throws(() => buildSequential(spec, {}), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /layer 2 \(MaxPooling2D\)/);
    assert.match(e.message, /\(None, 1, 1, 4\)/);
    return true;
  });
});

test('no input shape anywhere: a ConfigError saying where to put one', () => {
  assert.throws(() => buildSequential(model([['Dense', { units: 3 }]]), {}), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /input shape is unknown/);
    assert.match(e.message, /input_shape/);
    assert.equal(e.problems[0]?.loc?.line, 11);
    return true;
  });
});

test('the first layer\'s own input_shape, input_dim and batch_input_shape are honoured', () => {
  assert.deepEqual(buildSequential(model([['Dense', { units: 3, input_dim: 4 }]]), {}).inputs[0]?.shape, [null, 4]);
  assert.deepEqual(buildSequential(model([['Dense', { units: 3, input_shape: [6] }]]), {}).inputs[0]?.shape, [null, 6]);
  assert.deepEqual(buildSequential(model([['Dense', { units: 3, batch_input_shape: [8, 5] }]]), {}).inputs[0]?.shape, [8, 5]);
  const emb = buildSequential(model([['Embedding', { input_dim: 100, output_dim: 8, input_length: 12 }]]), {});
  assert.deepEqual(emb.outputs[0]?.shape, [null, 12, 8]);
});

test('seed-004 LSTM: Embedding(20000, 128) without a length, then LSTM and Dense, as Keras counts it', () => {
  const m = buildSequential(model([
    ['Embedding', { input_dim: 20000, output_dim: 128 }], ['LSTM', { units: 128, dropout: 0.2, recurrent_dropout: 0.2 }],
    ['Dense', { units: 1, activation: 'sigmoid' }],
  ]), { seed: 4 });
  // 20000*128 + 4*(128*128 + 128*128 + 128) + 128+1
  assert.equal(m.countParams(), 2560000 + 131584 + 129);
  assert.deepEqual(m.inputs[0]?.shape, [null, null]);
  const y = m.predict(tf.zeros([2, 7])) as tf.Tensor;
  assert.deepEqual(y.shape, [2, 1]);
});

test('a bad argument value becomes a ConfigError naming the layer', () => {
  const spec = model([['Dense', { units: 3, activation: 'relux' }]], [4]);
  assert.throws(() => buildSequential(spec, {}), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /layer 1 \(Dense\): unknown activation "relux"; did you mean .*"relu"/);
    return true;
  });
  const dup = model([['Dense', { units: 3, name: 'a' }], ['Dense', { units: 3, name: 'a' }]], [4]);
  assert.throws(() => buildSequential(dup, {}), /layer 2 \(Dense\) is named "a", like layer 1 \(Dense\)/);
});

test('one seed gives identical initial weights; another seed does not', () => {
  const spec = model([
    ['Conv2D', { filters: 4, kernel_size: 3 }], ['Flatten', {}], ['Dense', { units: 5, kernel_initializer: 'he_normal' }],
  ], [6, 6, 2]);
  const w = (seed: number) => buildSequential(spec, { seed }).getWeights().map((t) => Array.from(t.dataSync()));
  const a = w(42);
  const b = w(42);
  const c = w(43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], c[0]);
  // Layers of one model draw from different streams.
  assert.notDeepEqual(a[0]?.slice(0, 10), a[2]?.slice(0, 10));
});

test('formatShape and Keras layer names', () => {
  assert.equal(formatShape([null, 28, 28, 1]), '(None, 28, 28, 1)');
  assert.equal(formatShape([null]), '(None,)');
  assert.equal(kerasLayerName('BatchNormalization'), 'batch_normalization');
  assert.equal(kerasLayerName('MaxPooling2D'), 'max_pooling2d');
  assert.equal(kerasLayerName('SimpleRNN'), 'simple_rnn');
  assert.equal(kerasLayerName('LSTM'), 'lstm');
});
