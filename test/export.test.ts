/** `kerats export`: TensorFlow.js layers format plus a Keras 2 to_json() architecture. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { layers } from '../src/registry/layers/index.js';
import { modelFromKerasDoc } from '../src/saving/keras-json/index.js';
import { toKerasJson } from '../src/saving/keras-json/export.js';
import { saveModel } from '../src/saving/model-io.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

before(async () => {
  await tf.setBackend('cpu');
});

type Dict = { [k: string]: unknown };

describe('toKerasJson', () => {
  it('writes Keras class names and seed-only initializer configs, and reads back with the same parameter count', async () => {
    const inp = tf.input({ shape: [6, 4] });
    let x = layers.get('MultiHeadAttention').build({ num_heads: 2, key_dim: 3 }, {}, {}).apply(inp) as tf.SymbolicTensor;
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: 2, kernelInitializer: 'leCunNormal' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: inp, outputs: x });
    const { json } = toKerasJson(model);
    assert.equal(json.class_name, 'Functional');
    assert.equal(json.module, 'keras.src.models.functional'); // where Keras 3 registers Functional
    assert.equal(json.keras_version, '3.15.1');
    const ls = (json.config as { layers: { class_name: string; module: string; config: Dict }[] }).layers;
    assert.deepEqual(ls.map((l) => l.module), ls.map(() => 'keras.layers'));
    const dense = ls.find((l) => l.class_name === 'Dense');
    const ki = dense?.config.kernel_initializer as { class_name: string; config: Dict };
    assert.equal(ki.class_name, 'VarianceScaling');
    assert.equal((ki as unknown as Dict).module, 'keras.initializers');
    assert.equal(ki.config.mode, 'fan_in');
    assert.equal(ki.config.distribution, 'truncated_normal');
    const mha = ls.find((l) => l.class_name === 'MultiHeadAttention');
    assert.equal(mha?.config.num_heads, 2);
    assert.equal(mha?.config.key_dim, 3);
    const back = await modelFromKerasDoc(json);
    assert.equal(back.countParams(), model.countParams());
  });
});

describe('kerats export', () => {
  it('writes model.json, weights.bin and keras_model.json from a run folder', async () => {
    const run = tempDir();
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 5, inputShape: [3], activation: 'relu' }));
    m.add(layers.get('Lambda').build({ expr: 'x * 2' }, {}, {}));
    m.add(tf.layers.dense({ units: 1 }));
    await saveModel(m, run);
    const out = path.join(tempDir(), 'exported');
    const r = await kerats(['export', run, '--format', 'tfjs', '-o', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { params: number; warnings: string[] };
    assert.equal(res.params, 3 * 5 + 5 + 5 + 1);
    assert.match(res.warnings[0] ?? '', /Lambda/);
    for (const f of ['model.json', 'weights.bin', 'keras_model.json']) assert.ok(existsSync(path.join(out, f)), f);
    const keras = JSON.parse(readFileSync(path.join(out, 'keras_model.json'), 'utf8')) as Dict;
    assert.equal(keras.class_name, 'Sequential');
    // Keras 3 Sequential: an InputLayer first, with batch_shape
    const [input, first] = (keras.config as { layers: { class_name: string; config: Dict }[] }).layers;
    assert.equal(input?.class_name, 'InputLayer');
    assert.deepEqual(input?.config.batch_shape, [null, 3]);
    assert.equal(first?.config.batch_input_shape, undefined);
    const ki = first?.config.kernel_initializer as { class_name: string; config: Dict };
    assert.equal(ki.class_name, 'VarianceScaling');
    assert.equal(ki.config.mode, 'fan_avg');
  });

  it('a .keras export of a standardised Iris run takes raw rows in kerats predict and gives the run\'s predictions and class names', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'iris.yaml');
    writeFileSync(cfg, [
      'name: iris', 'seed: 1',
      `data: {train: {csv: ${path.join(ROOT, 'data', 'iris.csv')}, label: species, preprocess: {'*': standardize}}}`,
      'model: {input_shape: [4], layers: [{Dense: {units: 6, activation: relu}}, {Dense: {units: 3, activation: softmax}}]}',
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}', 'fit: {epochs: 1, batch_size: 32}', '',
    ].join('\n'));
    const run = path.join(dir, 'run');
    assert.equal((await kerats(['train', cfg, '--out', run, '--quiet'])).code, 0);
    const r = await kerats(['export', run, '--format', 'keras', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { out: string; params: number; warnings: string[] };
    assert.equal(res.out, path.join(run, 'export', 'model.keras'));
    assert.equal(res.params, 4 * 6 + 6 + 6 * 3 + 3);
    const rows = path.join(dir, 'rows.csv');
    writeFileSync(rows, readFileSync(path.join(ROOT, 'data', 'iris.csv'), 'utf8').split('\n').slice(0, 6).map((l) => l.split(',').slice(0, 4).join(',')).join('\n') + '\n');
    const fromRun = await kerats(['predict', run, rows]);
    const fromFile = await kerats(['predict', res.out, rows]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const parse = (t: string): string[][] => t.trim().split('\n').map((l) => l.split(','));
    const a = parse(fromRun.stdout);
    const b = parse(fromFile.stdout);
    assert.deepEqual(b[0], ['prediction', 'prob_setosa', 'prob_versicolor', 'prob_virginica']);
    assert.deepEqual(b.map((row) => row[0]), a.map((row) => row[0]));
    for (let i = 1; i < a.length; i++) for (let j = 1; j < 4; j++) assert.ok(Math.abs(Number(a[i]?.[j]) - Number(b[i]?.[j])) <= 1e-5);
  });

  it('a folder without model.json is a clear error, exit 2', async () => {
    const r = await kerats(['export', tempDir()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /has no model\.json/);
    assert.ok(!hasStackTrace(r.stderr));
  });
});
