/**
 * Blocks inside blocks: a block may instantiate another, with the outer block's parameters passed
 * through `${...}`; a block that uses itself (directly or through others) is a ConfigError naming
 * the cycle at the use that closes it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';
import { configErrorOf } from './helpers/config-error.js';

const NESTED = `
blocks:
  FeedForward:
    params: [units, {activation: relu}]
    layers:
      - Dense: {units: "\${units}", activation: "\${activation}", name: hidden}
      - Dense: {units: "\${units // 2}", name: out}
  Encoder:
    params: [dim, ff, {act: tanh}]
    layers:
      - FeedForward: {units: "\${ff}", activation: "\${act}", name: ff}
      - Dense: {units: "\${dim}", name: proj}
      - Add: {inputs: [input, proj]}
  Twice:
    params: [units]
    layers:
      - FeedForward: {units: "\${units * 2}"}
      - FeedForward: {units: "\${units}"}
model:
  inputs: [{name: x, shape: [4]}]
  layers:
    - Encoder: {dim: 4, ff: 6}
    - Encoder: {dim: 4, ff: 8, act: sigmoid, name: second}
    - Twice: {units: 4}
    - Dense: {units: 1, name: y}
compile: {loss: mse}
`;

const dense = (i: number, u: number): number => i * u + u;

test('a block inside a block: parameters pass through, names nest, weights are per instance', async () => {
  await tf.setBackend('cpu');
  const config = loadConfigText(NESTED, 'nested-blocks.yaml');
  const model = buildModel(config.model, { seed: 1 });
  try {
    const units = (n: string): number => (model.getLayer(n).getConfig() as { units: number }).units;
    const act = (n: string): string => String((model.getLayer(n).getConfig() as { activation?: string }).activation);
    // Encoder(dim 4, ff 6): FeedForward(units 6, tanh) = Dense 6 + Dense 3, then proj Dense 4, Add.
    assert.equal(units('encoder_ff_hidden'), 6);
    assert.equal(act('encoder_ff_hidden'), 'tanh');
    assert.equal(units('encoder_ff'), 3);
    assert.equal(units('encoder_proj'), 4);
    assert.equal(model.getLayer('encoder').getClassName(), 'Add');
    assert.equal(units('second_ff_hidden'), 8);
    assert.equal(act('second_ff_hidden'), 'sigmoid');
    assert.equal(units('second_ff'), 4);
    // Unnamed inner instances are named inside the outer one; the last takes the outer's name.
    assert.equal(units('twice_feed_forward_hidden'), 8);
    assert.equal(units('twice_feed_forward'), 4);
    assert.equal(units('twice_hidden'), 4);
    assert.equal(units('twice'), 2);
    // The inner block's output feeds the outer block's next layer; the outer input feeds the Add.
    const inbound = (n: string): string[] =>
      (model.getLayer(n) as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes[0]?.inboundLayers.map((l) => l.name) ?? [];
    assert.deepEqual(inbound('encoder_proj'), ['encoder_ff']);
    assert.deepEqual(inbound('encoder'), ['x', 'encoder_proj']);
    assert.deepEqual(inbound('second_ff_hidden'), ['encoder']);
    assert.deepEqual(inbound('twice_feed_forward_hidden'), ['second']);
    assert.deepEqual(inbound('twice_hidden'), ['twice_feed_forward']);
    assert.deepEqual(inbound('y'), ['twice']);
    const expected =
      dense(4, 6) + dense(6, 3) + dense(3, 4) + // encoder
      dense(4, 8) + dense(8, 4) + dense(4, 4) + // second
      dense(4, 8) + dense(8, 4) + dense(4, 4) + dense(4, 2) + // twice
      dense(2, 1);
    assert.equal(model.countParams(), expected);
  } finally {
    model.dispose();
  }
});

function problem(text: string): string {
  return configErrorOf(() => loadConfigText(text, 'cycle.yaml')).message;
}

const SELF = `blocks:
  Loop:
    params: [units]
    layers:
      - Dense: "\${units}"
      - Loop: {units: "\${units}"}
model:
  inputs: [{name: x, shape: [4]}]
  layers:
    - Loop: {units: 3}
compile: {loss: mse}
`;

const MUTUAL = `blocks:
  Ping:
    layers:
      - Dense: 4
      - Pong
  Pong:
    layers:
      - Dense: 4
      - Ping
model:
  inputs: [{name: x, shape: [4]}]
  layers:
    - Ping
compile: {loss: mse}
`;

test('a block that uses itself, directly or through another block, is a cycle error at the use', () => {
  assert.match(problem(SELF), /^cycle\.yaml:6:9: block "Loop" uses itself: Loop → Loop; a block cannot contain itself/);
  const mutual = problem(MUTUAL);
  assert.match(mutual, /^cycle\.yaml:9:9: block "Ping" uses itself through "Pong": Ping → Pong → Ping/);
  // Reported once, not once per instance or per member of the cycle.
  assert.equal(mutual.split('uses itself').length - 1, 1);
});

test('kerats validate: a block cycle exits 2 with file:line:col and no stack trace', async () => {
  const dir = tempDir('kerats-blocks-');
  const file = path.join(dir, 'mutual.yaml');
  writeFileSync(file, MUTUAL);
  const r = await kerats(['validate', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /mutual\.yaml:9:9: (error: )?block "Ping" uses itself through "Pong": Ping → Pong → Ping/);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
});
