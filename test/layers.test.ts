/** The layer registry and Keras names: Keras parameter counts, Keras defaults, initializers, seeds. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { LayerSpec } from '../src/config/types.js';
import { layers } from '../src/registry/layers/index.js';
import { buildSequential } from '../src/runtime/model-builder.js';
import { toTfActivation, toTfConstraint, toTfInitializer, toTfRegularizer } from '../src/registry/keras-names.js';

before(async () => {
  await tf.setBackend('cpu');
});

/** Builds [layer] on inputShape and returns the model. */
function one(type: string, args: Record<string, unknown>, inputShape: number[], seed = 7): tf.Sequential {
  const spec: LayerSpec = { type, args, index: 1 };
  return buildSequential({ name: 't', inputShape, layers: [spec] }, { seed });
}
function params(type: string, args: Record<string, unknown>, inputShape: number[]): number {
  return one(type, args, inputShape).countParams();
}
function outShape(type: string, args: Record<string, unknown>, inputShape: number[]) {
  return one(type, args, inputShape).outputs[0]?.shape;
}

test('convolution parameter counts match Keras', () => {
  assert.equal(params('Conv2D', { filters: 32, kernel_size: [3, 3] }, [28, 28, 3]), 3 * 3 * 3 * 32 + 32); // 896
  assert.equal(params('Conv1D', { filters: 16, kernel_size: 5 }, [100, 8]), 5 * 8 * 16 + 16);
  assert.equal(params('Conv3D', { filters: 4, kernel_size: 3 }, [8, 8, 8, 2]), 27 * 2 * 4 + 4);
  assert.equal(params('Conv2DTranspose', { filters: 8, kernel_size: 3 }, [7, 7, 4]), 3 * 3 * 4 * 8 + 8);
  // depthwise 3*3*8 + pointwise 8*16 + bias 16
  assert.equal(params('SeparableConv2D', { filters: 16, kernel_size: 3 }, [10, 10, 8]), 72 + 128 + 16);
  assert.equal(params('DepthwiseConv2D', { kernel_size: 3, depth_multiplier: 2 }, [10, 10, 8]), 3 * 3 * 8 * 2 + 16);
  assert.equal(params('Convolution2D', { filters: 2, kernel_size: 1, use_bias: false }, [4, 4, 3]), 6);
});

test('recurrent parameter counts match Keras (GRU with reset_after)', () => {
  assert.equal(params('LSTM', { units: 32 }, [10, 16]), 4 * (16 * 32 + 32 * 32 + 32)); // 6272
  assert.equal(params('GRU', { units: 32 }, [10, 16]), 3 * (16 * 32 + 32 * 32 + 2 * 32)); // 4800, Keras 2/3 default
  assert.equal(params('GRU', { units: 32, reset_after: false }, [10, 16]), 3 * (16 * 32 + 32 * 32 + 32)); // 4704
  assert.equal(params('SimpleRNN', { units: 8 }, [10, 4]), 4 * 8 + 8 * 8 + 8);
  assert.equal(params('Bidirectional', { layer: { LSTM: { units: 8 } } }, [10, 4]), 2 * 4 * (4 * 8 + 8 * 8 + 8));
  assert.equal(params('Bidirectional', { layer: { GRU: 8 } }, [10, 4]), 2 * 3 * (4 * 8 + 8 * 8 + 16));
  // ConvLSTM2D: 4 gates * (kernel 3*3*2*4 + recurrent 3*3*4*4 + bias 4)
  assert.equal(params('ConvLSTM2D', { filters: 4, kernel_size: 3 }, [5, 8, 8, 2]), 4 * (72 + 144 + 4));
  assert.equal(params('TimeDistributed', { layer: { Dense: 3 } }, [10, 16]), 16 * 3 + 3);
});

test('embedding, normalization and activation-layer parameter counts match Keras', () => {
  assert.equal(params('Embedding', { input_dim: 1000, output_dim: 64 }, [20]), 64000);
  const bn = one('BatchNormalization', {}, [10]);
  assert.equal(bn.countParams(), 40);
  assert.equal(bn.trainableWeights.length, 2); // gamma, beta; moving mean/variance are not trainable
  assert.equal(params('LayerNormalization', {}, [10]), 20);
  assert.equal(params('PReLU', {}, [10]), 10);
  assert.equal(params('PReLU', { shared_axes: [1, 2] }, [5, 5, 3]), 3);
});

