/**
 * Config loading as a user meets it: the documented example loads into the typed config the
 * runtime uses; YAML and JSON are the same; every mistake is reported at once, at the exact
 * file:line:col of the user's text, in plain words with a suggestion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig, loadConfigText } from '../src/config/load.js';
import type { KeratsConfig } from '../src/config/types.js';
import { ConfigError, ExitCode, formatProblem } from '../src/util/errors.js';

const EXAMPLE = `# yaml-language-server: $schema=../schemas/kerats.schema.json
name: iris
seed: 7
data:
  train: {csv: data/iris.csv, label: species}
  validation_split: 0.2
  test: {csv: data/iris-test.csv, label: species}
model:
  input_shape: [4]
  layers:
    - Dense: {units: 16, activation: relu, kernel_initializer: he_uniform}
    - Dropout: 0.1
    - Dense: {units: 3, activation: softmax}
compile:
  optimizer: {Adam: {learning_rate: 0.01}}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
fit:
  epochs: 60
  batch_size: 16
  shuffle: true
  callbacks:
    - EarlyStopping: {monitor: val_loss, patience: 8, restore_best_weights: true}
`;

/** A minimal valid config to break in one place per test (line numbers matter). */
const BASE = `model:
  input_shape: [4]
  layers:
    - Dense: {units: 8, activation: relu}
    - Dense: {units: 3, activation: softmax}
compile:
  optimizer: adam
  loss: sparse_categorical_crossentropy
`;

const CWD = '/work/project';
const loc = (file: string, line: number, col: number) => ({ file, line, col });

/** The problems a config text is rejected with, as the CLI prints them. */
function problems(text: string, file = 'bad.yaml'): string[] {
  try {
    loadConfigText(text, file, { cwd: CWD });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `a ConfigError, got ${String(e)}`);
    assert.equal(e.exitCode, ExitCode.usage);
    return e.problems.map(formatProblem);
  }
  assert.fail('the config was accepted');
}

/** Without the source locations, to compare configs written in different syntaxes. */
function withoutLocs(c: KeratsConfig): unknown {
  return JSON.parse(JSON.stringify({ ...c, file: '' }, (k, v: unknown) => (k === 'loc' || k === 'at' ? undefined : v)));
}

test('the documented example loads into the typed config, data paths resolved against the config folder', () => {
  const c = loadConfigText(EXAMPLE, 'configs/iris.yaml', { cwd: CWD });
  const f = 'configs/iris.yaml';
  assert.equal(c.file, '/work/project/configs/iris.yaml');
  assert.equal(c.name, 'iris');
  assert.equal(c.seed, 7);
  assert.deepEqual(c.data, {
    train: { kind: 'csv', path: '/work/project/configs/data/iris.csv', given: 'data/iris.csv', label: 'species', loc: loc(f, 5, 16) },
    validationSplit: 0.2,
    test: { kind: 'csv', path: '/work/project/configs/data/iris-test.csv', given: 'data/iris-test.csv', label: 'species', loc: loc(f, 7, 15) },
  });
  assert.deepEqual(c.model, {
    name: 'iris',
    inputShape: [4],
    layers: [
      { type: 'Dense', args: { units: 16, activation: 'relu', kernel_initializer: 'he_uniform' }, loc: loc(f, 11, 7), index: 1 },
      { type: 'Dropout', args: { rate: 0.1 }, loc: loc(f, 12, 7), index: 2 },
      { type: 'Dense', args: { units: 3, activation: 'softmax' }, loc: loc(f, 13, 7), index: 3 },
    ],
  });
  assert.deepEqual(c.compile, {
    optimizer: { type: 'Adam', args: { learning_rate: 0.01 }, loc: loc(f, 15, 15) },
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
    // Where loss and metrics were written, for errors found against the model's outputs.
    at: { loss: loc(f, 16, 3), metrics: loc(f, 17, 3), 'metrics[0]': loc(f, 17, 13) },
  });
  assert.deepEqual(c.fit, {
    epochs: 60,
    batchSize: 16,
    shuffle: true,
    callbacks: [{ type: 'EarlyStopping', args: { monitor: 'val_loss', patience: 8, restore_best_weights: true }, loc: loc(f, 23, 7) }],
  });
});

