/** kerats' training loop on real small models (wasm backend): learning, metrics, determinism, leaks. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { CompileSpec } from '../src/config/types.js';
import type { Examples } from '../src/runtime/data/types.js';
import type { Callback } from '../src/registry/callbacks/callbacks-types.js';
import { Prng } from '../src/util/prng.js';
import { buildOptimizer, evaluate, train } from '../src/runtime/training/trainer.js';

/** Three Gaussian blobs in 2-D, well separated: class id = blob. */
function blobs(n: number, seed: number, encoding: 'sparse' | 'categorical' | 'binary'): Examples {
  const rng = new Prng(seed);
  const rand = () => rng.next();
  const centers = encoding === 'binary' ? [[-2, -2], [2, 2]] : [[-3, 0], [3, 0], [0, 3]];
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % centers.length;
    const c = centers[k] as number[];
    xs.push((c[0] as number) + (rand() - 0.5), (c[1] as number) + (rand() - 0.5));
    if (encoding === 'categorical') ys.push(...centers.map((_, j) => (j === k ? 1 : 0)));
    else ys.push(k);
  }
  const x = tf.tensor2d(xs, [n, 2]);
  const y = encoding === 'categorical' ? tf.tensor2d(ys, [n, centers.length]) : tf.tensor2d(ys, [n, 1]);
  return { x, y, size: n };
}

