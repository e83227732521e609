/**
 * MultiHeadAttention's Keras call arguments: `attention_mask` (a tensor of the graph: 1 attends,
 * 0 is masked), `use_causal_mask` (lower-triangular) and `return_attention_scores` (a second
 * output, `mha[1]`). Checked against attention computed by hand on a tiny input with identity
 * projections, and gradients: a causal mask stops every gradient from the future.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { loadModel, saveModel } from '../src/saving/model-io.js';
import { toKerasJson } from '../src/saving/keras-json/export.js';
import { ConfigError } from '../src/util/errors.js';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';

const dir = tempDir('kerats-mha-');
const X = [[1, 0], [0, 1], [1, 1]];
const MASK = [[1, 1, 0], [1, 0, 1], [0, 1, 1]];
const TRIL = [[1, 0, 0], [1, 1, 0], [1, 1, 1]];

/** softmax(q·kᵀ / sqrt(d)) over the allowed keys, and its product with the values (q = k = v = x). */
function byHand(x: number[][], allowed: number[][]): { weights: number[][]; out: number[][] } {
  const d = x[0]?.length ?? 0;
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);
  const weights = x.map((qi, i) => {
    const logits = x.map((kj) => dot(qi, kj) / Math.sqrt(d));
    const e = logits.map((l, j) => (allowed[i]?.[j] ? Math.exp(l) : 0));
    const sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  });
  const out = weights.map((w) => x[0]!.map((_, c) => w.reduce((s, wj, j) => s + wj * (x[j]?.[c] ?? 0), 0)));
  return { weights, out };
}

function config(args: string, maskInput: boolean): string {
  const inputs = maskInput ? '[{name: x, shape: [3, 2]}, {name: m, shape: [3, 3]}]' : '[{name: x, shape: [3, 2]}]';
  return `
model:
  inputs: ${inputs}
  layers:
    - MultiHeadAttention: {num_heads: 1, key_dim: 2, inputs: [x, x], return_attention_scores: true, name: mha${args}}
  outputs: [mha, "mha[1]"]
compile: {loss: mse}
`;
}

/** Identity projections, zero biases: the layer computes plain scaled dot-product attention. */
function identityWeights(model: tf.LayersModel): void {
  const eye = tf.eye(2);
  model.getLayer('mha').setWeights([
    tf.reshape(eye, [2, 1, 2]), tf.zeros([1, 2]), // query
    tf.reshape(eye, [2, 1, 2]), tf.zeros([1, 2]), // key
    tf.reshape(eye, [2, 1, 2]), tf.zeros([1, 2]), // value
    tf.reshape(eye, [1, 2, 2]), tf.zeros([2]), // attention_output
  ]);
}

function close(got: number[][], want: number[][]): void {
  got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (want[i]?.[j] ?? NaN)) < 1e-5, `[${i}][${j}]: ${v} vs ${want[i]?.[j]}`)));
}

function run(model: tf.LayersModel, withMask: boolean): { out: number[][]; scores: number[][] } {
  const x = tf.tensor3d([X]);
  const ins = withMask ? [x, tf.tensor3d([MASK])] : x;
  const [out, scores] = model.predict(ins) as tf.Tensor[];
  assert.deepEqual(scores?.shape, [1, 1, 3, 3]); // (batch, num_heads, T, S)
  return { out: (out?.arraySync() as number[][][])[0] as number[][], scores: (scores?.arraySync() as number[][][][])[0]?.[0] as number[][] };
}

test('use_causal_mask: each position attends itself and the past (lower-triangular), as computed by hand', async () => {
  await tf.setBackend('cpu');
  const model = buildModel(loadConfigText(config(', use_causal_mask: true', false), path.join(dir, 'causal.yaml')).model, { seed: 1 });
  identityWeights(model);
  const { out, scores } = run(model, false);
  const want = byHand(X, TRIL);
  close(scores, want.weights);
  close(out, want.out);
  assert.deepEqual(scores[0], [1, 0, 0]);
  assert.equal(model.outputs.length, 2);
});

