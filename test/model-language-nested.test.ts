/**
 * Nested models: seed 002's `TimeDistributed(model)` (a `models:` entry applied to every timestep,
 * sharing that model's weights), and nested models whose layer names repeat the outer model's or
 * each other's (Keras's default names `dense`, `dense_1` in each): saved, then loaded back in a
 * new process with the same weights.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { loadModel, saveModel } from '../src/saving/model-io.js';
import { runTraining } from '../src/runtime/train-run.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

const dir = tempDir('kerats-nested-');
const dense = (i: number, u: number): number => i * u + u;
/** Seed 002's 784-64-64-10 model: 55,050 parameters in Keras. */
const CLASSIFIER_PARAMS = dense(784, 64) + dense(64, 64) + dense(64, 10);

const CLASSIFIER = `
models:
  classifier:
    inputs: [{name: inputs, shape: [784]}]
    layers:
      - Dense: {units: 64, activation: relu}
      - Dense: {units: 64, activation: relu}
      - Dense: {units: 10, activation: softmax, name: predictions}
`;

// Seed 002: processed_sequences = TimeDistributed(model)(input_sequences), input (20, 784).
const VIDEO = `
name: video
seed: 2
data:
  train:
    synthetic:
      samples: 16
      inputs: {input_sequences: {x_shape: [20, 784]}}
      outputs: {processed_sequences: {y_shape: [20, 10]}}
${CLASSIFIER}
model:
  inputs: [{name: input_sequences, shape: [20, 784]}]
  layers:
    - TimeDistributed: {model: classifier, name: processed_sequences}
compile: {optimizer: rmsprop, loss: categorical_crossentropy}
fit: {epochs: 2, batch_size: 8}
`;

/** Runs `script` (an ES module) in a new Node process and returns its JSON output. */
function inNewProcess<T>(script: string): T {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as T;
}

const MODEL_IO = JSON.stringify(path.join(ROOT, 'dist/src/saving/model-io.js'));

test('TimeDistributed(model): Keras\'s parameter count, and the same weights as every direct call of the model', async () => {
  await tf.setBackend('cpu');
  const config = loadConfigText(`${CLASSIFIER}
model:
  inputs: [{name: input_sequences, shape: [20, 784]}, {name: frame, shape: [784]}]
  layers:
    - TimeDistributed: {model: classifier, name: processed_sequences, inputs: input_sequences}
    - Call: {layer: classifier, inputs: frame, name: frame_prediction}
  outputs: [processed_sequences, frame_prediction]
compile: {loss: categorical_crossentropy}
`, path.join(dir, 'shared.yaml'));
  const built = buildModel(config.model, { seed: 1 });
  const seq = tf.randomUniform([2, 20, 784], 0, 1, 'float32', 3);
  const frame5 = tf.reshape(tf.slice(seq, [0, 5, 0], [2, 1, 784]), [2, 784]);
  await saveModel(built, path.join(dir, 'shared'));
  // Built, and loaded back (tfjs would otherwise rebuild the wrapped model as a second copy).
  const loaded = await loadModel(path.join(dir, 'shared', 'model.json'));
  for (const model of [built, loaded]) {
    assert.equal(model.countParams(), CLASSIFIER_PARAMS); // once, though the model is used twice
    assert.equal(model.trainableWeights.length, 6);
    assert.deepEqual(model.outputs[0]?.shape, [null, 20, 10]);
    const [bySeq, byFrame] = model.predict([seq, frame5]) as tf.Tensor[];
    const step5 = tf.reshape(tf.slice(bySeq as tf.Tensor, [0, 5, 0], [2, 1, 10]), [2, 10]);
    assert.ok(tf.max(tf.abs(tf.sub(step5, byFrame as tf.Tensor))).dataSync()[0]! < 1e-6);
    model.dispose();
  }
  assert.equal(CLASSIFIER_PARAMS, 55_050);
});

test('TimeDistributed(model) trains, and its run folder loads back in a new process', async () => {
  await tf.setBackend('wasm');
  const file = path.join(dir, 'video.yaml');
  writeFileSync(file, VIDEO);
  const config = loadConfigText(VIDEO, file);
  const run = path.join(dir, 'run-video');
  const r = await runTraining(config, { backend: 'wasm', runsRoot: dir, out: run, argv: [] });
  assert.equal(r.history.loss?.length, 2);
  assert.ok(r.history.loss?.every(Number.isFinite));

  const summary = await kerats(['summary', run, '--json']);
  assert.equal(summary.code, 0, summary.stderr);
  const s = JSON.parse(summary.stdout) as { total_params: number; trainable_params: number };
  assert.equal(s.total_params, CLASSIFIER_PARAMS);
  assert.equal(s.trainable_params, CLASSIFIER_PARAMS);

  const x = tf.randomUniform([2, 20, 784], 0, 1, 'float32', 9);
  const loaded = await loadModel(path.join(run, 'model.json'));
  const here = Array.from((loaded.predict(x) as tf.Tensor).dataSync());
  // Trained weights, not fresh ones: the loaded model differs from the initial one.
  const initial = buildModel(config.model, { seed: config.seed });
  const fresh = Array.from((initial.predict(x) as tf.Tensor).dataSync());
  assert.ok(here.some((v, i) => Math.abs(v - (fresh[i] ?? NaN)) > 1e-6));
  initial.dispose();
  loaded.dispose();

  const xPath = path.join(dir, 'x.json');
  writeFileSync(xPath, JSON.stringify(x.arraySync()));
  const got = inNewProcess<{ y: number[] }>(`
    import * as tf from '@tensorflow/tfjs';
    import { readFileSync } from 'node:fs';
    import { loadModel } from ${MODEL_IO};
    await tf.setBackend('cpu');
    const m = await loadModel(${JSON.stringify(path.join(run, 'model.json'))});
    const y = m.predict(tf.tensor(JSON.parse(readFileSync(${JSON.stringify(xPath)}, 'utf8'))));
    process.stdout.write(JSON.stringify({ y: Array.from(y.dataSync()) }));
  `);
  assert.equal(got.y.length, 2 * 20 * 10);
  got.y.forEach((v, i) => assert.ok(Math.abs(v - (here[i] ?? NaN)) < 1e-5, `prediction ${i}: ${v} vs ${here[i]}`));
});

