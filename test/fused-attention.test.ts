/**
 * MultiHeadAttention and Attention on the wasm backend: the fused native attention kernel
 * (native/kerats_attention.c through src/runtime/wasm-kernels/fused-attention*.ts) against the
 * layers' generic tfjs path, forward output, attention scores and the gradients of the loss with
 * respect to query, key, value and every weight, relative error <= 1e-4, over several shapes,
 * masks and causal masking; and a small model that trains on the fused path.
 *
 * With the addon built this runs with OpenBLAS; test/fused-attention-bundled.test.ts runs it with
 * the addon's bundled SGEMM and test/fused-attention-plain.test.ts with the addon off, where every
 * call must take the generic path and say why.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/runtime/backend.js';
import { nativeBlasStatus } from '../src/runtime/native/blas.js';
import { MultiHeadAttention, type MultiHeadAttentionArgs } from '../src/registry/layers/custom/multi-head-attention.js';
import { Attention } from '../src/registry/layers/custom/attention.js';
import { fusedAttentionUnavailable, setFusedAttentionEnabled } from '../src/runtime/wasm-kernels/fused-attention-op.js';
import { clearRecordedPaths, recordedPaths } from '../src/runtime/profile/kernel-path.js';
import { randoms, relativeError } from './helpers/numeric.js';

const TOL = 1e-4;
const addonOn = process.env['KERATS_NATIVE_BLAS'] !== '0';

function rand(shape: number[], seed: number, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(randoms(n, seed).map((v) => v * scale), shape);
}

const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

interface Case {
  label: string;
  args: MultiHeadAttentionArgs;
  B: number;
  T: number;
  /** Key/value length; T when absent (self-attention). */
  S?: number;
  dims: { q: number; v?: number; k?: number };
}

const CASES: Case[] = [
  { label: 'batch 1, one head, self-attention', args: { numHeads: 1, keyDim: 3 }, B: 1, T: 5, dims: { q: 4 } },
  { label: 'four heads, key_dim != value_dim, causal, odd length', args: { numHeads: 4, keyDim: 8, valueDim: 5, useCausalMask: true }, B: 3, T: 7, dims: { q: 6 } },
  {
    label: 'cross-attention with an attention_mask, scores returned, output_shape',
    args: { numHeads: 4, keyDim: 4, valueDim: 6, attentionMaskInput: true, returnAttentionScores: true, outputShape: 7 },
    B: 2, T: 5, S: 9, dims: { q: 6, v: 4, k: 3 },
  },
  {
    label: 'no bias, attention_mask and causal together, broadcast mask rows',
    args: { numHeads: 2, keyDim: 16, useBias: false, attentionMaskInput: true, useCausalMask: true },
    B: 2, T: 11, dims: { q: 8 },
  },
  { label: 'the benchmark shape, two heads of 32', args: { numHeads: 2, keyDim: 32 }, B: 2, T: 64, dims: { q: 64 } },
];

interface Outcome {
  outputs: Float32Array[];
  inputGrads: Float32Array[];
  weightGrads: Float32Array[];
  path: string | undefined;
}