function classifier(units: number, activation: 'softmax' | 'sigmoid', seed = 1, extra: tf.layers.Layer[] = []): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  for (const l of extra) m.add(l);
  m.add(tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

const sparseCompile: CompileSpec = {
  optimizer: { type: 'Adam', args: { learning_rate: 0.05 } },
  loss: 'sparse_categorical_crossentropy',
  metrics: ['accuracy'],
};

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('train', () => {
  it('lowers the loss and logs Keras history keys, with validation', async () => {
    const data = blobs(90, 1, 'sparse');
    const val = blobs(30, 2, 'sparse');
    const model = classifier(3, 'softmax');
    const r = await train(model, sparseCompile, data, { epochs: 8, batchSize: 16, shuffle: true, seed: 7, validation: val, callbacks: [] });
    assert.deepEqual(Object.keys(r.history), ['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    assert.equal(r.epochsCompleted, 8);
    assert.equal(r.stoppedEarly, false);
    const loss = r.history.loss ?? [];
    assert.equal(loss.length, 8);
    assert.ok((loss[7] ?? Infinity) < (loss[0] ?? 0) / 2, `loss should fall: ${loss.join(', ')}`);
    assert.ok((r.history.val_accuracy?.[7] ?? 0) > 0.9);
    // The reported validation numbers are what evaluate() computes on the final weights.
    const ev = await evaluate(model, sparseCompile, val, 16);
    assert.ok(Math.abs((ev.loss ?? 0) - (r.history.val_loss?.[7] ?? -1)) < 1e-5);
    assert.ok(Math.abs((ev.accuracy ?? 0) - (r.history.val_accuracy?.[7] ?? -1)) < 1e-6);
    tf.dispose([data.x, data.y, val.x, val.y]);
    model.dispose();
  });

  it('resolves accuracy by the loss: binary for binary_crossentropy, categorical for one-hot labels', async () => {
    const bin = blobs(40, 3, 'binary');
    const mb = classifier(1, 'sigmoid');
    const rb = await train(mb, { optimizer: { type: 'SGD', args: { learning_rate: 0.1 } }, loss: 'binary_crossentropy', metrics: ['acc'] }, bin, {
      epochs: 5, batchSize: 8, shuffle: false, callbacks: [],
    });
    // Logged under the name the user wrote; binary accuracy of a 1-unit sigmoid on separable data.
    assert.ok((rb.history.acc?.[4] ?? 0) > 0.9, JSON.stringify(rb.history));
    const cat = blobs(60, 4, 'categorical');
    const mc = classifier(3, 'softmax');
    const rc = await train(mc, { optimizer: { type: 'RMSprop', args: {} }, loss: 'categorical_crossentropy', metrics: ['accuracy', 'mse'] }, cat, {
      epochs: 3, batchSize: 10, shuffle: true, seed: 1, callbacks: [],
    });
    assert.deepEqual(Object.keys(rc.history), ['loss', 'accuracy', 'mse']);
    // Epoch accuracy is a fraction of 60 samples.
    const acc = rc.history.accuracy?.[2] ?? -1;
    assert.ok(Math.abs(acc * 60 - Math.round(acc * 60)) < 1e-4);
    tf.dispose([bin.x, bin.y, cat.x, cat.y]);
    mb.dispose();
    mc.dispose();
  });

  it('gives identical weights for the same shuffle seed, different ones for another seed', async () => {
    const data = blobs(60, 5, 'sparse');
    const run = async (seed: number) => {
      const m = classifier(3, 'softmax', 11);
      await train(m, sparseCompile, data, { epochs: 3, batchSize: 8, shuffle: true, seed, callbacks: [] });
      const w = m.getWeights().map((t) => Array.from(t.dataSync()));
      m.dispose();
      return w;
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    tf.dispose([data.x, data.y]);
  });

  it('leaks no tensors from epoch to epoch', async () => {
    const data = blobs(50, 6, 'sparse');
    const val = blobs(20, 7, 'sparse');
    const model = classifier(3, 'softmax', 1, [tf.layers.dropout({ rate: 0.2 }), tf.layers.batchNormalization()]);
    const counts: number[] = [];
    const probe: Callback = { name: 'probe', onEpochEnd: () => void counts.push(tf.memory().numTensors) };
    await train(
      model,
      { optimizer: { type: 'SGD', args: { momentum: 0.9 } }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy', 'precision', 'auc'] },
      data,
      {
        epochs: 5, batchSize: 16, shuffle: true, seed: 1, validation: val,
        callbacks: [{ type: 'EarlyStopping', args: { monitor: 'val_loss', patience: 10, restore_best_weights: true } }],
        extraCallbacks: [probe],
      },
    );
    assert.equal(counts.length, 5);
    assert.equal(counts[1], counts[4]);
    tf.dispose([data.x, data.y, val.x, val.y]);
    model.dispose();
  });

  it('adds layer regularization penalties to the loss, like Keras', async () => {
    const data = blobs(30, 8, 'sparse');
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 3, activation: 'softmax', inputShape: [2], kernelRegularizer: tf.regularizers.l2({ l2: 0.5 }) })],
    });
    const compile: CompileSpec = { optimizer: { type: 'SGD', args: {} }, loss: 'sparse_categorical_crossentropy', metrics: [] };
    const ev = await evaluate(model, compile, data, 30);
    const expected = tf.tidy(() => {
      const p = model.predict(data.x as tf.Tensor) as tf.Tensor;
      const ids = tf.cast(tf.reshape(data.y as tf.Tensor, [-1]), 'int32');
      const nll = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(ids, 3), tf.log(tf.clipByValue(p, 1e-7, 1 - 1e-7))), -1)));
      const kernel = model.layers[0]?.getWeights()[0] as tf.Tensor;
      return tf.add(nll, tf.mul(0.5, tf.sum(tf.square(kernel)))).dataSync()[0] ?? NaN;
    });
    assert.ok(Math.abs((ev.loss ?? 0) - expected) < 1e-5, `${ev.loss} vs ${expected}`);
    tf.dispose([data.x, data.y]);
    model.dispose();
  });

  it('runs BatchNormalization in training mode: moving statistics move during training', async () => {
    const data = blobs(40, 9, 'sparse');
    const bn = tf.layers.batchNormalization();
    const model = classifier(3, 'softmax', 1, [bn]);
    const before = Array.from((bn.getWeights()[2] as tf.Tensor).dataSync());
    await train(model, sparseCompile, data, { epochs: 2, batchSize: 10, shuffle: false, callbacks: [] });
    const after = Array.from((bn.getWeights()[2] as tf.Tensor).dataSync());
    assert.ok(before.every((v) => v === 0));
    assert.ok(after.some((v) => Math.abs(v) > 1e-3), `moving_mean stayed ${after.join(',')}`);
    tf.dispose([data.x, data.y]);
    model.dispose();
  });

  it('reports a label/output mismatch in Keras terms before training', async () => {
    const data = blobs(30, 10, 'categorical');
    const model = classifier(4, 'softmax');
    await assert.rejects(
      train(model, { ...sparseCompile, loss: 'categorical_crossentropy' }, data, { epochs: 1, batchSize: 8, shuffle: false, callbacks: [] }),
      (e: Error) => e.name === 'ConfigError' && /categorical_crossentropy/.test(e.message) && /\[30, 3\]/.test(e.message),
    );
    await assert.rejects(
      train(model, { ...sparseCompile, optimizer: { type: 'Adam', args: { clipnorm: 1, clipvalue: 0.5 } } }, blobs(9, 1, 'sparse'), { epochs: 1, batchSize: 8, shuffle: false, callbacks: [] }),
      (e: Error) => e.name === 'ConfigError' && /clipnorm/.test(e.message) && /clipvalue/.test(e.message),
    );
    tf.dispose([data.x, data.y]);
    model.dispose();
  });

  it('builds optimizers with Keras defaults, not tfjs ones', () => {
    const cfg = (type: string, args: Record<string, unknown> = {}) => {
      const o = buildOptimizer({ optimizer: { type, args }, loss: 'mse', metrics: [] });
      const c = o.getConfig();
      o.dispose();
      return c;
    };
    const none = { weight_decay: null, clipnorm: null, clipvalue: null, global_clipnorm: null };
    assert.deepEqual(cfg('Adam'), { learning_rate: 0.001, ...none, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false });
    assert.deepEqual(cfg('AdamW'), { learning_rate: 0.001, ...none, weight_decay: 0.004, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false });
    assert.deepEqual(cfg('Adagrad'), { learning_rate: 0.001, ...none, initialAccumulatorValue: 0.1, epsilon: 1e-7 });
    assert.deepEqual(cfg('Adadelta'), { learning_rate: 0.001, ...none, rho: 0.95, epsilon: 1e-7 });
    assert.equal(cfg('SGD').learning_rate, 0.01);
    assert.deepEqual(cfg('SGD', { momentum: 0.9, nesterov: true }), { learning_rate: 0.01, ...none, momentum: 0.9, nesterov: true });
    assert.equal(cfg('RMSprop').rho, 0.9);
    assert.equal(cfg('Nadam').beta2, 0.999);
  });

  it('keeps centered RMSprop finite where a gradient is zero (Keras adds epsilon under the root)', () => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    const o = buildOptimizer({ optimizer: { type: 'RMSprop', args: { centered: true } }, loss: 'mse', metrics: [] });
    // d/dv of v[0]^2 is 2 for the first weight and 0 for the second.
    for (let i = 0; i < 3; i++) o.minimize(() => tf.sum(tf.mul(tf.square(v), tf.tensor1d([1, 0]))), false, [v]);
    const after = Array.from(v.dataSync());
    assert.ok(after.every(Number.isFinite), `${after}`);
    assert.ok((after[0] ?? 1) < 1);
    assert.equal(after[1], 2);
    o.dispose();
    v.dispose();
  });
});