test('resolved: the validated document with Keras defaults written out, the editor hint dropped', () => {
  const c = loadConfigText(BASE, 'configs/tiny.yaml', { cwd: CWD });
  const r = c.resolved as {
    name: string; $schema?: string;
    model: { layers: Record<string, Record<string, unknown>>[] };
    compile: { optimizer: Record<string, Record<string, unknown>>; metrics: string[] };
    fit: Record<string, unknown>;
  };
  assert.equal(r.name, 'tiny', 'the file name when the config has no name');
  assert.equal(c.name, 'tiny');
  assert.equal(r.$schema, undefined);
  // Keras: Dense(use_bias=True, kernel_initializer='glorot_uniform'); the user's values kept.
  assert.deepEqual(
    { units: r.model.layers[0]?.Dense?.units, use_bias: r.model.layers[0]?.Dense?.use_bias, init: r.model.layers[0]?.Dense?.kernel_initializer },
    { units: 8, use_bias: true, init: 'glorot_uniform' },
  );
  // Keras: Adam(learning_rate=0.001); fit(epochs=1, batch_size=32, shuffle=True).
  assert.equal(r.compile.optimizer.Adam?.learning_rate, 0.001);
  assert.deepEqual(r.compile.metrics, []);
  assert.deepEqual(r.fit, { epochs: 1, batch_size: 32, shuffle: true, callbacks: [] });
  assert.deepEqual(c.fit, { epochs: 1, batchSize: 32, shuffle: true, callbacks: [] });
  // The typed args stay as written: builders apply the defaults themselves.
  assert.deepEqual(c.compile.optimizer.args, {});
  // Round trip: the resolved document is itself a valid config that means the same.
  const again = loadConfigText(JSON.stringify(r), 'configs/tiny.json', { cwd: CWD });
  assert.deepEqual(again.resolved, c.resolved);
});

test('the JSON form of the example is the same config, and JSON errors get line:col too', () => {
  const json = JSON.stringify(parseYaml(EXAMPLE), null, 2);
  const fromYaml = loadConfigText(EXAMPLE, 'configs/iris.yaml', { cwd: CWD });
  const fromJson = loadConfigText(json, 'configs/iris.json', { cwd: CWD });
  assert.deepEqual(withoutLocs(fromJson), withoutLocs(fromYaml));
  const denseLine = json.split('\n').findIndex((l) => l.includes('"Dense"')) + 1;
  assert.equal(fromJson.model.layers[0]?.loc?.line, denseLine, 'locations point into the JSON text');

  const broken = json.replace('"epochs": 60,', '"epochs": 60');
  const line = broken.split('\n').findIndex((l) => l.includes('"epochs": 60')) + 1;
  const [p, ...rest] = problems(broken, 'iris.json');
  assert.equal(rest.length, 0);
  assert.match(p ?? '', new RegExp(`^iris\\.json:${line + 1}:\\d+: invalid JSON: expected ',' or '}' after property value`));
});

test('loadConfig reads a file; a missing file is a ConfigError naming it (exit 2)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kerats-config-'));
  writeFileSync(path.join(dir, 'iris.yaml'), EXAMPLE);
  const c = await loadConfig('iris.yaml', { cwd: dir });
  assert.equal(c.file, path.join(dir, 'iris.yaml'));
  assert.equal(c.data?.train.kind === 'csv' && c.data.train.path, path.join(dir, 'data', 'iris.csv'));
  assert.equal(c.model.layers[0]?.loc?.file, 'iris.yaml', 'locations use the name as given');

  await assert.rejects(loadConfig('x.yaml', { cwd: dir }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.exitCode, 2);
    assert.equal(e.message, 'cannot read config "x.yaml": no such file');
    return true;
  });
});

test('a misspelled layer name: at the name, with a suggestion', () => {
  assert.deepEqual(problems(BASE.replace('- Dense: {units: 8', '- Dens: {units: 8')), [
    'bad.yaml:4:7: unknown layer "Dens"; did you mean "Dense"?',
  ]);
});

test('an unknown argument: at the argument, with a suggestion (and no echo about the missing one)', () => {
  assert.deepEqual(problems(BASE.replace('{units: 8,', '{unit: 8,')), [
    'bad.yaml:4:15: Dense has no argument "unit"; did you mean "units"? (at model.layers[0].Dense)',
  ]);
});