test('attention_mask as an input (1 = attend, 0 = masked), alone and ANDed with the causal mask', async () => {
  await tf.setBackend('cpu');
  const masked = buildModel(loadConfigText(config(', attention_mask: m', true), path.join(dir, 'mask.yaml')).model, { seed: 1 });
  identityWeights(masked);
  const a = run(masked, true);
  const wantA = byHand(X, MASK);
  close(a.scores, wantA.weights);
  close(a.out, wantA.out);
  assert.equal(a.scores[1]?.[1], 0);

  const both = buildModel(loadConfigText(config(', attention_mask: m, use_causal_mask: true', true), path.join(dir, 'both.yaml')).model, { seed: 1 });
  identityWeights(both);
  const b = run(both, true);
  const allowed = MASK.map((r, i) => r.map((v, j) => v * (TRIL[i]?.[j] ?? 0)));
  const wantB = byHand(X, allowed);
  close(b.scores, wantB.weights);
  close(b.out, wantB.out);

  // The settings survive save and load.
  await saveModel(both, path.join(dir, 'both'));
  const loaded = await loadModel(path.join(dir, 'both', 'model.json'));
  const c = run(loaded, true);
  close(c.scores, wantB.weights);
  close(c.out, wantB.out);
  for (const m of [masked, both, loaded]) m.dispose();
});

test('gradients flow through masked attention, and none flows from masked (future) positions', async () => {
  await tf.setBackend('cpu');
  const model = buildModel(loadConfigText(config(', use_causal_mask: true', false), path.join(dir, 'grad.yaml')).model, { seed: 2 });
  const x = tf.randomNormal([2, 3, 2], 0, 1, 'float32', 4);
  // d(output at position 0)/d(x): only x at position 0 matters.
  const g = tf.grad((xt: tf.Tensor) => tf.sum(tf.slice((model.apply(xt) as tf.Tensor[])[0] as tf.Tensor, [0, 0, 0], [2, 1, 2])))(x);
  const gx = g.arraySync() as number[][][];
  for (const sample of gx) {
    assert.ok(sample[0]!.some((v) => Math.abs(v) > 1e-6), 'position 0 has a gradient');
    assert.deepEqual(sample.slice(1).flat().map(Math.abs), [0, 0, 0, 0]);
  }
  // Every weight gets a finite gradient from a loss on the output; the projections a non-zero one.
  const { grads } = tf.variableGrads(() => tf.mean(tf.square((model.apply(x) as tf.Tensor[])[0] as tf.Tensor)) as tf.Scalar);
  const names = Object.keys(grads);
  assert.equal(names.length, 8);
  for (const n of names) assert.ok((grads[n] as tf.Tensor).dataSync().every(Number.isFinite), n);
  for (const n of names.filter((k) => /kernel/.test(k))) assert.ok((grads[n] as tf.Tensor).dataSync().some((v) => v !== 0), n);
  model.dispose();
});

test('an attention_mask of the wrong shape is a ConfigError giving the shape it must have', () => {
  const text = config(', attention_mask: m', true).replace('{name: m, shape: [3, 3]}', '{name: m, shape: [3, 2]}');
  assert.throws(() => buildModel(loadConfigText(text, 'shape.yaml').model), (e: Error) =>
    e instanceof ConfigError && /^shape\.yaml:5:\d+: layer 1 \(MultiHeadAttention\) "mha" cannot be called on .*attention_mask must have shape \(batch, 3, 3\) = \(batch, query length, key length\), got \(None, 3, 2\)/.test(e.message));
});

test('kerats: an attention_mask naming no tensor exits 2 with a suggestion', async () => {
  const file = path.join(dir, 'bad-mask.yaml');
  writeFileSync(file, config(', attention_mask: mask', true));
  const r = await kerats(['summary', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad-mask\.yaml:5:7: (error: )?layer 1 \(MultiHeadAttention\) "mha"'s attention_mask refers to "mask", which is not an input or a layer .*defined names: "x", "m"/);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
});

test('Keras 3 export passes the call-time options as call keywords, as Keras takes them, not in the layer config', async () => {
  await tf.setBackend('cpu');
  const model = buildModel(loadConfigText(config(', use_causal_mask: true', false), path.join(dir, 'export.yaml')).model, { seed: 1 });
  const { json, warnings } = toKerasJson(model);
  const text = JSON.stringify(json);
  type Node = { args: unknown[]; kwargs: Record<string, unknown> };
  const mha = (json.config as { layers: { class_name: string; config: Record<string, unknown>; inbound_nodes: Node[] }[] }).layers.find((l) => l.class_name === 'MultiHeadAttention');
  assert.ok(mha, text);
  for (const k of ['use_causal_mask', 'return_attention_scores', 'attention_mask_input']) assert.equal(k in mha.config, false, `${k} in ${JSON.stringify(mha.config)}`);
  assert.equal(mha.config['num_heads'], 1);
  const node = mha.inbound_nodes[0];
  assert.equal(node?.kwargs.use_causal_mask, true);
  assert.equal(node?.kwargs.return_attention_scores, true);
  // query and value are separate positional arguments in Keras 3
  assert.equal(node?.args.length, 2);
  assert.deepEqual(warnings, []);
  model.dispose();
});
