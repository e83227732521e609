/**
 * ONNX export layer by layer: small models built from the layer registry, given non-trivial
 * weights (biases too, so a dropped or misplaced bias shows), exported and run by ONNX Runtime;
 * the outputs must equal tfjs's predictions to 1e-4. Complements onnx-export.test.ts (trained
 * runs through the CLI) with the layers and settings those runs do not reach.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { layers } from '../src/registry/layers/index.js';
import { exportOnnx } from '../src/saving/onnx/index.js';
import { tempDir } from './helpers/cli.js';

const dir = tempDir('kerats-onnx-layers-');
let count = 0;

before(async () => {
  await tf.setBackend('cpu');
});

const L = (name: string, args: Record<string, unknown> = {}): tf.layers.Layer => layers.get(name).build(args, name === 'Dense' || !('name' in args) ? {} : { name: args.name as string }, {});

/** Deterministic, varied values in [-scale, scale]. */
function values(n: number, seed: number, scale = 0.6): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => scale * Math.sin(i * 1.7 + seed * 2.3 + 0.4));
}

/** Gives every weight varied values; variances stay positive. */
function perturb(model: tf.LayersModel): void {
  model.setWeights(model.weights.map((w, k) => {
    const shape = w.read().shape;
    const v = values(shape.reduce((a, b) => a * b, 1), k);
    if (/moving_variance/.test(w.originalName)) v.forEach((x, i) => (v[i] = 0.5 + Math.abs(x)));
    return tf.tensor(v, shape);
  }));
}

/** Exports `model`, runs ONNX Runtime on `xs` and compares every output with tfjs's. */
async function matches(model: tf.LayersModel, xs: { shape: number[]; data?: Float32Array }[]): Promise<void> {
  const file = path.join(dir, `m${count++}.onnx`);
  const result = await exportOnnx({ model, out: file });
  const inputs = xs.map((x, i) => {
    const data = x.data ?? values(x.shape.reduce((a, b) => a * b, 1), 10 + i, 1.5);
    return { data, shape: x.shape };
  });
  const expected = model.predict(inputs.map((x) => tf.tensor(x.data, x.shape))) as tf.Tensor | tf.Tensor[];
  const want = (Array.isArray(expected) ? expected : [expected]).map((t) => t.dataSync() as Float32Array);
  const session = await ort.InferenceSession.create(file);
  const feeds: Record<string, ort.Tensor> = {};
  result.inputs.forEach((inp, i) => {
    const x = inputs[i];
    if (x) feeds[inp.name] = new ort.Tensor('float32', x.data, x.shape);
  });
  const got = await session.run(feeds);
  assert.equal(session.outputNames.length, want.length);
  session.outputNames.forEach((name, k) => {
    const o = (got[name] as ort.Tensor).data as Float32Array;
    const w = want[k] ?? new Float32Array(0);
    assert.equal(o.length, w.length, `output ${k} size`);
    let diff = 0;
    for (let i = 0; i < w.length; i++) diff = Math.max(diff, Math.abs((o[i] ?? NaN) - (w[i] ?? NaN)));
    assert.ok(diff <= 1e-4, `output ${k} differs by ${diff}`);
  });
}

/** One-input model: `build` maps the input to the output(s). */
async function single(shape: number[], build: (x: tf.SymbolicTensor) => tf.SymbolicTensor | tf.SymbolicTensor[], batch = 3): Promise<void> {
  const inp = tf.input({ shape });
  const model = tf.model({ inputs: inp, outputs: build(inp) });
  perturb(model);
  await matches(model, [{ shape: [batch, ...shape] }]);
}

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;

