/**
 * Blocks, Keras parity 2: a block reads its tensors' shapes (`${input.shape[-1]}`, computed after
 * the layers before it are built), takes layers and blocks as parameters (`- ${norm}`), and every
 * error about a layer it produced names the block definition's line and the use site, never the
 * index after expansion. configs/text-transformer.yaml is checked against real Keras 3.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { evaluate, UnknownDimension } from '../src/config/expr.js';
import { loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { referencePython, runPython } from '../src/util/python-ref.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';
import { configErrorOf } from './helpers/config-error.js';

test('expressions read shapes as Keras does: batch dimension first, negative indices, len()', () => {
  const shapes = { input: [null, 10, 64] };
  assert.equal(evaluate('input.shape[-1]', {}, shapes), 64);
  assert.equal(evaluate('input.shape[1] * 2', {}, shapes), 20);
  assert.equal(evaluate('input.shape[-2] + input.shape[2] // h', { h: 8 }, shapes), 18);
  assert.equal(evaluate('len(input.shape)', {}, shapes), 3);
  assert.throws(() => evaluate('input.shape[0]', {}, shapes), (e: unknown) => e instanceof UnknownDimension && /index 0 is the batch dimension/.test(e.message));
  assert.throws(() => evaluate('input.shape[3]', {}, shapes), /out of range: input's shape \(None, 10, 64\) has 3 dimensions \(indices -3 to 2\)/);
  assert.throws(() => evaluate('input.shape', {}, shapes), /is a whole shape/);
  assert.throws(() => evaluate('input.size[0]', {}, shapes), /can only be followed by "shape"/);
});

const dense = (i: number, u: number): number => i * u + u;
const units = (m: tf.LayersModel, n: string): number => (m.getLayer(n).getConfig() as { units: number }).units;

const SHAPES = `
blocks:
  Widen:
    params: [{mult: 2}, {norm: LayerNormalization}]
    layers:
      - Dense: {units: "\${input.shape[-1] * mult}", activation: relu, name: up}
      - Dense: {units: "\${input.shape[-1]}", name: down}
      - Add: {inputs: [input, down], name: res}
      - \${norm}: {name: norm}
      - Dense: {units: "\${len(input.shape) + up.shape[1] // 4}"}
  Outer:
    params: [width]
    layers:
      - Widen: {mult: "\${width // input.shape[-1]}", norm: {Dropout: {rate: 0.5}}, name: inner}
      - Dense: {units: "\${inner.shape[-1] + 1}"}
  UsesBlockParam:
    params: [{body: Widen}]
    layers:
      - \${body}
model:
  input_shape: [6]
  layers:
    - Dense: 4
    - Widen
    - Outer: {width: 20}
    - UsesBlockParam
    - Dense: 1
compile: {loss: mse}
`;

test('a block reads its input shape after the layers before it are inferred; layers and blocks are parameters', async () => {
  await tf.setBackend('cpu');
  const config = loadConfigText(SHAPES, 'shapes.yaml');
  const model = buildModel(config.model, { seed: 1 });
  try {
    // Widen on a (None, 4) input: up = 4 * 2, down back to 4, a LayerNormalization, then 2 + 8 // 4.
    assert.equal(units(model, 'widen_up'), 8);
    assert.equal(units(model, 'widen_down'), 4);
    assert.equal(model.getLayer('widen_norm').getClassName(), 'LayerNormalization');
    assert.equal(units(model, 'widen'), 4);
    // Outer on (None, 4): mult = 20 // 4 = 5 passes into the inner Widen, whose norm is a Dropout.
    assert.equal(units(model, 'outer_inner_up'), 20);
    assert.equal(model.getLayer('outer_inner_norm').getClassName(), 'Dropout');
    assert.equal(units(model, 'outer_inner'), 2 + Math.floor(20 / 4));
    assert.equal(units(model, 'outer'), 7 + 1);
    // A block given as a parameter (the default, Widen) expands as UsesBlockParam's only (so last) layer, on (None, 8).
    assert.equal(units(model, 'uses_block_param_up'), 16);
    assert.equal(units(model, 'uses_block_param'), 2 + Math.floor(16 / 4));
    const expected = dense(6, 4) +
      dense(4, 8) + dense(8, 4) + 2 * 4 + dense(4, 4) + // widen
      dense(4, 20) + dense(20, 4) + dense(4, 7) + dense(7, 8) + // outer (Dropout: no weights)
      dense(8, 16) + dense(16, 8) + 2 * 8 + dense(8, 6) + // uses_block_param
      dense(6, 1);
    assert.equal(model.countParams(), expected);
  } finally {
    model.dispose();
  }
  // The stored config gets the computed values, not the placeholders the checks saw.
  const layers = (config.resolved.model as { layers: Record<string, { units?: unknown; name?: string }>[] }).layers;
  const up = layers.map((l) => Object.values(l)[0]).find((a) => a?.name === 'widen_up');
  assert.equal(up?.units, 8);
});

const ENCODER = `blocks:
  Encoder:
    params: [{norm: LayerNormalization}]
    layers:
      - Dense: {units: "\${input.shape[-1] * 2}", activatio: relu}
      - Dense: {units: "\${input.shape[1]}", name: out}
      - \${norm}
model:
  inputs: [{name: x, shape: [null, 8]}]
  layers:
    - Encoder
    - Encoder: {name: second}
    - Dense: 1
compile: {loss: mse}
data: {train: {synthetic: {samples: 8, x_shape: [3, 8], y_shape: [3, 1]}}}
`;

function cliConfig(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('errors about layers a block produced point at the block line and the use site (CLI, exit 2)', () => {
  const dir = tempDir('kerats-block-errors-');

  test('validate: an unknown argument, once per use, at blocks.Encoder.layers[0], never model.layers[N]', async () => {
    const file = cliConfig(dir, 'unknown-arg.yaml', ENCODER);
    const r = await kerats(['validate', file]);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.includes('activatio'));
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0] as string, /unknown-arg\.yaml:5:50: error: Dense has no argument "activatio"; did you mean "activation"\? \(at blocks\.Encoder\.layers\[0\]\.Dense, in block "Encoder" used at .*unknown-arg\.yaml:11:7: `Encoder`\)/);
    assert.match(lines[1] as string, /unknown-arg\.yaml:5:50: .*in block "Encoder" used at .*unknown-arg\.yaml:12:7: `Encoder: \{name: second\}`\)/);
    assert.doesNotMatch(r.stderr, /model\.layers\[/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  test('summary: a shape expression on an unknown (None) dimension, at the expression and the use', async () => {
    const file = cliConfig(dir, 'none-dim.yaml', ENCODER.replace('activatio', 'activation'));
    const r = await kerats(['summary', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /none-dim\.yaml:6:24: error: blocks\.Encoder\.layers\[1\] \(Dense\) "encoder_out" \(in block "Encoder" used at .*none-dim\.yaml:11:7: `Encoder`\): units: input\.shape\[1\] is None \(unknown until data arrives\) in input's shape \(None, None, 8\)/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  test('validate: a computed value the argument refuses (units 0)', async () => {
    const file = cliConfig(dir, 'zero.yaml', ENCODER.replace('activatio', 'activation').replace('${input.shape[1]}', '${input.shape[-1] - 8}'));
    const r = await kerats(['validate', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /zero\.yaml:6:24: error: blocks\.Encoder\.layers\[1\] \(Dense\) "encoder_out" .*: units is "\$\{input\.shape\[-1\] - 8\}" = 0, but units must be ≥ 1/);
  });

  test('train: a layer parameter that is not a layer, at the value the user passed', async () => {
    const file = cliConfig(dir, 'not-a-layer.yaml', ENCODER.replace('activatio', 'activation').replace('${input.shape[1]}', '${input.shape[-1]}').replace('- Encoder: {name: second}', '- Encoder: {name: second, norm: LayerNorm}'));
    const r = await kerats(['train', file, '--out', path.join(dir, 'run')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not-a-layer\.yaml:12:37: error: block "Encoder": parameter "norm" is used as a layer \(blocks\.Encoder\.layers\[2\]\), but "LayerNorm" is not a layer or a block; did you mean .*"LayerNormalization"/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  test('summary: a build error inside a nested block names both uses, quoting the inner use as written', async () => {
    const text = `blocks:
  Inner:
    layers:
      - Conv1D: {filters: 4, kernel_size: 3}
  Outer:
    layers:
      - Dense: "\${input.shape[-1] * 2}"
      - Inner: {name: conv}
model:
  input_shape: [6]
  layers:
    - Outer
compile: {loss: mse}
`;
    const r = await kerats(['summary', cliConfig(dir, 'nested.yaml', text)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /nested\.yaml:4:9: error: blocks\.Inner\.layers\[0\] \(Conv1D\) "outer" \(in block "Inner" used at .*nested\.yaml:8:9: `Inner: \{name: conv\}`, in block "Outer" used at .*nested\.yaml:12:7: `Outer`\) (expects rank 3|cannot be called on \(None, 12\))/);
  });

  test('validate: a shape of a name that is not a tensor of the block, with a suggestion', async () => {
    const r = await kerats(['validate', cliConfig(dir, 'bad-tensor.yaml', ENCODER.replace('activatio', 'activation').replace('${input.shape[1]}', '${inptu.shape[-1]}'))]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /bad-tensor\.yaml:6:24: error: block "Encoder": "inptu\.shape" in "\$\{inptu\.shape\[-1\]\}": "inptu" is not a tensor of the block; did you mean "input"\?/);
  });
});

test('a layer parameter used in arithmetic, or a number passed as a layer, is refused at its text', () => {
  const msg = (t: string): string => configErrorOf(() => loadConfigText(t, 'p.yaml')).message;
  assert.match(msg(SHAPES.replace('"${input.shape[-1]}", name: down', '"${norm * 2}", name: down')), /p\.yaml:7:24: block "Widen": parameter "norm" is a layer \(LayerNormalization\), not a number, in "\$\{norm \* 2\}"/);
  assert.match(msg(SHAPES.replace('- Widen\n', '- Widen: {norm: 3}\n')), /p\.yaml:24:21: block "Widen": parameter "norm" is used as a layer \(blocks\.Widen\.layers\[3\]\), but 3 is not a layer/);
});

const ref = referencePython(['keras']);

test('configs/text-transformer.yaml has Keras 3\'s parameter counts, layer by layer', { skip: ref.skip }, async () => {
  const r = await kerats(['summary', path.join(ROOT, 'configs', 'text-transformer.yaml'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const ours = JSON.parse(r.stdout) as { total_params: number; layers: { name: string; params: number }[] };
  // The same model written as Keras code: the block is a Python function, the norm a layer factory.
  const script = `
import json, keras
from keras import layers
def encoder(x, name, num_heads, ff_dim, norm, rate=0.1):
    width = x.shape[-1]
    a = layers.MultiHeadAttention(num_heads=num_heads, key_dim=width // num_heads, name=name + "_attention")(x, x)
    a = layers.Dropout(rate)(a)
    x1 = norm(name + "_attention_norm")(layers.Add()([x, a]))
    f = layers.Dense(ff_dim, activation="relu", name=name + "_ff_hidden")(x1)
    f = layers.Dropout(rate)(layers.Dense(width, name=name + "_ff_out")(f))
    return norm(name)(layers.Add()([x1, f]))
tokens = keras.Input((40,), dtype="int32")
x = layers.Embedding(2000, 32, name="embedding")(tokens)
x = encoder(x, "transformer_encoder", 2, 64, lambda n: layers.LayerNormalization(epsilon=1e-6, name=n))
x = encoder(x, "transformer_encoder_1", 4, 48, lambda n: layers.BatchNormalization(momentum=0.9, name=n))
x = layers.Dropout(0.1)(layers.GlobalAveragePooling1D()(x))
x = layers.Dense(20, activation="relu", name="dense")(x)
m = keras.Model(tokens, layers.Dense(2, activation="softmax", name="label")(x))
print(json.dumps({"total": m.count_params(), "layers": {l.name: l.count_params() for l in m.layers if l.count_params() > 0}}))
`;
  const py = runPython(ref.python as string, ['-c', script]);
  assert.equal(py.status, 0, py.stderr);
  const keras = JSON.parse(py.stdout.trim().split('\n').at(-1) as string) as { total: number; layers: Record<string, number> };
  assert.equal(ours.total_params, keras.total);
  assert.deepEqual(Object.fromEntries(ours.layers.filter((l) => l.params > 0).map((l) => [l.name, l.params])), keras.layers);
});

test('a problem with no path (an unknown layer in a block used twice) gets each use, in order', () => {
  const text = ENCODER.replace('activatio', 'activation').replace('- Dense: {units: "${input.shape[1]}", name: out}', '- Dens: {units: 3, name: out}');
  const problems = configErrorOf(() => loadConfigText(text, 'u.yaml')).problems.map((p) => p.message);
  assert.deepEqual(problems, [
    'unknown layer "Dens"; did you mean "Dense"? (in block "Encoder" used at u.yaml:11:7: `Encoder`)',
    'unknown layer "Dens"; did you mean "Dense"? (in block "Encoder" used at u.yaml:12:7: `Encoder: {name: second}`)',
  ]);
});

test('a block with several inputs reads each by its name (query.shape, value.shape)', async () => {
  await tf.setBackend('cpu');
  const text = `blocks:
  CrossAttend:
    inputs: [query, value]
    params: [heads]
    layers:
      - MultiHeadAttention: {num_heads: "\${heads}", key_dim: "\${value.shape[-1] // heads}", inputs: [query, value], name: att}
      - Dense: {units: "\${query.shape[-1] + value.shape[1]}"}
model:
  inputs: [{name: q, shape: [5, 12]}, {name: v, shape: [7, 8]}]
  layers:
    - CrossAttend: {heads: 2, inputs: [q, v]}
compile: {loss: mse}
`;
  const model = buildModel(loadConfigText(text, 'multi.yaml').model, { seed: 1 });
  try {
    assert.equal((model.getLayer('cross_attend_att').getConfig() as { keyDim: number }).keyDim, 4);
    assert.equal(units(model, 'cross_attend'), 12 + 7);
    assert.deepEqual(model.outputs[0]?.shape, [null, 5, 19]);
  } finally {
    model.dispose();
  }
});

test('kerats tune: a trial config holds the computed shape arguments, so it loads on its own', async () => {
  await tf.setBackend('cpu');
  const dir = tempDir('kerats-block-tune-');
  const file = path.join(dir, 'tune.yaml');
  writeFileSync(file, `${SHAPES}data: {train: {synthetic: {samples: 8, x_shape: [6], y_shape: [1]}}}
tune:
  metric: loss
  strategy: grid
  space:
    fit.batch_size: [4, 8]
`);
  const { createPlan } = await import('../src/runtime/tune/plan.js');
  const { dir: out } = await createPlan(file, { out: path.join(dir, 'search') });
  const trial = path.join(out, 'trial-001', 'config.yaml');
  const model = buildModel(loadConfigText(readFileSync(trial, 'utf8'), trial).model, { seed: 1 });
  try {
    assert.equal(units(model, 'widen_up'), 8);
    assert.equal(units(model, 'outer'), 8);
  } finally {
    model.dispose();
  }
});