test('a wrong type: at the value, names the argument, what it expects and what it got', () => {
  assert.deepEqual(problems(BASE.replace('{units: 8,', '{units: sixteen,')), [
    'bad.yaml:4:22: "units" must be an integer, got "sixteen" (at model.layers[0].Dense.units)',
  ]);
});

test('a missing required argument: at the layer name', () => {
  assert.deepEqual(problems(BASE.replace('{units: 3, activation: softmax}', '{activation: softmax}')), [
    'bad.yaml:5:7: Dense is missing required argument "units" (at model.layers[1].Dense)',
  ]);
});

test('an enum value: a misspelled activation gets a suggestion, no anyOf jargon', () => {
  const [p, ...rest] = problems(BASE.replace('activation: relu', 'activation: rellu'));
  assert.equal(rest.length, 0);
  assert.equal(p, 'bad.yaml:4:37: unknown activation "rellu"; did you mean "relu"? (at model.layers[0].Dense.activation)');
  assert.doesNotMatch(p ?? '', /anyOf|schema/);
});

test('unknown and misplaced top-level keys, each at its key', () => {
  assert.deepEqual(problems(`${BASE}fitt: {epochs: 3}\nepochs: 3\n`), [
    'bad.yaml:9:1: unknown top-level key "fitt"; did you mean "fit"?',
    'bad.yaml:10:1: unknown top-level key "epochs"; it belongs under "fit:"',
  ]);
});

test('every problem at once: two mistakes in one file give two problems, in file order', () => {
  const text = BASE.replace('- Dense: {units: 8', '- Dens: {units: 8').replace('loss: sparse_categorical_crossentropy', 'loss: sparse_categorical_crossentropyy');
  assert.deepEqual(problems(text), [
    'bad.yaml:4:7: unknown layer "Dens"; did you mean "Dense"?',
    'bad.yaml:8:9: unknown loss "sparse_categorical_crossentropyy"; did you mean "sparse_categorical_crossentropy"?',
  ]);
});

test('misspelled optimizer, metric and callback names; the old Keras "lr"', () => {
  const text = BASE.replace('optimizer: adam', 'optimizer: {adam: {lr: 0.1}}') + 'fit:\n  callbacks: [EarlyStoping]\n';
  assert.deepEqual(problems(text.replace('loss: sparse_categorical_crossentropy', 'loss: mse\n  metrics: [accuraccy]')), [
    'bad.yaml:7:22: Adam has no argument "lr"; did you mean "learning_rate"? ("lr" is its old Keras name) (at compile.optimizer.adam)',
    'bad.yaml:9:13: unknown metric "accuraccy"; did you mean "accuracy"?',
    'bad.yaml:11:15: unknown callback "EarlyStoping"; did you mean "EarlyStopping"?',
  ]);
  assert.deepEqual(problems(BASE.replace('optimizer: adam', 'optimizer: adamm')), ['bad.yaml:7:14: unknown optimizer "adamm"; did you mean one of "Adam", "AdamW"?']);
});

test('arguments indented at the level of the layer name: says how to fix the indentation', () => {
  const text = BASE.replace('    - Dense: {units: 3, activation: softmax}', '    - Dense:\n      units: 3');
  assert.deepEqual(problems(text), [
    'bad.yaml:6:7: this layer entry has 2 keys ("Dense", "units"); indent the arguments under "Dense:" by two more spaces',
  ]);
});

test('YAML syntax errors: file:line:col and the parser message in plain words', () => {
  assert.deepEqual(problems(BASE.replace('layers:\n', 'layers:\n   bad: 1\n'), 'c.yaml').length, 1);
  const [dup] = problems(BASE.replace('  loss:', '  optimizer: sgd\n  loss:'), 'c.yaml');
  assert.equal(dup, 'c.yaml:8:3: invalid YAML/JSON: key "optimizer" appears twice in the same map; keep only one');
  const [tab] = problems(BASE.replace('  input_shape', '\tinput_shape'), 'c.yaml');
  assert.match(tab ?? '', /^c\.yaml:2:1: invalid YAML\/JSON: tabs are not allowed for indentation/);
  const [unclosed] = problems(BASE.replace('input_shape: [4]', 'input_shape: [4'), 'c.yaml');
  assert.match(unclosed ?? '', /^c\.yaml:3:\d+: invalid YAML\/JSON: /);
  assert.doesNotMatch(unclosed ?? '', /\n/, 'one line, no code excerpt');
});