test('output shapes of pooling, reshaping and preprocessing layers', () => {
  assert.deepEqual(outShape('MaxPooling2D', {}, [28, 28, 1]), [null, 14, 14, 1]);
  assert.deepEqual(outShape('MaxPool2D', { pool_size: 3, strides: 1, padding: 'same' }, [28, 28, 1]), [null, 28, 28, 1]);
  assert.deepEqual(outShape('AveragePooling1D', { pool_size: 4 }, [20, 3]), [null, 5, 3]);
  assert.deepEqual(outShape('MaxPooling3D', {}, [4, 4, 4, 2]), [null, 2, 2, 2, 2]);
  assert.deepEqual(outShape('GlobalAveragePooling1D', {}, [10, 3]), [null, 3]);
  assert.deepEqual(outShape('GlobalMaxPooling2D', {}, [8, 8, 5]), [null, 5]);
  assert.deepEqual(outShape('Conv2D', { filters: 2, kernel_size: 3, strides: 2 }, [28, 28, 1]), [null, 13, 13, 2]);
  assert.deepEqual(outShape('ZeroPadding1D', { padding: 2 }, [10, 3]), [null, 14, 3]);
  assert.deepEqual(outShape('ZeroPadding2D', {}, [28, 28, 1]), [null, 30, 30, 1]);
  assert.deepEqual(outShape('Cropping2D', { cropping: [[1, 1], [2, 2]] }, [28, 28, 1]), [null, 26, 24, 1]);
  assert.deepEqual(outShape('UpSampling2D', {}, [7, 7, 2]), [null, 14, 14, 2]);
  assert.deepEqual(outShape('Reshape', { target_shape: [-1, 2] }, [6]), [null, 3, 2]);
  assert.deepEqual(outShape('Permute', { dims: [2, 1] }, [10, 3]), [null, 3, 10]);
  assert.deepEqual(outShape('RepeatVector', { n: 4 }, [3]), [null, 4, 3]);
  assert.deepEqual(outShape('LSTM', { units: 5, return_sequences: true }, [7, 2]), [null, 7, 5]);
  assert.deepEqual(outShape('Bidirectional', { layer: { LSTM: 5 }, merge_mode: 'concat' }, [7, 2]), [null, 10]);
  assert.deepEqual(outShape('Resizing', { height: 16, width: 12 }, [32, 32, 3]), [null, 16, 12, 3]);
  assert.deepEqual(outShape('CenterCrop', { height: 20, width: 20 }, [32, 32, 3]), [null, 20, 20, 3]);
  assert.deepEqual(outShape('CategoryEncoding', { num_tokens: 5 }, [3]), [null, 5]);
});

test('Keras defaults, not tfjs\'s, are applied', () => {
  const lstm = one('LSTM', { units: 4 }, [3, 2]).layers[0]?.getConfig() as Record<string, unknown>;
  assert.equal(lstm.recurrentActivation, 'sigmoid'); // tfjs: hardSigmoid
  assert.equal(lstm.activation, 'tanh');
  assert.equal(lstm.unitForgetBias, true);
  const gru = one('GRU', { units: 4 }, [3, 2]).layers[0]?.getConfig() as Record<string, unknown>;
  assert.equal(gru.recurrentActivation, 'sigmoid');
  assert.equal(gru.resetAfter, true);
  const dense = one('Dense', { units: 4 }, [3]).layers[0]?.getConfig() as Record<string, Record<string, Record<string, unknown>>>;
  // glorot_uniform = VarianceScaling(scale 1, fan_avg, uniform); tfjs's own default is glorot_normal.
  assert.equal(dense.kernelInitializer?.className, 'VarianceScaling');
  assert.deepEqual([dense.kernelInitializer?.config?.mode, dense.kernelInitializer?.config?.distribution], ['fanAvg', 'uniform']);
  const conv = one('Conv2D', { filters: 2, kernel_size: 3 }, [5, 5, 1]).layers[0]?.getConfig() as typeof dense;
  assert.equal(conv.kernelInitializer?.config?.distribution, 'uniform');
  const leaky = one('LeakyReLU', {}, [3]).layers[0]?.getConfig() as Record<string, unknown>;
  assert.equal(leaky.alpha, 0.3);
  const bn = one('BatchNormalization', {}, [3]).layers[0]?.getConfig() as Record<string, unknown>;
  assert.deepEqual([bn.momentum, bn.epsilon], [0.99, 0.001]);
});