/** Output(s), gradients of a random projection of them w.r.t. the float inputs and every weight, and the path taken. */
function run(c: Case, fused: boolean): Outcome {
  setFusedAttentionEnabled(fused);
  clearRecordedPaths();
  const S = c.S ?? c.T;
  const layer = new MultiHeadAttention({ ...c.args, name: 'mha' });
  const q = rand([c.B, c.T, c.dims.q], 11);
  const floats = [q];
  if (c.dims.v !== undefined) floats.push(rand([c.B, S, c.dims.v], 12));
  if (c.dims.k !== undefined) floats.push(rand([c.B, S, c.dims.k], 13));
  // Self-attention with a mask input is called on [x, x, mask].
  const selfWithMask = floats.length === 1 && c.args.attentionMaskInput === true;
  // Mask: (B, T, S) with about a quarter masked; in the broadcast case (B, 1, S).
  const maskT = c.label.includes('broadcast') ? 1 : c.T;
  const mask = c.args.attentionMaskInput ? tf.tidy(() => tf.cast(tf.greater(rand([c.B, maskT, S], 14), -0.5), 'float32')) : undefined;
  const all = (xs: tf.Tensor[]): tf.Tensor[] => {
    const l = selfWithMask ? [xs[0] as tf.Tensor, xs[0] as tf.Tensor] : xs;
    return mask ? [...l, mask] : l;
  };
  layer.apply(all(floats.map((t) => tf.zerosLike(t))));
  // Weights of the initialisers' magnitude, the same in both runs.
  layer.setWeights(layer.getWeights().map((w, i) => rand(w.shape, 100 + i, 0.4)));
  const proj = (outs: tf.Tensor[]): tf.Scalar => tf.addN(outs.map((o, i) => tf.sum(tf.mul(o, rand(o.shape, 200 + i))))) as tf.Scalar;
  const call = (xs: tf.Tensor[]): tf.Tensor[] => {
    const out = layer.apply(all(xs), { training: true }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? out : [out];
  };
  const outputs = tf.tidy(() => call(floats).map((t) => t.dataSync() as Float32Array));
  const path = recordedPaths().get('mha')?.path;
  const inputGrads = tf.tidy(() => tf.grads((...xs: tf.Tensor[]) => proj(call(xs)))(floats).map((g) => g.dataSync() as Float32Array));
  const weightGrads = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => proj(call(floats)), layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
    return Object.values(grads).map((g) => g.dataSync() as Float32Array);
  });
  tf.dispose([...floats, ...(mask ? [mask] : [])]);
  layer.dispose();
  setFusedAttentionEnabled(true);
  return { outputs, inputGrads, weightGrads, path };
}

