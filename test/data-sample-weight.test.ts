/**
 * `sample_weight` as a data column (Keras's `fit(sample_weight=...)`), in memory and streamed:
 * rows weighted 0 do not drive training (the weights equal those of a run on the other rows
 * only), the column is never a feature, and a non-numeric or negative weight stops with file,
 * line and column and exit 2.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadConfig } from '../src/config/load.js';
import { loadTrainingData } from '../src/runtime/data/stream.js';
import { isStreaming } from '../src/runtime/data/types.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { train } from '../src/runtime/training/trainer.js';
import { DataError } from '../src/util/errors.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

/** Iris rows as [features..., class id]: versicolor/virginica (ids 1, 2) first, then setosa (id 0). */
function irisRows(): { others: string[][]; setosa: string[][] } {
  const [, ...lines] = readFileSync(path.join(ROOT, 'data', 'iris.csv'), 'utf8').trim().split('\n');
  const ids: Record<string, string> = { setosa: '0', versicolor: '1', virginica: '2' };
  const rows = lines.map((l) => {
    const cells = l.split(',');
    return [...cells.slice(0, 4), ids[cells[4] ?? ''] ?? '?'];
  });
  return { others: rows.filter((r) => r[4] !== '0'), setosa: rows.filter((r) => r[4] === '0') };
}

function writeCsv(file: string, header: string[], rows: string[][]): string {
  writeFileSync(file, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return file;
}

function config(dir: string, name: string, source: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'seed: 11',
      'data:',
      `  train: ${source}`,
      'model:',
      '  input_shape: [4]',
      '  layers:',
      '    - Dense: {units: 6, activation: relu}',
      '    - Dense: {units: 3, activation: softmax}',
      'compile: {optimizer: {SGD: {learning_rate: 0.05}}, loss: sparse_categorical_crossentropy, metrics: [accuracy]}',
      // In file order, 20 rows a batch: the 100 weighted rows make the same 5 batches in every run.
      'fit: {epochs: 3, batch_size: 20, shuffle: false, verbose: 0}',
    ].join('\n') + '\n',
  );
  return file;
}

/** Trains the config in this process (as `kerats train` does) and returns the final weights, flattened. */
async function trainWeights(cfg: string): Promise<Float32Array> {
  const config = await loadConfig(cfg);
  const data = await loadTrainingData(config.data ?? assert.fail('no data'), { encoding: 'sparse', inputShape: config.model.inputShape, seed: 11 });
  const model = buildModel(config.model, { seed: 11 });
  try {
    await train(model, config.compile, data.train, { epochs: config.fit.epochs, batchSize: config.fit.batchSize, shuffle: config.fit.shuffle, seed: 11, callbacks: [] });
    const parts = model.getWeights().map((w) => w.dataSync() as Float32Array);
    return Float32Array.from(parts.flatMap((p) => Array.from(p)));
  } finally {
    model.dispose();
    if (!isStreaming(data.train)) tf.dispose([data.train.x, data.train.y, ...(data.train.sampleWeight ? [data.train.sampleWeight] : [])]);
  }
}

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

test('rows of weight 0 do not drive training: same weights as training on the other rows only (in memory and streamed)', async () => {
  const dir = tempDir();
  const { others, setosa } = irisRows();
  // The weight column sits between the features: it must not become one (input_shape is [4]).
  const header = [...FEATURES.slice(0, 2), 'w', ...FEATURES.slice(2), 'species'];
  const withW = (rows: string[][], w: string): string[][] => rows.map((r) => [...r.slice(0, 2), w, ...r.slice(2)]);
  const weighted = writeCsv(path.join(dir, 'weighted.csv'), header, [...withW(others, '1'), ...withW(setosa, '0')]);
  const subset = writeCsv(path.join(dir, 'subset.csv'), [...FEATURES, 'species'], others);
  const unweighted = writeCsv(path.join(dir, 'all.csv'), [...FEATURES, 'species'], [...others, ...setosa]);

  await tf.setBackend('wasm');
  const only = await trainWeights(config(dir, 'subset', `{csv: ${subset}, label: species}`));
  const zeroed = await trainWeights(config(dir, 'weighted', `{csv: ${weighted}, label: species, sample_weight: w}`));
  const streamed = await trainWeights(config(dir, 'streamed', `{csv: ${weighted}, label: species, sample_weight: w, stream: true}`));
  const all = await trainWeights(config(dir, 'all', `{csv: ${unweighted}, label: species}`));

  assert.deepEqual(zeroed, only, 'weight-0 rows changed the weights (in memory)');
  assert.deepEqual(streamed, only, 'weight-0 rows changed the weights (streamed)');
  // The same rows with weight 1 do change them: the comparison can fail.
  assert.notDeepEqual(all, only, 'setosa rows had no effect at all');

  // The column is saved as the weight, not a feature (evaluate and predict read the saved features).
  const loaded = await loadTrainingData({ train: { kind: 'csv', path: weighted, given: 'weighted.csv', label: 'species', sampleWeight: 'w' } }, { encoding: 'sparse' });
  assert.deepEqual(loaded.preprocessing.features, FEATURES);
  assert.equal(loaded.preprocessing.sample_weight, 'w');
  const train = loaded.train;
  assert.ok(!isStreaming(train) && train.sampleWeight);
  assert.deepEqual(Array.from(train.sampleWeight.dataSync()), [...others.map(() => 1), ...setosa.map(() => 0)]);
  tf.dispose([train.x, train.y, train.sampleWeight]);
});

test('a non-numeric or negative sample weight exits 2 naming file, line and column', async () => {
  const dir = tempDir();
  const { others } = irisRows();
  const header = [...FEATURES, 'species', 'w'];
  const rows = others.slice(0, 30).map((r) => [...r, '1']);
  for (const [bad, stream] of [['heavy', false], ['-0.5', true]] as const) {
    const broken = rows.map((r, i) => (i === 6 ? [...r.slice(0, 5), bad] : r));
    const file = writeCsv(path.join(dir, `bad-${stream}.csv`), header, broken);
    const r = await kerats(['train', config(dir, 'bad', `{csv: ${file}, label: species, sample_weight: w${stream ? ', stream: true' : ''}}`), '--out', path.join(dir, 'run')]);
    assert.equal(r.code, 2, r.stderr);
    // Row 7 of the data is line 8 (after the header); w is column 6.
    assert.ok(r.stderr.includes(`${file}:8:6: error: sample_weight column "w" has ${JSON.stringify(bad)}; sample weights must be numbers >= 0`), r.stderr);
    assert.ok(!hasStackTrace(r.stderr));
  }
  const plain = writeCsv(path.join(dir, 'plain.csv'), [...FEATURES, 'species'], others);
  await assert.rejects(
    loadTrainingData({ train: { kind: 'csv', path: plain, given: 'plain.csv', label: 'species', sampleWeight: 'weight' } }, { encoding: 'sparse' }),
    (e: unknown) => e instanceof DataError && /^plain\.csv has no sample_weight column "weight" \(its columns are .*\)/.test(e.message),
  );
});