test('initializers: strings in both spellings, maps with arguments, Keras semantics', () => {
  const draw = (spec: unknown, shape: number[], seed = 3) => toTfInitializer(spec, seed)?.apply(shape, 'float32') as tf.Tensor;
  const std = (t: tf.Tensor) => Math.sqrt(tf.moments(t).variance.dataSync()[0] ?? 0);
  assert.deepEqual(Array.from(draw('he_uniform', [50, 50]).dataSync()), Array.from(draw('HeUniform', [50, 50]).dataSync()));
  // he_normal: truncated normal with Keras's correction, so the sample stddev is sqrt(2 / fan_in).
  assert.ok(Math.abs(std(draw('he_normal', [400, 400])) - Math.sqrt(2 / 400)) < 0.003);
  const rn = draw({ RandomNormal: { mean: 1, stddev: 0.5 } }, [200, 200]);
  assert.ok(Math.abs((tf.mean(rn).dataSync()[0] ?? 0) - 1) < 0.01);
  assert.ok(Math.abs(std(rn) - 0.5) < 0.01);
  // minval 0 stays 0 (tfjs's own RandomUniform turns it into -0.05).
  assert.ok((tf.min(draw({ random_uniform: { minval: 0, maxval: 1 } }, [100])).dataSync()[0] ?? -1) >= 0);
  assert.deepEqual(Array.from(draw({ Constant: 0.5 }, [3]).dataSync()), [0.5, 0.5, 0.5]);
  assert.deepEqual(Array.from(draw({ class_name: 'Constant', config: { value: 2 } }, [2]).dataSync()), [2, 2]);
  assert.deepEqual(Array.from(draw('identity', [2, 3]).dataSync()), [1, 0, 0, 0, 1, 0]);
  const q = draw('orthogonal', [8, 8]) as tf.Tensor2D;
  const qtq = tf.matMul(q, q, true, false);
  assert.ok((tf.max(tf.abs(tf.sub(qtq, tf.eye(8)))).dataSync()[0] ?? 1) < 1e-4);
  const vs = toTfInitializer({ VarianceScaling: { scale: 2, mode: 'fan_out', distribution: 'uniform' } })?.getConfig();
  assert.deepEqual([vs?.scale, vs?.mode, vs?.distribution], [2, 'fanOut', 'uniform']);
});

test('initializer seeds: reproducible, and distinct per weight and per seed', () => {
  const vals = (seed: number) => Array.from((toTfInitializer('glorot_uniform', seed)?.apply([20, 20]) as tf.Tensor).dataSync());
  assert.deepEqual(vals(5), vals(5));
  assert.notDeepEqual(vals(5), vals(6));
  const init = toTfInitializer('random_normal', 9);
  const first = Array.from((init?.apply([10]) as tf.Tensor).dataSync());
  const second = Array.from((init?.apply([10]) as tf.Tensor).dataSync());
  assert.notDeepEqual(first, second); // one initializer used twice must not repeat itself
  // Bidirectional: the backward copy must not start as a clone of the forward one.
  const bi = one('Bidirectional', { layer: { LSTM: 4 } }, [3, 2], 11).getWeights();
  assert.notDeepEqual(Array.from(bi[0]?.dataSync() ?? []), Array.from(bi[3]?.dataSync() ?? []));
});

test('unknown names throw clear errors with suggestions', () => {
  assert.throws(() => toTfInitializer('he_unifrom'), /unknown initializer "he_unifrom"; did you mean .*"he_uniform"/);
  assert.throws(() => toTfInitializer({ RandomNormal: { std: 1 } }), /initializer "RandomNormal" has no argument "std"; it takes mean, stddev, seed/);
  assert.throws(() => toTfActivation('sigmoidd'), /unknown activation "sigmoidd"; did you mean .*"sigmoid"/);
  assert.throws(() => toTfRegularizer('l3'), /unknown regularizer "l3"/);
  assert.throws(() => toTfConstraint('max_nrom'), /unknown constraint "max_nrom"; did you mean .*"max_norm"/);
  assert.throws(() => one('Bidirectional', { layer: { LSTMM: 4 } }, [3, 2]), /unknown layer "LSTMM"; did you mean "LSTM"/);
  assert.throws(() => one('Bidirectional', { layer: { Dense: 4 } }, [3, 2]), /Bidirectional wraps a recurrent layer/);
});

