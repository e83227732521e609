/**
 * --set overrides, `extends` and ${ENV} substitution, through the config loader: the values the
 * runtime gets, and where errors point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, loadConfigText } from '../src/config/load.js';
import { parseOverridePath, setPath } from '../src/config/overrides.js';
import { ConfigError, formatProblem } from '../src/util/errors.js';
import { tempDir } from './helpers/cli.js';

const BASE = `name: t
data:
  train: {synthetic: {samples: 8, x_shape: [4], classes: 3}}
model:
  input_shape: [4]
  layers:
    - Dense: {units: 16, activation: relu}
    - Dropout: 0.1
    - Dense: {units: 3, activation: softmax}
compile:
  optimizer: adam
  loss: sparse_categorical_crossentropy
fit:
  epochs: 5
`;

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems.map(formatProblem);
  }
  assert.fail('expected a ConfigError');
}

test('--set values are typed by YAML and reach the typed config, including list indices and named entries', () => {
  const c = loadConfigText(BASE, 'c.yaml', {
    sets: ['fit.epochs=3', 'compile.optimizer.Adam.learning_rate=0.003', 'model.layers[0].Dense.units=32', 'model.layers[1].Dropout.rate=0.25', 'fit.shuffle=false'],
  });
  assert.equal(c.fit.epochs, 3);
  assert.equal(c.fit.shuffle, false);
  assert.deepEqual(c.compile.optimizer, { type: 'Adam', args: { learning_rate: 0.003 }, loc: c.compile.optimizer.loc });
  assert.equal(c.model.layers[0]?.args.units, 32);
  assert.equal(c.model.layers[0]?.args.activation, 'relu', 'sibling arguments kept');
  assert.equal(c.model.layers[1]?.args.rate, 0.25, 'the Dropout shorthand became a map');
  // Later --set wins.
  assert.equal(loadConfigText(BASE, 'c.yaml', { sets: ['fit.epochs=3', 'fit.epochs=4'] }).fit.epochs, 4);
  // Flow YAML values: a whole list.
  assert.deepEqual(loadConfigText(BASE, 'c.yaml', { sets: ['compile.metrics=[accuracy]'] }).compile.metrics, ['accuracy']);
});

test('--set errors are shown as coming from the command line, in the validator\'s words', () => {
  assert.deepEqual(problems(() => loadConfigText(BASE, 'c.yaml', { sets: ['fit.epochs=x'] })), [
    '--set fit.epochs=x: "epochs" must be an integer, got "x" (at fit.epochs)',
  ]);
  const [oob] = problems(() => loadConfigText(BASE, 'c.yaml', { sets: ['model.layers[7].Dense.units=3'] }));
  assert.match(oob ?? '', /^--set model\.layers\[7\]\.Dense\.units=3: "model\.layers" has 3 item\(s\); index 7 is out of range/);
  assert.match(problems(() => loadConfigText(BASE, 'c.yaml', { sets: ['fit.epochs'] }))[0] ?? '', /^--set fit\.epochs: expected path=value/);
  assert.match(problems(() => loadConfigText(BASE, 'c.yaml', { sets: ['fit..epochs=1'] }))[0] ?? '', /empty key/);
  assert.match(problems(() => loadConfigText(BASE, 'c.yaml', { sets: ['model.layers[x]=1'] }))[0] ?? '', /is not a list index/);
  // A typo in a key is caught by the schema, with a suggestion.
  assert.match(problems(() => loadConfigText(BASE, 'c.yaml', { sets: ['fit.epoch=2'] })).join('\n'), /epochs/);
});

test('override paths parse dotted keys, indices and quoted keys; setPath applies them to plain objects', () => {
  assert.deepEqual(parseOverridePath('model.layers[0].Dense.units'), ['model', 'layers', 0, 'Dense', 'units']);
  assert.deepEqual(parseOverridePath('a["b.c"][2]'), ['a', 'b.c', 2]);
  const obj = { fit: { epochs: 1 }, model: { layers: [{ Dense: { units: 4 } }] } };
  const out = setPath(obj, 'model.layers[0].Dense.units', 8);
  assert.deepEqual(out, { fit: { epochs: 1 }, model: { layers: [{ Dense: { units: 8 } }] } });
  assert.equal(obj.model.layers[0]?.Dense.units, 4, 'the input is not modified');
  assert.deepEqual(setPath({}, 'compile.optimizer.Adam.learning_rate', 0.1), { compile: { optimizer: { Adam: { learning_rate: 0.1 } } } });
});

test('${ENV} and ${ENV:-default}: typed when whole, spliced inside strings, error at the location when unset', () => {
  const text = BASE.replace('epochs: 5', 'epochs: ${EPOCHS:-7}').replace('name: t', 'name: run-${WHO}');
  const c = loadConfigText(text, 'c.yaml', { env: { WHO: 'ci', EPOCHS: '2' } });
  assert.equal(c.fit.epochs, 2);
  assert.equal(c.name, 'run-ci');
  assert.equal(loadConfigText(text, 'c.yaml', { env: { WHO: 'x' } }).fit.epochs, 7, 'default used, as an integer');
  assert.deepEqual(problems(() => loadConfigText(text, 'c.yaml', { env: {} })), [
    'c.yaml:1:7: environment variable WHO is not set; set it, or give a default: ${WHO:-value}',
  ]);
  // Lower-case ${...} belongs to blocks: expressions and is left alone; $${X} is a literal.
  const lit = loadConfigText(BASE.replace('name: t', () => 'name: "$${HOME}-${lower}"'), 'c.yaml', { env: { HOME: '/root' } });
  assert.equal(lit.name, '${HOME}-${lower}');
});

test('extends: maps merge key by key, lists replace, the config wins; errors in the base point at the base', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'base.yaml'), BASE);
  mkdirSync(path.join(dir, 'sub'));
  writeFileSync(path.join(dir, 'sub', 'child.yaml'), 'extends: ../base.yaml\nfit: {batch_size: 4}\ncompile: {optimizer: {SGD: {momentum: 0.5}}}\n');
  const c = await loadConfig(path.join(dir, 'sub', 'child.yaml'));
  assert.equal(c.fit.epochs, 5, 'from the base');
  assert.equal(c.fit.batchSize, 4, 'from the child, merged into fit');
  assert.equal(c.compile.optimizer.type, 'SGD', 'a different named optimizer replaces the base\'s');
  assert.equal(c.compile.loss, 'sparse_categorical_crossentropy');
  assert.equal(c.model.layers.length, 3);

  writeFileSync(path.join(dir, 'list.yaml'), 'extends: [base.yaml]\nmodel:\n  layers:\n    - Dense: {units: 3, activation: softmax}\n');
  assert.equal((await loadConfig(path.join(dir, 'list.yaml'))).model.layers.length, 1, 'lists replace');

  writeFileSync(path.join(dir, 'badbase.yaml'), BASE.replace('units: 16', 'units: many'));
  writeFileSync(path.join(dir, 'c2.yaml'), 'extends: badbase.yaml\n');
  const msgs = await loadConfig(path.join(dir, 'c2.yaml')).then(() => [], (e: ConfigError) => e.problems.map(formatProblem));
  assert.equal(msgs.length, 1);
  assert.match(msgs[0] ?? '', /badbase\.yaml:7:22: "units" must be an integer, got "many"/);

  writeFileSync(path.join(dir, 'a.yaml'), 'extends: b.yaml\n');
  writeFileSync(path.join(dir, 'b.yaml'), 'extends: a.yaml\n');
  const cyc = await loadConfig(path.join(dir, 'a.yaml')).then(() => [], (e: ConfigError) => e.problems.map(formatProblem));
  assert.match(cyc[0] ?? '', /"extends" makes a cycle: a\.yaml → b\.yaml → a\.yaml/);

  writeFileSync(path.join(dir, 'missing.yaml'), 'name: m\nextends: nope.yaml\n');
  const miss = await loadConfig(path.join(dir, 'missing.yaml')).then(() => [], (e: ConfigError) => e.problems.map(formatProblem));
  assert.match(miss[0] ?? '', /missing\.yaml:2:10: cannot read base config "nope\.yaml".*no such file/);
});