test('a YAML alias bomb is refused quickly instead of expanding', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) lines.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(10).fill(`*${'abcdefghij'[i - 1]}`).join(', ')}]`);
  const started = Date.now();
  const [p] = problems(`${lines.join('\n')}\n${BASE}`);
  assert.match(p ?? '', /expands YAML aliases more than 100 times/);
  assert.ok(Date.now() - started < 2000);
});

test('anchors and merge keys work like YAML says', () => {
  const text = BASE.replace('layers:\n', 'layers:\n    - Dense: &hidden {units: 8, activation: relu}\n    - Dense: {<<: *hidden, units: 5}\n');
  const c = loadConfigText(text, 'a.yaml', { cwd: CWD });
  assert.deepEqual(c.model.layers.slice(0, 2).map((l) => l.args), [{ units: 8, activation: 'relu' }, { units: 5, activation: 'relu' }]);
});

test('names match case-insensitively and through aliases, normalised to the canonical name', () => {
  const text = `model:
  input_shape: [8, 8, 1]
  layers:
    - conv2d: {filters: 2, kernel_size: 3}
    - Convolution2D: {filters: 2, kernel_size: 3}
    - MAXPOOL2D: {}
    - flatten
    - DENSE: 3
compile:
  optimizer: {sgd: {}}
  loss: MSE
  metrics: [ACC, mae]
fit:
  callbacks: [{earlystopping: {patience: 2}}]
`;
  const c = loadConfigText(text, 'a.yaml', { cwd: CWD });
  assert.deepEqual(c.model.layers.map((l) => l.type), ['Conv2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense']);
  assert.equal(c.compile.optimizer.type, 'SGD');
  assert.equal(c.compile.loss, 'mean_squared_error');
  // Metrics keep an exact Keras spelling (Keras logs `mae` as `mae`); other casings become canonical.
  assert.deepEqual(c.compile.metrics, ['accuracy', 'mae']);
  assert.equal(c.fit.callbacks[0]?.type, 'EarlyStopping');
  assert.deepEqual(Object.keys((c.resolved.model as { layers: object[] }).layers[2] ?? {}), ['MaxPooling2D']);
});

test('shorthands: a scalar or list fills the positional argument; a bare name means no arguments', () => {
  const text = `model:
  input_shape: [49]
  layers:
    - Dense: 64
    - Dropout: 0.5
    - Reshape: [7, 7, 1]
    - Flatten:
compile: {optimizer: adam, loss: mse}
`;
  const c = loadConfigText(text, 'a.yaml', { cwd: CWD });
  assert.deepEqual(c.model.layers.map((l) => [l.type, l.args]), [
    ['Dense', { units: 64 }],
    ['Dropout', { rate: 0.5 }],
    ['Reshape', { target_shape: [7, 7, 1] }],
    ['Flatten', {}],
  ]);
  assert.deepEqual(c.compile.optimizer, { type: 'Adam', args: {}, loc: loc('a.yaml', 8, 22) });
  // A bad shorthand value is reported at the value, under the argument's name.
  assert.deepEqual(problems(text.replace('Dropout: 0.5', 'Dropout: 1.5')), [
    'bad.yaml:5:16: "rate" must be < 1, got 1.5 (at model.layers[1].Dropout.rate)',
  ]);
});

test('input shape from model.input_shape, the first layer, or a first Input entry', () => {
  const head = (layers: string) => `model:\n  layers:\n${layers}compile: {optimizer: adam, loss: mse}\n`;
  const fromModel = loadConfigText(`model:\n  input_shape: [4]\n  layers: [{Dense: 2}]\ncompile: {optimizer: adam, loss: mse}\n`, 'a.yaml');
  assert.deepEqual(fromModel.model.inputShape, [4]);

  const fromLayer = loadConfigText(head('    - Dense: {units: 2, input_shape: [6]}\n'), 'a.yaml');
  assert.deepEqual(fromLayer.model.inputShape, [6]);
  assert.deepEqual(fromLayer.model.layers[0]?.args, { units: 2, input_shape: [6] }, 'left in place for the builder');
  assert.deepEqual(loadConfigText(head('    - Dense: {units: 2, input_dim: 5}\n'), 'a.yaml').model.inputShape, [5]);
  const batched = loadConfigText(head('    - Dense: {units: 2, batch_input_shape: [16, 3]}\n'), 'a.yaml');
  assert.deepEqual([batched.model.inputShape, batched.model.batchSize], [[3], 16]);

  const fromInput = loadConfigText(head('    - Input: {shape: [28, 28, 1], batch_size: 8}\n    - Flatten\n    - Dense: 2\n'), 'a.yaml');
  assert.deepEqual([fromInput.model.inputShape, fromInput.model.batchSize], [[28, 28, 1], 8]);
  assert.deepEqual(fromInput.model.layers.map((l) => [l.type, l.index]), [['Flatten', 2], ['Dense', 3]], 'Input dropped from the layers');
  assert.deepEqual(loadConfigText(head('    - input: [3]\n    - Dense: 2\n'), 'a.yaml').model.inputShape, [3]);

  assert.deepEqual(problems(`model:\n  input_shape: [4]\n  layers:\n    - Dense: {units: 2, input_shape: [5]}\ncompile: {optimizer: adam, loss: mse}\n`), [
    'bad.yaml:4:25: the input shape is given twice and differs: model.input_shape is [4] but layer 1 (Dense) input_shape is [5]; keep one',
  ]);
  assert.deepEqual(problems(head('    - Dense: 2\n    - Input: [3]\n')), ['bad.yaml:4:7: Input must be the first entry of model.layers (it is entry 2)']);
});

test('data sources: synthetic data, a separate validation set, and the rules between them', () => {
  const text = `model: {input_shape: [20], layers: [{Dense: 3}]}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy}
