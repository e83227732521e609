/**
 * A two-output functional model (a species classifier head and a petal-width regressor head)
 * trained from ONE CSV with a label column per output (`label: {species_out: species, petal_out:
 * petal_width}`), through the real CLI: each label's preprocessing is saved with the run, and
 * `evaluate` and `predict` on the run folder use it (predict writes one column group per output,
 * whose accuracy and MAE equal what evaluate reports on the same file).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';

const IRIS = path.join(ROOT, 'data', 'iris.csv');

function config(dir: string, label: string, loss = '{species_out: sparse_categorical_crossentropy, petal_out: mse}'): string {
  const file = path.join(dir, 'multi.yaml');
  writeFileSync(
    file,
    [
      'name: iris-two-heads',
      'seed: 3',
      'data:',
      `  train: {csv: ${IRIS}, label: ${label}, preprocess: {'*': standardize}}`,
      '  validation_split: 0.2',
      'model:',
      '  inputs: [{name: measures, shape: [3]}]',
      '  layers:',
      '    - Dense: {units: 8, activation: relu, name: hidden, inputs: measures}',
      '    - Dense: {units: 3, activation: softmax, name: species_out, inputs: hidden}',
      '    - Dense: {units: 1, name: petal_out, inputs: hidden}',
      '  outputs: [species_out, petal_out]',
      'compile:',
      '  optimizer: {Adam: {learning_rate: 0.05}}',
      `  loss: ${loss}`,
      '  metrics: {species_out: [accuracy], petal_out: [mae]}',
      'fit: {epochs: 15, batch_size: 16, verbose: 0}',
    ].join('\n') + '\n',
  );
  return file;
}

interface Preprocessing {
  features: string[];
  outputs: Record<string, { label: string; classes?: string[]; encoding: string }>;
}

function parseCsvRows(text: string): Record<string, string>[] {
  const [head = '', ...rows] = text.trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i] ?? '', v])));
}

test('a classifier head and a regressor head train from one CSV; evaluate and predict use each label\'s saved preprocessing', async () => {
  const dir = tempDir();
  const run = path.join(dir, 'run');
  const trained = await kerats(['train', config(dir, '{species_out: species, petal_out: petal_width}'), '--out', run]);
  assert.equal(trained.code, 0, trained.stderr);

  const pre = JSON.parse(readFileSync(path.join(run, 'preprocessing.json'), 'utf8')) as Preprocessing;
  // Both label columns are out of the features; each output keeps its own vocabulary and encoding.
  assert.deepEqual(pre.features, ['sepal_length', 'sepal_width', 'petal_length']);
  assert.deepEqual(pre.outputs.species_out, { label: 'species', classes: ['setosa', 'versicolor', 'virginica'], numClasses: 3, encoding: 'sparse' });
  assert.deepEqual(pre.outputs.petal_out, { label: 'petal_width', encoding: 'regression' });

  // evaluate on the run folder (its validation split) reports both heads.
  const onRun = await kerats(['evaluate', run, '--json']);
  assert.equal(onRun.code, 0, onRun.stderr);
  const runMetrics = (JSON.parse(onRun.stdout) as { samples: number; metrics: Record<string, number> });
  assert.equal(runMetrics.samples, 30);
  assert.deepEqual(Object.keys(runMetrics.metrics).sort(), ['loss', 'petal_out_loss', 'petal_out_mae', 'species_out_accuracy', 'species_out_loss']);
  assert.ok((runMetrics.metrics.species_out_accuracy ?? 0) > 0.6, `accuracy ${runMetrics.metrics.species_out_accuracy}`);

  const ev = await kerats(['evaluate', run, '--data', IRIS, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const metrics = (JSON.parse(ev.stdout) as { metrics: Record<string, number> }).metrics;

  // predict: one column group per output, ids passed through.
  const out = path.join(dir, 'pred.csv');
  const pred = await kerats(['predict', run, IRIS, '-o', out, '--id-column', 'species']);
  assert.equal(pred.code, 0, pred.stderr);
  const rows = parseCsvRows(readFileSync(out, 'utf8'));
  assert.equal(rows.length, 150);
  assert.deepEqual(Object.keys(rows[0] ?? {}), [
    'species',
    'species_out_prediction',
    'species_out_prob_setosa',
    'species_out_prob_versicolor',
    'species_out_prob_virginica',
    'petal_out_prediction',
  ]);
  const truth = parseCsvRows(readFileSync(IRIS, 'utf8'));
  const accuracy = rows.filter((r) => r.species_out_prediction === r.species).length / rows.length;
  const mae = rows.reduce((s, r, i) => s + Math.abs(Number(r.petal_out_prediction) - Number(truth[i]?.petal_width)), 0) / rows.length;
  assert.equal(accuracy, metrics.species_out_accuracy);
  assert.ok(Math.abs(mae - (metrics.petal_out_mae ?? NaN)) < 1e-4, `predict MAE ${mae} vs evaluate ${metrics.petal_out_mae}`);
});

test('a label map naming an output the model does not have, or missing one, exits 2 with a clear message', async () => {
  const dir = tempDir();
  const r = await kerats(['train', config(dir, '{species_o: species, petal_out: petal_width}'), '--out', path.join(dir, 'run')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /multi\.yaml:4:\d+: error: label: the model has no output named "species_o"; its outputs are "species_out", "petal_out"; did you mean "species_out"\?/);
  assert.ok(!hasStackTrace(r.stderr));
  // The binary once (exit code and stderr as a shell sees them); the CLI's main in this process for
  // the other cases: the same messages without a Node and TensorFlow.js start-up each.

  const missing = await runMain(['train', config(dir, '{species_out: species}'), '--out', path.join(dir, 'run2')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /label names no column for the output "petal_out"; give one label column per output/);
  assert.ok(!hasStackTrace(missing.stderr));

  const absent = await runMain(['train', config(dir, '{species_out: species, petal_out: petal_widht}'), '--out', path.join(dir, 'run3')]);
  assert.equal(absent.code, 2);
  assert.match(absent.stderr, /has no label column "petal_widht" .*did you mean one of "petal_width"/);
  assert.ok(!hasStackTrace(absent.stderr));

  // A loss map without the output: the trainer's message, not a failure while reading the labels.
  const noLoss = await runMain(['train', config(dir, '{species_out: species, petal_out: petal_width}', '{species_out: sparse_categorical_crossentropy}'), '--out', path.join(dir, 'run4')]);
  assert.equal(noLoss.code, 2);
  assert.match(noLoss.stderr, /compile\.loss: no loss for the output "petal_out"/);
  assert.ok(!hasStackTrace(noLoss.stderr));
});
