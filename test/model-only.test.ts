/**
 * A model-only file (just `model:`, no compile, fit or data) is what Keras's model.summary() needs:
 * summary, validate, plot-model and export take it; train and profile say exactly what it lacks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';

const MODEL_ONLY = `model:
  input_shape: [8]
  layers:
    - Dense: {units: 16, activation: relu}
    - Dense: 3
`;

function modelOnlyFile(): string {
  const file = path.join(tempDir(), 'net.yaml');
  writeFileSync(file, MODEL_ONLY);
  return file;
}

test('summary and validate take a model-only file (8*16+16 + 16*3+3 = 195 parameters)', async () => {
  const file = modelOnlyFile();
  const s = await kerats(['summary', file, '--json']);
  assert.equal(s.code, 0, s.stderr);
  assert.equal((JSON.parse(s.stdout) as { total_params: number }).total_params, 195);
  const v = await kerats(['validate', file, '--json']);
  assert.equal(v.code, 0, v.stderr);
  assert.equal((JSON.parse(v.stdout) as { valid: boolean; total_params: number }).total_params, 195);
});

test('plot-model and export take a model-only file', async () => {
  const file = modelOnlyFile();
  const svg = path.join(path.dirname(file), 'net.svg');
  const p = await kerats(['plot-model', file, '-o', svg]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(readFileSync(svg, 'utf8'), /<svg/);
  const out = path.join(path.dirname(file), 'exported');
  const e = await kerats(['export', file, '-o', out, '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout) as { params: number }).params, 195);
  const keras = JSON.parse(readFileSync(path.join(out, 'keras_model.json'), 'utf8')) as { class_name: string };
  assert.equal(keras.class_name, 'Sequential');
  assert.ok(existsSync(path.join(out, 'weights.bin')));
  // The exported model reads back with the same parameters.
  const back = await kerats(['summary', path.join(out, 'model.json'), '--json']);
  assert.equal((JSON.parse(back.stdout) as { total_params: number }).total_params, 195);
});

test('train on a model-only file names what is missing and exits 2', async () => {
  const file = modelOnlyFile();
  const r = await kerats(['train', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /net\.yaml:1:1: error: `kerats train` needs "compile:" and "data:", which this model-only file lacks/);
  assert.match(r.stderr, /compile: \{optimizer: adam, loss: mse\}/);
  assert.ok(!hasStackTrace(r.stderr));
  // With compile but no data, only data is named.
  writeFileSync(file, `${MODEL_ONLY}compile: {optimizer: adam, loss: mse}\n`);
  const d = await kerats(['train', file]);
  assert.equal(d.code, 2);
  assert.match(d.stderr, /needs "data:", which this model-only file lacks/);
});
