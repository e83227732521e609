/**
 * Every model of the seed tutorials (configs/seeds/) and of the Keras guides and examples kerats
 * can express (configs/guides/) against what real Keras 3 prints for it. The same models written
 * in Python Keras (test/python/keras_config_models.py) printed test/fixtures/keras3-configs/
 * NAME.summary.txt; `kerats summary CONFIG` must print that table: layer names, types, output
 * shapes, parameter counts, Connected to, and the totals with their sizes. When the reference
 * python exists, the script runs again here and its output must still be the stored one (a new
 * Keras that prints differently shows up as drift, not as a silently stale fixture).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { summarize } from '../src/runtime/summary.js';
import { formatKeras3Summary } from '../src/runtime/summary-keras3.js';
import { referencePython, runPython } from '../src/util/python-ref.js';
import { kerats, ROOT, tempDir } from './helpers/cli.js';

interface Reference {
  config: string;
  source: string;
  /** False when Keras's layers differ from kerats' by construction (a subclassed layer): totals only. */
  table: boolean;
  keras_version: string;
  total_params: number;
  trainable_params: number;
  non_trainable_params: number;
}

const FIX = path.join(ROOT, 'test', 'fixtures', 'keras3-configs');
const SCRIPT = path.join(ROOT, 'test', 'python', 'keras_config_models.py');
const INDEX = JSON.parse(readFileSync(path.join(FIX, 'index.json'), 'utf8')) as Record<string, Reference>;
const keras = (name: string): string => readFileSync(path.join(FIX, `${name}.summary.txt`), 'utf8');
const totals = (table: string): string[] => table.trimEnd().split('\n').slice(-3);

before(async () => {
  await tf.setBackend('cpu');
});

test('every config under configs/seeds and configs/guides has a table Keras 3 printed', () => {
  const configs = ['seeds', 'guides'].flatMap((d) => readdirSync(path.join(ROOT, 'configs', d)).filter((f) => f.endsWith('.yaml')).map((f) => `configs/${d}/${f}`));
  const covered = new Set(Object.values(INDEX).filter((r) => r.table).map((r) => r.config));
  assert.deepEqual(configs.filter((c) => !covered.has(c)), []);
  assert.ok(configs.length >= 30, `${configs.length} configs`);
  for (const [name, r] of Object.entries(INDEX)) {
    assert.match(r.keras_version, /^3\./, name);
    assert.match(totals(keras(name))[0] ?? '', new RegExp(`^ Total params: ${r.total_params.toLocaleString('en-US')} \\(`), name);
  }
});

for (const [name, ref] of Object.entries(INDEX)) {
  test(`${name} (${ref.config}): ${ref.table ? 'the table' : 'the totals'} Keras 3 printed`, async () => {
    const config = await loadConfig(path.join(ROOT, ref.config));
    const model = buildModel(config.model, { seed: config.seed });
    try {
      const s = summarize(model, config.name);
      assert.deepEqual([s.total_params, s.trainable_params, s.non_trainable_params], [ref.total_params, ref.trainable_params, ref.non_trainable_params]);
      const ours = formatKeras3Summary(s);
      // Keras's print_fn gets a last empty line; the tables themselves must be equal to the character.
      if (ref.table) assert.equal(ours.trimEnd(), keras(name).trimEnd());
      else assert.deepEqual(totals(ours), totals(keras(name)));
    } finally {
      model.dispose();
    }
  });
}

test('kerats summary CONFIG prints the same table (the command, not just the formatter)', async () => {
  const r = await kerats(['summary', path.join(ROOT, 'configs', 'guides', 'toy-resnet.yaml'), '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  // The table, then kerats' own line on the training step's memory.
  const table = keras('toy-resnet').trimEnd() + '\n';
  assert.equal(r.stdout.slice(0, table.length), table);
  assert.match(r.stdout.slice(table.length), /^(Training step memory .*\n)?$/);
});

test('the Python Keras models still print the stored tables (drift check against the installed Keras)', (t) => {
  const py = referencePython(['keras']);
  if (!py.python) {
    t.skip(py.skip);
    return;
  }
  const out = tempDir();
  const r = runPython(py.python, [SCRIPT, out], { timeoutMs: 600_000 });
  assert.equal(r.status, 0, r.stderr.split('\n').slice(-20).join('\n'));
  const fresh = JSON.parse(readFileSync(path.join(out, 'index.json'), 'utf8')) as Record<string, Reference>;
  assert.deepEqual(Object.keys(fresh).sort(), Object.keys(INDEX).sort());
  for (const name of Object.keys(INDEX)) {
    const { keras_version: _v, ...stored } = INDEX[name] as Reference;
    const { keras_version: _w, ...now } = fresh[name] as Reference;
    assert.deepEqual(now, stored, name);
    assert.equal(readFileSync(path.join(out, `${name}.summary.txt`), 'utf8'), keras(name), `${name}: Keras ${fresh[name]?.keras_version} prints another table`);
  }
});