test('regularizers and constraints in Keras forms', () => {
  // tfjs's L1L2 class carries both factors; the one not asked for is 0.
  assert.deepEqual(toTfRegularizer('l2')?.getConfig(), { l1: 0, l2: 0.01 });
  assert.deepEqual(toTfRegularizer({ l2: 0.001 })?.getConfig(), { l1: 0, l2: 0.001 });
  assert.deepEqual(toTfRegularizer('L1')?.getConfig(), { l1: 0.01, l2: 0 });
  assert.deepEqual(toTfRegularizer({ l1_l2: { l1: 0.01, l2: 0.02 } })?.getConfig(), { l1: 0.01, l2: 0.02 });
  assert.equal(toTfConstraint({ MaxNorm: { max_value: 3 } })?.getConfig().maxValue, 3);
  assert.equal(toTfConstraint({ max_norm: 4 })?.getConfig().maxValue, 4);
  assert.equal(toTfConstraint('NonNeg')?.getClassName(), 'NonNeg');
  assert.equal(toTfConstraint('unit_norm')?.getClassName(), 'UnitNorm');
  assert.deepEqual(toTfConstraint({ MinMaxNorm: { min_value: 0.5, max_value: 2 } })?.getConfig(), { minValue: 0.5, maxValue: 2, rate: 1, axis: 0 });
  // A regularized layer adds its penalty to the model's losses.
  const m = one('Dense', { units: 2, kernel_regularizer: { l2: 0.1 }, kernel_constraint: 'non_neg' }, [3]);
  assert.equal(m.layers[0]?.losses.length, 1);
});

test('extra Keras activations compute what Keras computes', () => {
  const x = tf.tensor1d([-2, -0.5, 0, 1, 4]);
  const run = (name: string) => {
    const layer = tf.layers.activation({ activation: toTfActivation(name) as never });
    return Array.from((layer.apply(x) as tf.Tensor).dataSync()).map((v) => Math.round(v * 1e3) / 1e3);
  };
  assert.deepEqual(run('leaky_relu'), [-0.4, -0.1, 0, 1, 4]); // Keras 3's leaky_relu slope is 0.2
  assert.deepEqual(run('hard_tanh'), [-1, -0.5, 0, 1, 1]);
  assert.deepEqual(run('silu'), run('swish'));
  assert.deepEqual(run('exponential'), [0.135, 0.607, 1, 2.718, 54.598]);
});

test('dropout is reproducible from the seed yet draws a new mask each step', () => {
  const x = tf.ones([4, 50]);
  const masks = (seed: number) => {
    const m = one('Dropout', { rate: 0.5 }, [50], seed);
    const d = m.layers[0] as tf.layers.Layer;
    return [0, 1].map(() => Array.from((d.apply(x, { training: true }) as tf.Tensor).dataSync()));
  };
  const a = masks(1);
  const b = masks(1);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], a[1]);
  assert.ok(a[0]?.every((v) => v === 0 || v === 2));
});

test('a GRU (reset_after) with dropout trains on wasm: the loss goes down', async () => {
  await tf.setBackend('wasm');
  try {
    const spec: LayerSpec[] = [
      { type: 'GRU', args: { units: 8, dropout: 0.1 }, index: 1 },
      { type: 'Dense', args: { units: 1 }, index: 2 },
    ];
    const m = buildSequential({ name: 'gru', inputShape: [5, 2], layers: spec }, { seed: 3 });
    m.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const xs = tf.randomUniform([64, 5, 2], -1, 1, 'float32', 1);
    const ys = tf.sum(xs, [1, 2]).reshape([64, 1]);
    const h = await m.fit(xs, ys, { epochs: 15, batchSize: 16, verbose: 0 });
    const loss = h.history.loss as number[];
    assert.ok((loss[loss.length - 1] ?? Infinity) < (loss[0] ?? 0) * 0.5, `loss ${loss[0]} → ${loss[loss.length - 1]}`);
  } finally {
    await tf.setBackend('cpu');
  }
});

test('every registered layer documents itself and its arguments', () => {
  assert.ok(layers.all().length >= 50, `${layers.all().length} layers`);
  for (const e of layers.all()) {
    assert.ok(e.description.length > 10, e.name);
    if (e.positional) assert.ok(e.args[e.positional], `${e.name}.positional "${e.positional}" is not one of its args`);
    for (const [k, a] of Object.entries(e.args)) assert.ok(a.description && a.schema, `${e.name}.${k}`);
  }
  for (const n of ['Convolution2D', 'MaxPool2D', 'AvgPool1D', 'GlobalAvgPool2D', 'SeparableConvolution2D']) assert.ok(layers.find(n), n);
});
