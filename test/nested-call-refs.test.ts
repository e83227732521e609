/**
 * `NAME@k` for a `models:` entry called in a functional graph: as for a shared layer, `encoder@0`
 * is the output of the first `Call: encoder`, `encoder@1` of the second (Keras's node index of a
 * model used as a layer, whose own graph is not part of the outer one). A siamese encoder, called
 * on two inputs with the same weights.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../src/util/errors.js';
import { loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';

const siamese = (refs: [string, string]): string => `
name: siamese
seed: 3
models:
  encoder:
    inputs: [{name: x, shape: [6]}]
    layers:
      - Dense: {units: 4, activation: tanh}
model:
  inputs: [{name: left, shape: [6]}, {name: right, shape: [6]}]
  layers:
    - Call: {layer: encoder, inputs: left}
    - Call: {layer: encoder, inputs: right}
    - Subtract: {inputs: [${refs[0]}, ${refs[1]}], name: difference}
  outputs: [difference]
compile: {optimizer: adam, loss: mse}
`;

test('encoder@0 and encoder@1 are the two calls of a nested model (one set of weights)', async () => {
  await tf.setBackend('cpu');
  const config = loadConfigText(siamese(['encoder@0', 'encoder@1']), 'siamese.yaml');
  const model = buildModel(config.model, { seed: config.seed });
  try {
    assert.equal(model.countParams(), 6 * 4 + 4); // the encoder's Dense, counted once
    const x = tf.tensor2d([[1, 2, 3, 4, 5, 6]]);
    const z = tf.tensor2d([[-1, 0.5, 2, 0, -3, 1]]);
    // encoder(left) - encoder(right): zero on equal inputs, non-zero on different ones. Were both
    // references the same call, it would be zero for both.
    const same = model.predict([x, x]) as tf.Tensor;
    const diff = model.predict([x, z]) as tf.Tensor;
    assert.deepEqual(same.shape, [1, 4]);
    assert.ok(Math.max(...Array.from(same.dataSync()).map(Math.abs)) === 0);
    assert.ok(Math.max(...Array.from(diff.dataSync()).map(Math.abs)) > 1e-3);
    tf.dispose([x, z, same, diff]);
  } finally {
    model.dispose();
  }
});

test('a call number past the last is an error that counts the calls', () => {
  assert.throws(
    () => {
      const config = loadConfigText(siamese(['encoder@0', 'encoder@2']), 'siamese.yaml');
      buildModel(config.model, { seed: config.seed }).dispose();
    },
    (e: unknown) => e instanceof ConfigError && /"encoder" is called 2 time\(s\), numbered from @0/.test(e.message),
  );
});
