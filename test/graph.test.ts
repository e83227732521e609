/**
 * Functional models from config: wiring by name, shared layers that really share their weights,
 * nested models, merge layers, and the errors a user can make in a graph (file:line:col, exit 2).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { loadModel } from '../src/saving/model-io.js';
import { runTraining } from '../src/runtime/train-run.js';
import { ConfigError } from '../src/util/errors.js';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';
import { configErrorOf } from './helpers/config-error.js';

const dir = tempDir('kerats-graph-');

const TWEETS = `
name: tweets-small
seed: 3
data:
  train:
    synthetic:
      samples: 32
      inputs: {tweet_a: {x_shape: [6, 4]}, tweet_b: {x_shape: [6, 4]}}
      outputs: {same: {classes: 2}}
model:
  inputs: [{name: tweet_a, shape: [6, 4]}, {name: tweet_b, shape: [6, 4]}]
  layers:
    - LSTM: {units: 5, name: shared_lstm, inputs: tweet_a}
    - Call: {layer: shared_lstm, inputs: tweet_b}
    - Concatenate: {inputs: [shared_lstm@0, shared_lstm@1], name: merged}
    - Dense: {units: 1, activation: sigmoid, name: same}
compile: {optimizer: {Adam: {learning_rate: 0.05}}, loss: binary_crossentropy}
fit: {epochs: 2, batch_size: 8}
`;

test('a shared layer has one set of weights, and after training both calls agree on equal inputs', async () => {
  await tf.setBackend('wasm');
  const config = loadConfigText(TWEETS, path.join(dir, 'tweets.yaml'));
  const initial = buildModel(config.model, { seed: config.seed });
  const initialKernel = initial.getLayer('shared_lstm').getWeights()[0]?.dataSync().slice();
  initial.dispose();
  const r = await runTraining(config, { backend: 'wasm', runsRoot: dir, out: path.join(dir, 'run-tweets'), argv: [] });
  assert.ok(Number.isFinite(r.history.loss?.[1]));

  const model = await loadModel(path.join(dir, 'run-tweets', 'model.json'));
  try {
    assert.equal(model.layers.filter((l) => l.getClassName() === 'LSTM').length, 1);
    // One LSTM (kernel, recurrent kernel, bias) and one Dense (kernel, bias).
    assert.equal(model.trainableWeights.length, 5);
    const kernel = model.getLayer('shared_lstm').getWeights()[0]?.dataSync();
    assert.ok(kernel && initialKernel && kernel.some((v, i) => v !== initialKernel[i]), 'training changed the shared weights');

    const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer('merged').output as tf.SymbolicTensor });
    const x = tf.randomUniform([3, 6, 4], 0, 1, 'float32', 7);
    const y = tf.randomUniform([3, 6, 4], 0, 1, 'float32', 8);
    const same = (probe.predict([x, x]) as tf.Tensor).arraySync() as number[][];
    for (const row of same) assert.deepEqual(row.slice(0, 5), row.slice(5));
    const diff = (probe.predict([x, y]) as tf.Tensor).arraySync() as number[][];
    assert.ok(diff.some((row) => row.slice(0, 5).some((v, i) => v !== row[5 + i])));
  } finally {
    model.dispose();
  }
});

test('entries may be written in any order; skip connections and merge layers compute what Keras computes', async () => {
  await tf.setBackend('cpu');
  const config = loadConfigText(`
model:
  inputs: [{name: a, shape: [3]}, {name: b, shape: [3]}]
  layers:
    - Subtract: {inputs: [sum, b], name: diff}
    - Add: {inputs: [a, b], name: sum}
    - Concatenate: {inputs: [diff, a], name: cat}
  outputs: [cat, sum]
compile: {loss: mse}
`, path.join(dir, 'merge.yaml'));
  const model = buildModel(config.model);
  const [cat, sum] = model.predict([tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[10, 20, 30]])]) as tf.Tensor[];
  assert.deepEqual(cat?.arraySync(), [[1, 2, 3, 1, 2, 3]]);
  assert.deepEqual(sum?.arraySync(), [[11, 22, 33]]);
  assert.deepEqual(model.outputNames, ['cat', 'sum']);
});

test('a model under models: called twice is one model with one set of weights', async () => {
  await tf.setBackend('cpu');
  const config = loadConfigText(`
models:
  tower: {layers: [{Dense: {units: 4, input_shape: [3]}}]}
model:
  inputs: [{name: a, shape: [3]}, {name: b, shape: [3]}]
  layers:
    - Call: {layer: tower, inputs: a, name: ta}
    - Call: {layer: tower, inputs: b, name: tb}
    - Dot: {axes: 1, inputs: [ta, tb]}
compile: {loss: mse}
`, path.join(dir, 'tower.yaml'));
  const model = buildModel(config.model, { seed: 1 });
  assert.equal(model.countParams(), 3 * 4 + 4);
  const x = tf.tensor2d([[1, -2, 0.5]]);
  const t = (model.getLayer('tower') as tf.LayersModel).predict(x) as tf.Tensor;
  const expected = tf.sum(tf.mul(t, t)).arraySync() as number;
  const got = (model.predict([x, x]) as tf.Tensor).arraySync() as number[][];
  assert.ok(Math.abs((got[0]?.[0] ?? NaN) - expected) < 1e-4);
});

function errorOf(text: string): ConfigError {
  return configErrorOf(() => buildModel(loadConfigText(text, 'graph.yaml').model).dispose());
}

test('graph mistakes are ConfigErrors pointing at the line', async () => {
  await tf.setBackend('cpu');
  const head = 'model:\n  inputs: [{name: x, shape: [4]}]\n  layers:\n';
  const unknown = errorOf(`${head}    - Dense: {units: 2, name: h}\n    - Dense: {units: 1, inputs: hh}\ncompile: {loss: mse}\n`);
  assert.match(unknown.message, /^graph\.yaml:5:33: layer 2 \(Dense\) refers to "hh", which is not an input or a layer.*did you mean (one of )?"h"/);
  const cycle = errorOf(`${head}    - Dense: {units: 2, name: p, inputs: q}\n    - Dense: {units: 2, name: q}\ncompile: {loss: mse}\n`);
  assert.match(cycle.message, /^graph\.yaml:4:42: the layers form a cycle: "p" → "q" → "p"/);
  const output = errorOf(`${head}    - Dense: {units: 2, name: out}\n  outputs: [outt]\ncompile: {loss: mse}\n`);
  assert.match(output.message, /^graph\.yaml:5:13: model\.outputs names "outt", but no input or layer .* produces it; did you mean (one of )?"out"/);
  const call = errorOf(`${head}    - Dense: {units: 2, name: d}\n    - Call: {layer: dd}\ncompile: {loss: mse}\n`);
  assert.match(call.message, /layer 2 \(Call dd\) calls "dd", which is neither a layer of this model nor a model under "models:"; did you mean "d"/);
});

const CASES: [string, string, RegExp][] = [
  ['unknown-input', 'model:\n  inputs: [{name: main_input, shape: [4]}]\n  layers:\n    - Dense: {units: 1, inputs: main_inptu}\ncompile: {loss: mse}\n',
    /unknown-input\.yaml:4:33: (error: )?layer 1 \(Dense\) refers to "main_inptu", which is not an input or a layer of model "unknown-input"; did you mean "main_input"\?/],
  ['cycle', 'model:\n  inputs: [{name: x, shape: [4]}]\n  layers:\n    - Add: {inputs: [x, b], name: a}\n    - Dense: {units: 4, name: b}\ncompile: {loss: mse}\n',
    /cycle\.yaml:4:21: (error: )?the layers form a cycle: "a" → "b" → "a"/],
  ['no-output', 'model:\n  inputs: [{name: x, shape: [4]}]\n  layers:\n    - Dense: {units: 1, name: y}\n  outputs: [y, z]\ncompile: {loss: mse}\n',
    /no-output\.yaml:5:16: (error: )?model\.outputs names "z", but no input or layer of model "no-output" produces it/],
  ['block-param', 'blocks:\n  Mlp:\n    params: [units, act]\n    layers:\n      - Dense: {units: "${units}", activation: "${act}"}\nmodel:\n  input_shape: [4]\n  layers:\n    - Mlp: {units: 8}\ncompile: {loss: mse}\n',
    /block-param\.yaml:9:7: (error: )?block "Mlp" is missing parameter "act"/],
];

for (const [name, text, pattern] of CASES) {
  test(`kerats validate: ${name} is reported at file:line:col with exit code 2`, async () => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    const r = await kerats(['validate', `${name}.yaml`], { cwd: dir });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, pattern);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });
}
