/** Keras model.to_json() import: Keras 2 and Keras 3 formats, parameter counts as Keras reports them, errors. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { jsonModelKind, modelFromKerasDoc, modelFromKerasJson } from '../src/saving/keras-json/index.js';
import '@tensorflow/tfjs-backend-wasm';
import { loadConfig } from '../src/config/load.js';
import { activationModel } from '../src/runtime/inspect.js';
import { saveModel } from '../src/saving/model-io.js';
import { buildModelFromSources, stackOnBase } from '../src/saving/transfer.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

const FIX = path.join(ROOT, 'test', 'fixtures', 'keras-json');

before(async () => {
  await tf.setBackend('cpu');
});

describe('modelFromKerasJson', () => {
  it('builds a Keras 2 Sequential (the MNIST MLP: 669,706 parameters in Keras)', async () => {
    const m = await modelFromKerasJson(path.join(FIX, 'keras2-sequential.json'));
    // 784*512+512 + 512*512+512 + 512*10+10
    assert.equal(m.countParams(), 669_706);
    assert.deepEqual(m.outputs[0]?.shape, [null, 10]);
    assert.equal((m.getLayer('dropout').getConfig() as { rate: number }).rate, 0.2);
  });

  it('builds a Keras 3 Functional model (module/registered_name, DTypePolicy, batch_shape, __keras_tensor__ nodes)', async () => {
    const m = await modelFromKerasJson(path.join(FIX, 'keras3-functional.json'));
    assert.equal(m.countParams(), 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
    assert.deepEqual(m.inputs[0]?.shape, [null, 784]);
    assert.deepEqual(m.layers.map((l) => l.name), ['input_layer', 'dense', 'dense_1', 'dense_2']);
  });

  it('builds a Keras 2 Functional model with two inputs', async () => {
    const m = await modelFromKerasJson(path.join(FIX, 'keras2-functional-two-inputs.json'));
    assert.equal(m.inputs.length, 2);
    assert.equal(m.countParams(), 32 * 8 + 8 + (8 + 16) + 1);
  });

  it('tells a Keras JSON from a TensorFlow.js model.json', () => {
    assert.equal(jsonModelKind({ class_name: 'Sequential', config: {} }), 'keras');
    assert.equal(jsonModelKind({ modelTopology: {}, weightsManifest: [] }), 'tfjs');
    assert.equal(jsonModelKind({ name: 'iris', model: {} }), undefined);
  });

  it('reads MultiHeadAttention from a Keras 3 functional model as kerats\' own layer', async () => {
    const doc = {
      module: 'keras.src.models.functional', class_name: 'Functional',
      config: {
        name: 'f', trainable: true,
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 8, 16], dtype: 'float32', name: 'x' }, name: 'x', inbound_nodes: [] },
          {
            module: 'keras.layers', class_name: 'MultiHeadAttention',
            config: { name: 'mha', trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } }, num_heads: 2, key_dim: 2, value_dim: 2, dropout: 0.0, use_bias: true, output_shape: null, attention_axes: [1], kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {} } },
            name: 'mha',
            inbound_nodes: [{ args: [{ class_name: '__keras_tensor__', config: { shape: [null, 8, 16], dtype: 'float32', keras_history: ['x', 0, 0] } }, { class_name: '__keras_tensor__', config: { shape: [null, 8, 16], dtype: 'float32', keras_history: ['x', 0, 0] } }], kwargs: {} }],
          },
        ],
        input_layers: ['x', 0, 0],
        output_layers: ['mha', 0, 0],
      },
    };
    const m = await modelFromKerasDoc(doc);
    assert.equal(m.countParams(), 3 * (16 * 2 * 2 + 2 * 2) + 2 * 2 * 16 + 16);
  });

  it('refuses a Keras Lambda holding Python code, naming the layer', async () => {
    const doc = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Lambda', config: { name: 'double', function: ['4wEAAAAA', null, null], batch_input_shape: [null, 3] } }] } };
    await assert.rejects(modelFromKerasDoc(doc), /Lambda layer "double" holds Python code/);
  });
});

describe('kerats summary on a Keras JSON', () => {
  it('prints Keras\'s parameter counts for a Sequential and a Functional model', async () => {
    const seq = await kerats(['summary', path.join(FIX, 'keras2-sequential.json'), '--json']);
    assert.equal(seq.code, 0, seq.stderr);
    assert.equal((JSON.parse(seq.stdout) as { total_params: number }).total_params, 669_706);
    const fun = await kerats(['summary', path.join(FIX, 'keras3-functional.json')]);
    assert.equal(fun.code, 0, fun.stderr);
    assert.match(fun.stdout, /Total params: 109,386/);
  });

  it('an unknown Keras layer is a clear error, exit 2', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'arch.json');
    writeFileSync(file, JSON.stringify({ class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'FancyLayer', config: { name: 'f', batch_input_shape: [null, 3] } }] } }));
    const r = await kerats(['summary', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Keras layer "FancyLayer" has no TensorFlow.js or kerats equivalent/);
    assert.ok(!hasStackTrace(r.stderr));
  });
});

describe('model sources: keras_json, base (transfer learning), layer inspection', () => {
  it('a config with model.keras_json builds the Keras architecture', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'arch.json'), readFileSync(path.join(FIX, 'keras3-functional.json')));
    writeFileSync(path.join(dir, 'cfg.yaml'), 'model: {keras_json: ./arch.json}\ncompile: {loss: mse}\n');
    const config = await loadConfig(path.join(dir, 'cfg.yaml'));
    const m = await buildModelFromSources(config.model, {});
    assert.equal(m?.countParams(), 109_386);
  });

  it('model.base freezes the base, pops its top layer and trains only the new layers', async () => {
    await tf.setBackend('wasm');
    const base = tf.sequential();
    base.add(tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu', name: 'feat' }));
    base.add(tf.layers.dense({ units: 2, name: 'head' }));
    const dir = tempDir();
    await saveModel(base, path.join(dir, 'base'));
    writeFileSync(path.join(dir, 'cfg.yaml'), 'model:\n  base: {from: ./base, trainable: false, pop: 1}\n  layers: [{Dense: {units: 1}}]\ncompile: {loss: mse}\n');
    const config = await loadConfig(path.join(dir, 'cfg.yaml'));
    const m = (await buildModelFromSources(config.model, { seed: 1 })) as tf.LayersModel;
    assert.deepEqual(m.layers.map((l) => l.name).slice(1), ['feat', 'dense']);
    // feat: 3*4+4 frozen; new Dense(1): 4+1 trainable
    const trainable = m.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => (a as number) * (b as number), 1 as number)!, 0 as number);
    assert.equal(trainable, 5);
    const frozenBefore = m.getLayer('feat').getWeights()[0]?.dataSync().slice();
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await m.fit(tf.randomNormal([16, 3]), tf.randomNormal([16, 1]), { epochs: 2, verbose: 0 });
    assert.deepEqual(m.getLayer('feat').getWeights()[0]?.dataSync(), frozenBefore);
    await tf.setBackend('cpu');
  });

  it('model.base.trainable with an unknown layer name suggests the right one', async () => {
    const base = tf.sequential();
    base.add(tf.layers.dense({ units: 2, inputShape: [3], name: 'feat' }));
    assert.throws(() => stackOnBase(base, { from: 'x', trainable: ['fet'] }, []), /names layer "fet".*did you mean "feat"/);
  });

  it('activationModel returns a layer\'s output for the model\'s inputs', async () => {
    const m = await modelFromKerasJson(path.join(FIX, 'keras3-functional.json'));
    const sub = activationModel(m, 'dense_1');
    const x = tf.randomNormal([2, 784]);
    const y = sub.predict(x) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 64]);
    const direct = m.getLayer('dense_1').apply(m.getLayer('dense').apply(x)) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(y, direct))).dataSync()[0]! < 1e-5);
    assert.throws(() => activationModel(m, 'dense_9'), /no layer "dense_9"; did you mean/);
  });
});