data:
  train: {synthetic: {samples: 256, x_shape: [20], classes: 3, seed: 1}}
  validation: {csv: ../val.csv, label: y, features: [a, b]}
`;
  const c = loadConfigText(text, 'cfg/a.yaml', { cwd: CWD });
  assert.deepEqual(c.data, {
    train: { kind: 'synthetic', samples: 256, xShape: [20], classes: 3, seed: 1, loc: loc('cfg/a.yaml', 4, 11) },
    validation: { kind: 'csv', path: '/work/project/val.csv', given: '../val.csv', label: 'y', features: ['a', 'b'], loc: loc('cfg/a.yaml', 5, 21) },
  });
  assert.deepEqual(problems(text.replace(', classes: 3', '').replace('  validation:', '  validation_split: 0.1\n  validation:')), [
    'bad.yaml:4:11: synthetic data in data.train needs "classes" (classification) or "y_shape" (regression)',
    'bad.yaml:6:3: give either data.validation or data.validation_split, not both',
  ]);
  assert.deepEqual(problems(text.replace('label: y, features', 'label: y, feature')), [
    'bad.yaml:5:43: unknown key "feature" in data.validation; did you mean "features"?',
  ]);
});

test('wrapper layers: the wrapped layer is checked and normalised like any other', () => {
  const text = `model:
  input_shape: [10, 8]
  layers:
    - bidirectional: {lstm: {units: 4, return_sequences: true}}
    - TimeDistributed: {layer: {dense: 2}}
compile: {optimizer: adam, loss: mse}
`;
  const c = loadConfigText(text, 'a.yaml');
  assert.deepEqual(c.model.layers.map((l) => [l.type, l.args]), [
    ['Bidirectional', { layer: { LSTM: { units: 4, return_sequences: true } } }],
    ['TimeDistributed', { layer: { Dense: { units: 2 } } }],
  ]);
  assert.deepEqual(problems(text.replace('return_sequences', 'return_sequence')), [
    'bad.yaml:4:40: LSTM has no argument "return_sequence"; did you mean "return_sequences"? (at model.layers[0].bidirectional.layer.lstm)',
  ]);
});

test('a config that is not a map, or empty, says so', () => {
  assert.deepEqual(problems('- Dense: 3\n'), ['bad.yaml:1:1: a config is a map of keys (name, data, model, compile, fit), got a list']);
  assert.deepEqual(problems('# nothing\n'), ['bad.yaml:1:1: the config file is empty']);
  // Only the model is required: a model-only file is a config (test/model-only.test.ts).
  assert.deepEqual(problems('name: x\n'), ['bad.yaml:1:1: missing required top-level key "model"']);
});