describe('fused attention (wasm)', () => {
  before(async () => {
    await useBackend('wasm');
  });

  it(addonOn ? 'runs on the native addon when it is built' : 'is unavailable with the addon off, with a reason', (t) => {
    if (addonOn && !nativeBlasStatus().available) return t.skip(`native addon not available: ${nativeBlasStatus().detail}`);
    const why = fusedAttentionUnavailable();
    if (addonOn) assert.equal(why, undefined);
    else assert.match(why ?? '', /native addon/);
  });

  for (const c of CASES) {
    it(`MultiHeadAttention, ${c.label}: fused = generic (forward, scores, input and weight gradients)`, () => {
      const generic = run(c, false);
      const fused = run(c, true);
      assert.equal(generic.path, 'generic');
      assert.equal(fused.path, fusedAttentionUnavailable() === undefined ? 'fused' : 'generic');
      for (const [name, a, b] of [['output', generic.outputs, fused.outputs], ['input gradient', generic.inputGrads, fused.inputGrads], ['weight gradient', generic.weightGrads, fused.weightGrads]] as const) {
        assert.equal(b.length, a.length, `${name} count`);
        const floor = 1e-3 * Math.max(...a.map(maxAbs));
        a.forEach((x, i) => {
          const e = relativeError(x, b[i] as Float32Array, floor);
          assert.ok(e <= TOL, `${c.label}: ${name} ${i} relative error ${e.toExponential(2)} > ${TOL}`);
        });
      }
      // Every weight has a gradient: 4 kernels (+ 4 biases).
      assert.equal(fused.weightGrads.length, c.args.useBias === false ? 4 : 8);
    });
  }

  it('leaves no tensors behind per training step (self-, cross-attention, with scores)', () => {
    for (const args of [{ numHeads: 2, keyDim: 4 }, { numHeads: 2, keyDim: 4, returnAttentionScores: true }]) {
      const layer = new MultiHeadAttention(args);
      const x = rand([2, 5, 6], 31);
      const y = rand([2, 7, 6], 32);
      tf.dispose(layer.apply([x]) as tf.Tensor | tf.Tensor[]);
      for (const inputs of [[x], [x, y]]) {
        const step = (): void =>
          tf.dispose(tf.tidy(() => tf.variableGrads(() => {
            const o = layer.apply(inputs, { training: true }) as tf.Tensor | tf.Tensor[];
            return tf.addN((Array.isArray(o) ? o : [o]).map((t) => tf.sum(t))) as tf.Scalar;
          }).grads));
        step();
        const before = tf.memory().numTensors;
        for (let i = 0; i < 3; i++) step();
        assert.equal(tf.memory().numTensors, before, `${JSON.stringify(args)} on ${inputs.length} input(s)`);
      }
      tf.dispose([x, y]);
      layer.dispose();
    }
  });

  it('keeps dropout (seeded) on the generic path in training and fuses at inference', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 4, dropout: 0.3, seed: 7, name: 'mha_drop' });
    const x = rand([2, 5, 6], 3);
    tf.tidy(() => {
      clearRecordedPaths();
      layer.apply([x, x], { training: true });
      assert.deepEqual(recordedPaths().get('mha_drop'), { path: 'generic', reason: 'attention dropout in training' });
      layer.apply([x, x], { training: false });
      assert.equal(recordedPaths().get('mha_drop')?.path, fusedAttentionUnavailable() === undefined ? 'fused' : 'generic');
    });
    x.dispose();
    layer.dispose();
  });

  it('Attention (dot, no scale) fused = generic, forward and gradients', () => {
    const runA = (fused: boolean): Float32Array[] => {
      setFusedAttentionEnabled(fused);
      clearRecordedPaths();
      const layer = new Attention({ name: 'att' });
      const q = rand([2, 5, 6], 21);
      const v = rand([2, 7, 6], 22);
      const k = rand([2, 7, 6], 23);
      const res = tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Scalar => {
          const o = layer.apply([a, b, c], { training: true }) as tf.Tensor;
          return tf.sum(tf.mul(o, rand(o.shape, 24)));
        };
        const out = (layer.apply([q, v, k]) as tf.Tensor).dataSync() as Float32Array;
        const gs = tf.grads(f)([q, v, k]).map((g) => g.dataSync() as Float32Array);
        return [out, ...gs];
      });
      assert.equal(recordedPaths().get('att')?.path, fused && fusedAttentionUnavailable() === undefined ? 'fused' : 'generic');
      tf.dispose([q, v, k]);
      setFusedAttentionEnabled(true);
      return res;
    };
    const generic = runA(false);
    const fused = runA(true);
    generic.forEach((g, i) => assert.ok(relativeError(g, fused[i] as Float32Array) <= TOL, `Attention output/gradient ${i}`));
  });

  it('a small attention classifier trains on this path: the loss goes down', async () => {
    clearRecordedPaths();
    // Class = whether token 1 occurs anywhere in the sequence: attention can find it, pooling alone can.
    const n = 64;
    const T = 9;
    const ids = randoms(n * T, 5).map((v) => Math.floor((v + 1) * 4));
    const labels = new Float32Array(n).map((_, i) => (ids.slice(i * T, (i + 1) * T).includes(1) ? 1 : 0));
    const input = tf.input({ shape: [T] });
    const emb = tf.layers.embedding({ inputDim: 8, outputDim: 8, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 1 }) }).apply(input) as tf.SymbolicTensor;
    const att = new MultiHeadAttention({ numHeads: 2, keyDim: 4, name: 'mha_train', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply([emb, emb]) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling1d().apply(att) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(pooled) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'binaryCrossentropy' });
    const x = tf.tensor(ids, [n, T]);
    const y = tf.tensor(labels, [n, 1]);
    const h = await model.fit(x, y, { epochs: 15, batchSize: 16, shuffle: false, verbose: 0 });
    const loss = h.history['loss'] as number[];
    assert.ok((loss[loss.length - 1] as number) < (loss[0] as number) * 0.8, `loss ${loss[0]} → ${loss[loss.length - 1]}`);
    assert.equal(recordedPaths().get('mha_train')?.path, fusedAttentionUnavailable() === undefined ? 'fused' : 'generic');
    tf.dispose([x, y]);
    model.dispose();
  });
});
