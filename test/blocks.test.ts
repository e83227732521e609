/** Reusable blocks with parameters, and the small arithmetic evaluator behind `${...}`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { evaluate, ExprError } from '../src/config/expr.js';
import { loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { summarize } from '../src/runtime/summary.js';
import { configErrorOf } from './helpers/config-error.js';

test('expressions: Python arithmetic on parameters, nothing else', () => {
  const p = { embed_dim: 128, num_heads: 8, act: 'relu' };
  assert.equal(evaluate('embed_dim / num_heads', p), 16);
  assert.equal(evaluate('embed_dim // 3', p), 42);
  assert.equal(evaluate('-7 // 2', p), -4); // floors, as Python does
  assert.equal(evaluate('-7 % 3', p), 2); // the divisor's sign, as Python does
  assert.equal(evaluate('2 ** 3 ** 2', p), 512); // right-associative
  assert.equal(evaluate('(embed_dim + 2) * 2 - max(1, num_heads, 3) + min(4, 5) + int(7.9)', p), 263);
  assert.equal(evaluate('act', p), 'relu');
  assert.throws(() => evaluate('embed_dim / 0', p), ExprError);
  assert.throws(() => evaluate('process.exit(1)', p), /"process\." can only be followed by "shape"/);
  assert.throws(() => evaluate('constructor', p), /unknown parameter "constructor"/);
  assert.throws(() => evaluate('eval(1)', p), /unknown function "eval"/);
  assert.throws(() => evaluate('act * 2', p), /not a number/);
});

const BLOCK = `
blocks:
  Residual:
    params: [units, {activation: relu}]
    layers:
      - Dense: {units: "\${units}", activation: "\${activation}", name: inner}
      - Dense: {units: "\${units * 2 // 2}", name: proj}
      - Add: {inputs: [input, proj]}
model:
  inputs: [{name: x, shape: [6]}]
  layers:
    - Residual: {units: 6}
    - Residual: {units: 6, activation: tanh, name: second}
    - Concatenate: {inputs: [residual, second]}
    - Dense: {units: 1}
compile: {loss: mse}
`;

test('a block is instantiated once per use, with its own weights, names and arguments', async () => {
  await tf.setBackend('cpu');
  const config = loadConfigText(BLOCK, 'blocks.yaml');
  const model = buildModel(config.model, { seed: 1 });
  const names = model.layers.map((l) => l.name);
  for (const n of ['residual_inner', 'residual_proj', 'residual', 'second_inner', 'second_proj', 'second']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  const s = summarize(model, 'b');
  // Two blocks of 2 x Dense(6 -> 6) and a Dense(6 -> 1).
  assert.equal(s.total_params, 2 * 2 * (6 * 6 + 6) + 13);
  const act = (n: string): string => String((model.getLayer(n).getConfig() as { activation?: string }).activation);
  assert.equal(act('residual_inner'), 'relu');
  assert.equal(act('second_inner'), 'tanh');
  // Later layers refer to a block by its instance name.
  const inbound = (model.getLayer('concatenate') as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes[0]?.inboundLayers.map((l) => l.name);
  assert.deepEqual(inbound, ['residual', 'second']);
});

function problem(text: string): string {
  return configErrorOf(() => loadConfigText(text, 'b.yaml')).message;
}

test('block misuse: a missing or unknown parameter, a bad expression — each at its line', () => {
  assert.match(problem(BLOCK.replace('- Residual: {units: 6}\n', '- Residual: {}\n')), /^b\.yaml:12:7: block "Residual" is missing parameter "units"/);
  assert.match(problem(BLOCK.replace('- Residual: {units: 6}\n', '- Residual: {unit: 6}\n')), /b\.yaml:12:18: block "Residual" has no parameter "unit"; did you mean "units"\?/);
  assert.match(problem(BLOCK.replace('${units * 2 // 2}', '${unitz * 2}')), /b\.yaml:7:24: block "Residual": unknown parameter "unitz" in "\$\{unitz \* 2\}"; did you mean "units"\?/);
  assert.match(problem(BLOCK.replace('Residual:\n    params', 'Dense:\n    params')), /b\.yaml:3:3: block "Dense" has the name of a built-in layer/);
});
