/** kerats' own layers (MultiHeadAttention, Attention, AdditiveAttention, LocallyConnected1D/2D): Keras parameter counts, shapes, gradients, save/load. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { layers } from '../src/registry/layers/index.js';
import { MultiHeadAttention } from '../src/registry/layers/custom/index.js';
import { saveModel } from '../src/saving/model-io.js';
import { ROOT, tempDir } from './helpers/cli.js';

const build = (name: string, args: Record<string, unknown>, common: Record<string, unknown> = {}, seed = 1): tf.layers.Layer =>
  layers.get(name).build(args, common, { seed });

function seqModel(layer: tf.layers.Layer): tf.Sequential {
  const m = tf.sequential();
  m.add(layer);
  return m;
}

before(async () => {
  await tf.setBackend('wasm');
});

describe('MultiHeadAttention', () => {
  it('has Keras\'s parameter count and output shape (num_heads=2, key_dim=2 on (None, 8, 16))', () => {
    const m = seqModel(build('MultiHeadAttention', { num_heads: 2, key_dim: 2 }, { inputShape: [8, 16] }));
    // query/key/value: kernel 16*2*2 + bias 2*2 each; output: kernel 2*2*16 + bias 16
    const perProjection = 16 * 2 * 2 + 2 * 2;
    assert.equal(m.countParams(), 3 * perProjection + (2 * 2 * 16 + 16));
    assert.deepEqual(m.outputs[0]?.shape, [null, 8, 16]);
  });

  it('takes [query, value, key] with value_dim and output_shape, like Keras', () => {
    const q = tf.input({ shape: [5, 6] });
    const v = tf.input({ shape: [7, 4] });
    const k = tf.input({ shape: [7, 3] });
    const layer = build('MultiHeadAttention', { num_heads: 3, key_dim: 2, value_dim: 5, output_shape: 9, use_bias: false });
    const out = layer.apply([q, v, k]) as tf.SymbolicTensor;
    assert.deepEqual(out.shape, [null, 5, 9]);
    const m = tf.model({ inputs: [q, v, k], outputs: out });
    assert.equal(m.countParams(), 6 * 3 * 2 + 3 * 3 * 2 + 4 * 3 * 5 + 3 * 5 * 9);
    const y = m.predict([tf.ones([2, 5, 6]), tf.ones([2, 7, 4]), tf.ones([2, 7, 3])]) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 5, 9]);
  });

  it('computes softmax(QK^T/sqrt(d))V: a one-head identity case matches a hand computation', async () => {
    await tf.setBackend('cpu');
    const layer = new MultiHeadAttention({ numHeads: 1, keyDim: 2, useBias: false, kernelInitializer: tf.initializers.zeros() });
    const x = tf.tensor3d([[[1, 0], [0, 1]]]);
    layer.apply(x);
    const eye = tf.reshape(tf.eye(2), [2, 1, 2]);
    layer.setWeights([eye, eye, eye, tf.reshape(tf.eye(2), [1, 2, 2])]);
    const y = (layer.apply(x) as tf.Tensor).arraySync() as number[][][];
    const a = Math.exp(1 / Math.SQRT2);
    const w = a / (a + 1); // weight on the matching position
    assert.ok(Math.abs((y[0]?.[0]?.[0] ?? 0) - w) < 1e-5);
    assert.ok(Math.abs((y[0]?.[0]?.[1] ?? 0) - (1 - w)) < 1e-5);
    await tf.setBackend('wasm');
  });

  it('gradients match finite differences on a tiny case', async () => {
    await tf.setBackend('cpu');
    const layer = build('MultiHeadAttention', { num_heads: 2, key_dim: 2 }, {}, 7);
    const x = tf.randomNormal([1, 3, 4], 0, 1, 'float32', 3);
    layer.apply(x);
    const target = tf.randomNormal([1, 3, 4], 0, 1, 'float32', 4);
    const loss = () => tf.sum(tf.square(tf.sub(layer.apply(x) as tf.Tensor, target))) as tf.Scalar;
    const vars = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const { grads } = tf.variableGrads(loss, vars);
    let checked = 0;
    for (const v of vars.slice(0, 4)) {
      const g = grads[v.name]?.dataSync() as Float32Array;
      const base = v.dataSync().slice();
      for (const i of [0, base.length - 1]) {
        const eps = 1e-2;
        const at = (d: number) => { const b = base.slice(); b[i] = (b[i] as number) + d; v.assign(tf.tensor(b, v.shape)); return loss().dataSync()[0] as number; };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor(base, v.shape));
        assert.ok(Math.abs(numeric - (g[i] as number)) < 2e-2 * Math.max(1, Math.abs(numeric)), `${v.name}[${i}]: analytic ${g[i]} vs numeric ${numeric}`);
        checked++;
      }
    }
    assert.equal(checked, 8);
    await tf.setBackend('wasm');
  });

  it('attention dropout is reproducible from the run\'s seed', () => {
    const x = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 5);
    const out = (seed: number) => {
      const l = build('MultiHeadAttention', { num_heads: 2, key_dim: 2, dropout: 0.5 }, {}, seed);
      return Array.from((l.apply(x, { training: true }) as tf.Tensor).dataSync());
    };
    assert.deepEqual(out(3), out(3));
    assert.notDeepEqual(out(3), out(4));
  });

  it('training reduces the loss', async () => {
    const m = seqModel(build('MultiHeadAttention', { num_heads: 2, key_dim: 4 }, { inputShape: [4, 3] }));
    m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = tf.randomNormal([32, 4, 3], 0, 1, 'float32', 1);
    const y = tf.mul(tf.mean(x, 1, true).tile([1, 4, 1]), 2);
    const h = await m.fit(x, y, { epochs: 15, batchSize: 16, verbose: 0 });
    const loss = h.history.loss as number[];
    assert.ok((loss[loss.length - 1] as number) < 0.7 * (loss[0] as number), `loss ${loss[0]} → ${loss[loss.length - 1]}`);
  });
});

describe('Attention and AdditiveAttention', () => {
  it('have Keras\'s weights: Attention(use_scale) 1, concat +1; AdditiveAttention a scale per feature', () => {
    const q = tf.input({ shape: [5, 4] });
    const v = tf.input({ shape: [7, 4] });
    const count = (name: string, args: Record<string, unknown>) => {
      const out = build(name, args).apply([q, v]) as tf.SymbolicTensor;
      assert.deepEqual(out.shape, [null, 5, 4]);
      return tf.model({ inputs: [q, v], outputs: out }).countParams();
    };
    assert.equal(count('Attention', {}), 0);
    assert.equal(count('Attention', { use_scale: true }), 1);
    assert.equal(count('Attention', { use_scale: true, score_mode: 'concat' }), 2);
    assert.equal(count('AdditiveAttention', {}), 4);
    assert.equal(count('AdditiveAttention', { use_scale: false }), 0);
  });

  it('Attention returns a convex combination of the values', () => {
    const layer = build('Attention', {});
    const y = layer.apply([tf.randomNormal([2, 3, 4]), tf.tensor3d([[[1, 1, 1, 1], [1, 1, 1, 1]], [[2, 2, 2, 2], [2, 2, 2, 2]]])]) as tf.Tensor;
    const arr = y.arraySync() as number[][][];
    assert.ok(arr[0]?.flat().every((v) => Math.abs(v - 1) < 1e-5));
    assert.ok(arr[1]?.flat().every((v) => Math.abs(v - 2) < 1e-5));
  });
});

describe('LocallyConnected1D/2D', () => {
  it('LocallyConnected1D(filters=4, kernel_size=3) on (10, 5): out_len*(k*in*filters) + out_len*filters (Keras 2)', () => {
    const m = seqModel(build('LocallyConnected1D', { filters: 4, kernel_size: 3 }, { inputShape: [10, 5] }));
    const out = 10 - 3 + 1;
    assert.equal(m.countParams(), out * 3 * 5 * 4 + out * 4);
    assert.deepEqual(m.outputs[0]?.shape, [null, 8, 4]);
  });

  it('LocallyConnected2D(filters=3, kernel_size=2, strides=2) on (6, 6, 2): rows*cols*(kh*kw*in*filters) + rows*cols*filters', () => {
    const m = seqModel(build('LocallyConnected2D', { filters: 3, kernel_size: 2, strides: 2 }, { inputShape: [6, 6, 2] }));
    assert.equal(m.countParams(), 3 * 3 * (2 * 2 * 2 * 3) + 3 * 3 * 3);
    assert.deepEqual(m.outputs[0]?.shape, [null, 3, 3, 3]);
  });

  it('uses unshared weights: each position computes with its own kernel', () => {
    const layer = build('LocallyConnected1D', { filters: 1, kernel_size: 1, use_bias: false });
    layer.apply(tf.zeros([1, 3, 1]));
    layer.setWeights([tf.tensor3d([[[1]], [[10]], [[100]]])]);
    const y = (layer.apply(tf.ones([1, 3, 1])) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(y), [1, 10, 100]);
  });

  it('training reduces the loss', async () => {
    const m = seqModel(build('LocallyConnected1D', { filters: 2, kernel_size: 2, activation: 'tanh' }, { inputShape: [6, 2] }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 1 }));
    m.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
    const x = tf.randomNormal([64, 6, 2], 0, 1, 'float32', 2);
    const y = tf.sum(x, [1, 2]).reshape([64, 1]);
    const h = await m.fit(x, y, { epochs: 20, batchSize: 32, verbose: 0 });
    const loss = h.history.loss as number[];
    assert.ok((loss[loss.length - 1] as number) < 0.5 * (loss[0] as number), `loss ${loss[0]} → ${loss[loss.length - 1]}`);
  });
});

describe('save and load', () => {
  it('a model with a nested Sequential, MultiHeadAttention and a Lambda gives the same predictions in a new process', async () => {
    const inp = tf.input({ shape: [4, 6], name: 'seq' });
    const sub = tf.sequential({ name: 'inner' });
    sub.add(tf.layers.dense({ units: 8, inputShape: [4, 6], activation: 'relu' }));
    sub.add(tf.layers.dense({ units: 6 }));
    let x = sub.apply(inp) as tf.SymbolicTensor;
    x = build('MultiHeadAttention', { num_heads: 2, key_dim: 3 }, { name: 'mha' }).apply(x) as tf.SymbolicTensor;
    x = build('Lambda', { expr: 'tanh(x) * 2 + mean(x, axis=-1, keepdims=true)' }, { name: 'expr_Layer' }).apply(x) as tf.SymbolicTensor;
    x = build('LocallyConnected1D', { filters: 2, kernel_size: 2 }, { name: 'lc' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: inp, outputs: x });
    const input = tf.randomNormal([3, 4, 6], 0, 1, 'float32', 11);
    const expected = Array.from((model.predict(input) as tf.Tensor).dataSync());

    const dir = tempDir();
    await saveModel(model, dir);
    const inputJson = JSON.stringify(input.arraySync());
    const script = `
      import * as tf from '@tensorflow/tfjs';
      import { loadModel } from ${JSON.stringify(path.join(ROOT, 'dist/src/saving/model-io.js'))};
      await tf.setBackend('cpu');
      const m = await loadModel(${JSON.stringify(path.join(dir, 'model.json'))});
      const y = m.predict(tf.tensor(${inputJson}));
      process.stdout.write(JSON.stringify({ y: Array.from(y.dataSync()), names: m.layers.map((l) => l.getClassName()) }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { y: number[]; names: string[] };
    assert.deepEqual(got.names, ['InputLayer', 'Sequential', 'MultiHeadAttention', 'Lambda', 'LocallyConnected1D']);
    assert.equal(got.y.length, expected.length);
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs((got.y[i] as number) - (expected[i] as number)) < 1e-5, `prediction ${i}: ${got.y[i]} vs ${expected[i]}`);
  });
});