// The outer model's `dense`/`dense_1`, the same names inside `inner`, and `dense` again inside `other`.
const CLASHING = `
name: clashing
seed: 4
data:
  train:
    synthetic:
      samples: 16
      inputs: {x: {x_shape: [3]}}
      outputs: {dense_1: {y_shape: [2]}}
models:
  inner:
    layers:
      - Dense: {units: 4, input_shape: [3], activation: tanh}
      - Dense: {units: 3}
  other: {layers: [{Dense: {units: 3, input_shape: [3], name: dense}}]}
model:
  inputs: [{name: x, shape: [3]}]
  layers:
    - Dense: {units: 3}
    - Call: inner
    - Call: other
    - Dense: {units: 2}
compile: {optimizer: {Adam: {learning_rate: 0.05}}, loss: mse}
fit: {epochs: 2, batch_size: 8}
`;

test('nested models repeating the outer model\'s layer names: saved and loaded in a new process with equal weights', async () => {
  await tf.setBackend('cpu');
  const model = buildModel(loadConfigText(CLASHING, path.join(dir, 'clash.yaml')).model, { seed: 4 });
  assert.deepEqual((model.getLayer('inner') as tf.LayersModel).layers.map((l) => l.name), ['dense', 'dense_1']);
  assert.ok(model.getLayer('dense') && model.getLayer('dense_1'));
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  await model.fit(tf.randomNormal([16, 3], 0, 1, 'float32', 1), tf.randomNormal([16, 2], 0, 1, 'float32', 2), { epochs: 2, verbose: 0 });
  const out = path.join(dir, 'clash');
  await saveModel(model, out);
  const manifest = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string }[] }[] };
  const names = manifest.weightsManifest[0]?.weights.map((w) => w.name) ?? [];
  assert.equal(new Set(names).size, names.length, `unique weight names: ${names.join(', ')}`);
  assert.ok(names.includes('inner/dense/kernel') && names.includes('other/dense/kernel') && names.includes('dense/kernel'), names.join(', '));

  const x = tf.randomNormal([4, 3], 0, 1, 'float32', 5);
  const expected = Array.from((model.predict(x) as tf.Tensor).dataSync());
  const weights = model.weights.map((w) => Array.from(w.read().dataSync()));
  const got = inNewProcess<{ y: number[]; w: number[][]; n: string[] }>(`
    import * as tf from '@tensorflow/tfjs';
    import { loadModel } from ${MODEL_IO};
    await tf.setBackend('cpu');
    const m = await loadModel(${JSON.stringify(path.join(out, 'model.json'))});
    const y = m.predict(tf.tensor(${JSON.stringify(x.arraySync())}));
    process.stdout.write(JSON.stringify({ y: Array.from(y.dataSync()), w: m.weights.map((v) => Array.from(v.read().dataSync())), n: m.layers.map((l) => l.name) }));
  `);
  assert.deepEqual(got.n, ['x', 'dense', 'inner', 'other', 'dense_1']);
  assert.equal(got.w.length, weights.length);
  got.w.forEach((w, i) => assert.deepEqual(w, weights[i], `weight ${i} (${model.weights[i]?.originalName})`));
  got.y.forEach((v, i) => assert.ok(Math.abs(v - (expected[i] ?? NaN)) < 1e-5, `prediction ${i}`));
  model.dispose();
});

test('kerats train and summary on a run whose nested models repeat layer names', async () => {
  const file = path.join(dir, 'clashing.yaml');
  writeFileSync(file, CLASHING);
  const run = path.join(dir, 'run-clash');
  const t = await kerats(['train', file, '--out', run, '--json']);
  assert.equal(t.code, 0, t.stderr);
  const s = await kerats(['summary', run, '--json']);
  assert.equal(s.code, 0, s.stderr);
  assert.ok(!hasStackTrace(s.stderr));
  assert.equal((JSON.parse(s.stdout) as { total_params: number }).total_params, dense(3, 3) + dense(3, 4) + dense(4, 3) + dense(3, 3) + dense(3, 2));
});