describe('ONNX export of each layer family equals tfjs to 1e-4', () => {
  it('activations by name in Dense and Activation layers', async () => {
    const names = ['relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'hard_sigmoid', 'swish', 'silu', 'mish', 'gelu', 'exponential', 'leaky_relu', 'log_sigmoid', 'hard_silu', 'celu', 'hard_tanh', 'hard_shrink', 'soft_shrink', 'tanh_shrink', 'squareplus', 'linear', 'log_softmax'];
    for (const act of names) {
      await single([5], (x) => apply(L('Activation', { activation: act }), apply(L('Dense', { units: 4, activation: act }), x)));
    }
  });

  it('advanced activation layers: ReLU (max_value), LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax', async () => {
    await single([6], (x) => {
      let y = apply(L('ReLU', { max_value: 0.5 }), x);
      y = apply(L('Dense', { units: 6 }), y);
      y = apply(L('LeakyReLU', { negative_slope: 0.1 }), y);
      y = apply(L('PReLU'), y);
      y = apply(L('ELU'), y);
      y = apply(L('ThresholdedReLU', { theta: 0.2 }), y);
      return apply(L('Softmax'), y);
    });
  });

  it('reshapes: Flatten, Reshape, Permute, RepeatVector, Rescaling', async () => {
    await single([4, 6], (x) => {
      let y = apply(L('Permute', { dims: [2, 1] }), x);
      y = apply(L('Reshape', { target_shape: [3, -1] }), y);
      y = apply(L('Flatten'), y);
      y = apply(L('Rescaling', { scale: 0.5, offset: 0.25 }), y);
      y = apply(L('RepeatVector', { n: 3 }), y);
      return apply(L('Dense', { units: 2 }), y);
    });
  });

  it('Conv1D, AveragePooling1D, GlobalAveragePooling1D / GlobalMaxPooling1D, ZeroPadding1D', async () => {
    await single([9, 3], (x) => {
      let y = apply(L('ZeroPadding1D', { padding: [1, 2] }), x);
      y = apply(L('Conv1D', { filters: 4, kernel_size: 3, strides: 2, activation: 'relu' }), y);
      y = apply(L('AveragePooling1D', { pool_size: 2, padding: 'same' }), y);
      return [apply(L('GlobalAveragePooling1D'), y), apply(L('GlobalMaxPooling1D'), y)];
    });
  });

  it('ZeroPadding2D, Cropping2D, UpSampling2D, Conv2DTranspose with kernel < stride and valid padding, GlobalAveragePooling2D', async () => {
    await single([5, 6, 2], (x) => {
      let y = apply(L('ZeroPadding2D', { padding: [[1, 0], [2, 1]] }), x);
      y = apply(L('Cropping2D', { cropping: [[0, 1], [1, 2]] }), y);
      y = apply(L('UpSampling2D', { size: [2, 3] }), y);
      y = apply(L('Conv2DTranspose', { filters: 3, kernel_size: 2, strides: 3, padding: 'valid' }), y);
      y = apply(L('Conv2DTranspose', { filters: 2, kernel_size: 3, strides: 2, padding: 'same' }), y);
      y = apply(L('MaxPooling2D', { pool_size: 3, strides: 2, padding: 'same' }), y);
      return apply(L('GlobalAveragePooling2D'), y);
    });
  });

  it('BatchNormalization on sequences and LayerNormalization over two trailing axes', async () => {
    await single([4, 5], (x) => {
      let y = apply(L('BatchNormalization'), x);
      y = apply(L('LayerNormalization', { axis: [1, 2], epsilon: 1e-5 }), y);
      return apply(L('LayerNormalization'), y);
    });
  });

  it('Attention (use_scale), AdditiveAttention and Dot over sequence axes', async () => {
    const q = tf.input({ shape: [4, 6] });
    const v = tf.input({ shape: [5, 6] });
    const att = apply(L('Attention', { use_scale: true }), [q, v]);
    const add = apply(L('AdditiveAttention'), [q, v, v]);
    const dot = apply(L('Dot', { axes: 2 }), [att, add]);
    const cos = apply(L('Dot', { axes: [2, 2], normalize: true }), [q, v]);
    const model = tf.model({ inputs: [q, v], outputs: [dot, cos] });
    perturb(model);
    await matches(model, [{ shape: [2, 4, 6] }, { shape: [2, 5, 6] }]);
  });

  it('MultiHeadAttention: cross-attention with value_dim/output_shape, and a causal self-attention', async () => {
    const q = tf.input({ shape: [4, 6] });
    const v = tf.input({ shape: [5, 3] });
    const cross = apply(L('MultiHeadAttention', { num_heads: 3, key_dim: 2, value_dim: 4, output_shape: 5 }), [q, v]);
    const causal = apply(L('MultiHeadAttention', { num_heads: 2, key_dim: 3, use_causal_mask: true }), [q, q]);
    const model = tf.model({ inputs: [q, v], outputs: [cross, causal] });
    perturb(model);
    await matches(model, [{ shape: [2, 4, 6] }, { shape: [2, 5, 3] }]);
  });

  it('recurrent layers with biases: LSTM return_state, GRU go_backwards both ways, Bidirectional mul', async () => {
    await single([6, 3], (x) => {
      const [seq, h, c] = L('LSTM', { units: 4, return_sequences: true, return_state: true }).apply(x) as tf.SymbolicTensor[];
      const g1 = apply(L('GRU', { units: 3, go_backwards: true }), seq as tf.SymbolicTensor);
      const g2 = apply(L('GRU', { units: 3, reset_after: false, go_backwards: true, return_sequences: true }), seq as tf.SymbolicTensor);
      const bi = apply(L('Bidirectional', { layer: { GRU: { units: 2 } }, merge_mode: 'mul' }), g2);
      return [h as tf.SymbolicTensor, c as tf.SymbolicTensor, g1, bi];
    });
  });

  it("tfjs's own LSTM and GRU (hard_sigmoid gates), also Bidirectional", async () => {
    await single([5, 3], (x) => {
      const lstm = apply(tf.layers.lstm({ units: 3, returnSequences: true }), x);
      const bi = apply(tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2 }) as unknown as tf.RNN }), lstm);
      const gru = apply(L('GRU', { units: 2, recurrent_activation: 'hard_sigmoid', reset_after: false }), lstm);
      return [bi, gru];
    });
  });

  it('TimeDistributed Dense and Conv2D', async () => {
    await single([3, 6, 6, 2], (x) => {
      const conv = apply(L('TimeDistributed', { layer: { Conv2D: { filters: 3, kernel_size: 3, activation: 'relu' } } }), x);
      const flat = apply(L('TimeDistributed', { layer: 'Flatten' }), conv);
      return apply(L('TimeDistributed', { layer: { Dense: { units: 2, activation: 'softmax' } } }), flat);
    });
  });

  it('a shared layer (two calls) and a nested Sequential model are inlined', async () => {
    const inner = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [4], activation: 'tanh' }), tf.layers.dense({ units: 2 })] });
    const a = tf.input({ shape: [4] });
    const b = tf.input({ shape: [4] });
    const shared = L('Dense', { units: 4, activation: 'relu' });
    const merged = apply(L('Concatenate'), [apply(inner as unknown as tf.layers.Layer, apply(shared, a)), apply(shared, b)]);
    const model = tf.model({ inputs: [a, b], outputs: merged });
    perturb(model);
    await matches(model, [{ shape: [3, 4] }, { shape: [3, 4] }]);
  });
});
