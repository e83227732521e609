/**
 * Layers with several outputs: an LSTM with return_state gives [output, h, c], addressable as
 * `encoder_lstm[1]`, `encoder_lstm[2]`; a decoder LSTM starts from them with `initial_state`
 * (Keras's encoder-decoder pattern). Parameter counts are Keras's: LSTM 4*(in*u + u*u + u).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { runTraining } from '../src/runtime/train-run.js';
import { ConfigError } from '../src/util/errors.js';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';
import { configErrorOf } from './helpers/config-error.js';

const dir = tempDir('kerats-seq2seq-');
const lstm = (i: number, u: number): number => 4 * (i * u + u * u + u);
const dense = (i: number, u: number): number => i * u + u;

// Block style for the indexed names: in flow style ({...} / [...]) they must be quoted.
const SEQ2SEQ = `
name: seq2seq
seed: 5
data:
  train:
    synthetic:
      samples: 32
      inputs: {encoder_inputs: {x_shape: [4, 5]}, decoder_inputs: {x_shape: [3, 6]}}
      outputs: {decoder_dense: {y_shape: [3, 6]}}
model:
  inputs: [{name: encoder_inputs, shape: [null, 5]}, {name: decoder_inputs, shape: [null, 6]}]
  layers:
    - LSTM: {units: 8, return_state: true, name: encoder_lstm, inputs: encoder_inputs}
    - LSTM:
        units: 8
        return_sequences: true
        return_state: true
        name: decoder_lstm
        inputs: decoder_inputs
        initial_state:
          - encoder_lstm[1]
          - encoder_lstm[2]
    - Dense: {units: 6, name: decoder_dense, inputs: "decoder_lstm[0]"}
  outputs: [decoder_dense]
compile: {optimizer: {Adam: {learning_rate: 0.02}}, loss: mse}
fit: {epochs: 8, batch_size: 8}
`;

test('seq2seq: the encoder LSTM states start the decoder LSTM; parameter count as in Keras', async () => {
  await tf.setBackend('cpu');
  const config = loadConfigText(SEQ2SEQ, path.join(dir, 'seq2seq.yaml'));
  const model = buildModel(config.model, { seed: 1 });
  try {
    assert.equal(model.countParams(), lstm(5, 8) + lstm(6, 8) + dense(8, 6)); // 448 + 480 + 54 = 982
    assert.deepEqual(model.outputs.map((o) => o.shape), [[null, null, 6]]);
    const enc = model.getLayer('encoder_lstm');
    assert.deepEqual((enc.output as tf.SymbolicTensor[]).map((o) => o.shape), [[null, 8], [null, 8], [null, 8]]);
    // The decoder is called on [decoder_inputs, h, c] from the encoder.
    const node = (model.getLayer('decoder_lstm') as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[]; tensorIndices: number[] }[] }).inboundNodes[0];
    assert.deepEqual(node?.inboundLayers.map((l) => l.name), ['decoder_inputs', 'encoder_lstm', 'encoder_lstm']);
    assert.deepEqual(node?.tensorIndices, [0, 1, 2]);
    // The encoder's input reaches the output only through the states: different encoder inputs,
    // same decoder inputs, different predictions.
    const dec = tf.randomUniform([2, 3, 6], 0, 1, 'float32', 1);
    const a = model.predict([tf.randomUniform([2, 4, 5], 0, 1, 'float32', 2), dec]) as tf.Tensor;
    const b = model.predict([tf.randomUniform([2, 4, 5], 0, 1, 'float32', 3), dec]) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! > 1e-4);
  } finally {
    model.dispose();
  }
});

test('seq2seq trains: the loss goes down', async () => {
  await tf.setBackend('wasm');
  const config = loadConfigText(SEQ2SEQ, path.join(dir, 'seq2seq.yaml'));
  const r = await runTraining(config, { backend: 'wasm', runsRoot: dir, out: path.join(dir, 'run-seq2seq'), argv: [] });
  const loss = r.history.loss ?? [];
  assert.equal(loss.length, 8);
  assert.ok(loss.every(Number.isFinite));
  assert.ok((loss[7] as number) < (loss[0] as number) * 0.9, `loss ${loss.join(', ')}`);
});

function errorOf(text: string): ConfigError {
  return configErrorOf(() => buildModel(loadConfigText(text, 'outs.yaml').model).dispose());
}

const HEAD = 'model:\n  inputs: [{name: x, shape: [3, 2]}]\n  layers:\n';

test('an output index out of range, or on a one-output layer, is an error with the fix', async () => {
  await tf.setBackend('cpu');
  const range = errorOf(`${HEAD}    - LSTM: {units: 2, return_state: true, name: enc}\n    - Dense: {units: 1, inputs: "enc[3]"}\ncompile: {loss: mse}\n`);
  assert.match(range.message, /^outs\.yaml:5:33: "enc\[3\]" is out of range: layer 1 \(LSTM\) "enc" has 3 outputs \(\[0\] the output, \[1\] the state h, \[2\] the state c\); did you mean "enc\[2\]"\?/);
  const gru = errorOf(`${HEAD}    - GRU: {units: 2, return_state: true, name: enc}\n    - Dense: {units: 1, inputs: "enc[2]"}\ncompile: {loss: mse}\n`);
  assert.match(gru.message, /has 2 outputs \(\[0\] the output, \[1\] the state h\); did you mean "enc\[1\]"\?/);
  const one = errorOf(`${HEAD}    - LSTM: {units: 2, name: enc}\n    - Dense: {units: 1, inputs: "enc[1]"}\ncompile: {loss: mse}\n`);
  assert.match(one.message, /"enc\[1\]" asks for output 1 of layer 1 \(LSTM\) "enc", which has one output; write "enc"; LSTM gives its states as extra outputs with "return_state: true"/);
  const out = errorOf(`${HEAD}    - SimpleRNN: {units: 2, return_state: true, name: enc}\n  outputs: ["enc[2]"]\ncompile: {loss: mse}\n`);
  assert.match(out.message, /^outs\.yaml:5:13: "enc\[2\]" is out of range: .* has 2 outputs/);
  const unknown = errorOf(`${HEAD}    - LSTM: {units: 2, return_state: true, name: enc}\n    - Dense: {units: 1, inputs: "enk[1]"}\ncompile: {loss: mse}\n`);
  assert.match(unknown.message, /refers to "enk", which is not an input or a layer .*did you mean "enc"/);
});

test('kerats: an unquoted output index in flow style, and an out-of-range one, exit 2 with a hint', async () => {
  const flow = path.join(dir, 'flow.yaml');
  writeFileSync(flow, `${HEAD}    - LSTM: {units: 2, return_state: true, name: enc}\n    - Dense: {units: 1, inputs: enc[1]}\ncompile: {loss: mse}\n`);
  const r1 = await kerats(['validate', flow]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /flow\.yaml:5:\d+: (error: )?invalid YAML\/JSON: .*quote a name with an output index: "enc\[1\]"/);
  assert.ok(!hasStackTrace(r1.stderr), r1.stderr);
  const range = path.join(dir, 'range.yaml');
  writeFileSync(range, `${HEAD}    - LSTM: {units: 2, return_state: true, name: enc}\n    - Dense: {units: 1, inputs: "enc[5]"}\ncompile: {loss: mse}\n`);
  const r2 = await kerats(['summary', range]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /range\.yaml:5:33: (error: )?"enc\[5\]" is out of range: .*did you mean "enc\[2\]"\?/);
  assert.ok(!hasStackTrace(r2.stderr), r2.stderr);
});

test('kerats summary --json on the seq2seq config: Keras\'s parameter count', async () => {
  const file = path.join(dir, 'seq2seq-cli.yaml');
  writeFileSync(file, SEQ2SEQ);
  const r = await kerats(['summary', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { total_params: number; layers: { name: string; connected_to: string[] }[] };
  assert.equal(s.total_params, 982);
  const dec = s.layers.find((l) => l.name === 'decoder_lstm');
  assert.deepEqual(dec?.connected_to, ['decoder_inputs[0][0]', 'encoder_lstm[0][1]', 'encoder_lstm[0][2]']);
});
