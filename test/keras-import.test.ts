/**
 * Files the real Keras 3 saved (test/fixtures/keras/, written by scripts/keras-fixtures.py with
 * the Keras version in expected.json) read by kerats: the same summary totals and predictions as
 * Keras, `kerats predict` on a .keras file, and fine-tuning a config that starts from one.
 * No Python needed: the fixtures are committed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '../src/registry/layers/index.js';
import { summarize } from '../src/runtime/summary.js';
import { loadKerasModelFile } from '../src/saving/model-file.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'keras');
type Rows = number[][];
interface Expected {
  keras_version: string;
  models: Record<string, { inputs: unknown; predictions: Rows; total_params: number; trainable_params: number; non_trainable_params: number }>;
}
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Expected;
const TOL = 1e-4;

function maxDiff(a: Rows, b: Rows): number {
  assert.equal(a.length, b.length);
  let m = 0;
  a.forEach((r, i) => r.forEach((v, j) => (m = Math.max(m, Math.abs(v - (b[i]?.[j] ?? NaN))))));
  return m;
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('Keras-saved .keras and .h5 files in kerats', () => {
  it('the fixtures were written by Keras 3', () => {
    assert.match(expected.keras_version, /^3\./);
  });

  for (const name of Object.keys(expected.models)) {
    for (const ext of ['keras', 'h5']) {
      it(`${name}.${ext}: Keras's summary totals and predictions (<= ${TOL})`, async () => {
        const want = expected.models[name];
        assert.ok(want);
        const { model } = await loadKerasModelFile(path.join(FIXTURES, `${name}.${ext}`));
        try {
          const s = summarize(model, name);
          assert.equal(s.total_params, want.total_params);
          assert.equal(s.trainable_params, want.trainable_params);
          assert.equal(s.non_trainable_params, want.non_trainable_params);
          const inp = want.inputs;
          const x = Array.isArray(inp) ? tf.tensor(inp as Rows) : model.inputNames.map((k) => tf.tensor((inp as Record<string, number[][][]>)[k] ?? []));
          const y = model.predict(x) as tf.Tensor;
          const d = maxDiff((await y.array()) as Rows, want.predictions);
          tf.dispose([x, y]);
          assert.ok(d <= TOL, `max difference ${d}`);
        } finally {
          model.dispose();
        }
      });
    }
  }

  it('kerats summary prints the Keras file\'s totals', async () => {
    const r = await kerats(['summary', path.join(FIXTURES, 'func_lstm.h5'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { total_params: number; non_trainable_params: number };
    assert.equal(s.total_params, expected.models.func_lstm?.total_params);
    assert.equal(s.non_trainable_params, expected.models.func_lstm?.non_trainable_params);
  });

  it('kerats predict takes a .keras file: the table\'s columns are the model\'s inputs, Keras\'s predictions come out', async () => {
    const want = expected.models.seq_bn;
    assert.ok(want);
    const dir = tempDir();
    const rows = want.inputs as Rows;
    const csv = path.join(dir, 'rows.csv');
    writeFileSync(csv, ['id,f0,f1,f2,f3,f4,f5', ...rows.map((r, i) => [i, ...r].join(','))].join('\n') + '\n');
    const out = path.join(dir, 'pred.json');
    const r = await kerats(['predict', path.join(FIXTURES, 'seq_bn.keras'), csv, '--id-column', 'id', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const got = (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>[]).map((o) => Object.entries(o).filter(([k]) => k !== 'id').map(([, v]) => v as number));
    assert.ok(maxDiff(got, want.predictions) <= TOL, JSON.stringify(got[0]));
  });

  it('a config with model.from a .keras file freezes the named layer, adds a new head and trains (loss goes down)', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'finetune.yaml');
    writeFileSync(cfg, [
      'name: finetune',
      'seed: 3',
      'data: {train: {synthetic: {samples: 64, x_shape: [6], classes: 2}}}',
      'model:',
      `  from: ${path.join(FIXTURES, 'seq_bn.keras')}`,
      '  pop: 2',
      '  trainable: [dense]',
      '  layers:',
      '    - Dense: {units: 2, activation: softmax, name: new_head}',
      'compile: {optimizer: {Adam: {learning_rate: 0.05}}, loss: sparse_categorical_crossentropy}',
      'fit: {epochs: 6, batch_size: 16}',
      '',
    ].join('\n'));
    const run = path.join(dir, 'run');
    const r = await kerats(['train', cfg, '--out', run, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const loss = (JSON.parse(readFileSync(path.join(run, 'history.json'), 'utf8')) as { loss: number[] }).loss;
    assert.equal(loss.length, 6);
    assert.ok((loss.at(-1) ?? Infinity) < (loss[0] ?? 0), `loss ${loss.join(' → ')}`);
    const s = JSON.parse((await kerats(['summary', run, '--json'])).stdout) as { layers: { name: string }[]; trainable_params: number; total_params: number };
    // Keras's dense (6*8+8 = 56) is frozen, and BatchNormalization's moving statistics (16) never train.
    assert.ok(s.layers.some((l) => l.name === 'new_head'));
    assert.equal(s.total_params - s.trainable_params, 56 + 16);
  });

  it('kerats evaluate measures a .keras file on a config\'s validation data with its compile section; without a config it says what to pass', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'eval.yaml');
    writeFileSync(cfg, [
      'name: eval',
      'seed: 2',
      'data: {train: {synthetic: {samples: 40, x_shape: [6], classes: 3}}, validation_split: 0.25}',
      'model: {input_shape: [6], layers: [{Dense: {units: 3, activation: softmax}}]}',
      'compile: {loss: sparse_categorical_crossentropy, metrics: [accuracy]}',
      '',
    ].join('\n'));
    const r = await kerats(['evaluate', path.join(FIXTURES, 'seq_bn.keras'), '--data', cfg, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { samples: number; metrics: Record<string, number> };
    assert.equal(res.samples, 10);
    assert.ok(Number.isFinite(res.metrics.loss) && (res.metrics.loss ?? 0) > 0);
    assert.ok((res.metrics.accuracy ?? -1) >= 0 && (res.metrics.accuracy ?? 2) <= 1);
    const bare = await kerats(['evaluate', path.join(FIXTURES, 'seq_bn.keras')]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /needs --data CONFIG/);
    assert.ok(!hasStackTrace(bare.stderr), bare.stderr);
  });

  it('a file that is not a Keras zip is a clear error, exit 2', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'model.keras');
    writeFileSync(bad, 'not a zip');
    const r = await kerats(['summary', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read ".*model\.keras" as a \.keras file/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  it('an .h5 holding weights only says to save the whole model, exit 2', async () => {
    // In process (the CLI's main, no start-up): the binary's exit 2 is checked on the test above.
    const r = await runMain(['summary', path.join(ROOT, 'test', 'fixtures', 'keras', 'missing.h5')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no such file/);
  });

  it('an unknown export format lists the formats, exit 2', async () => {
    const r = await runMain(['export', path.join(FIXTURES, 'seq_bn.keras'), '--format', 'pmml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format must be one of keras, h5, keras-json, tfjs, onnx, got "pmml"/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  it('a Keras file converts to another format: .keras in, .h5 out, same predictions', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'seq.h5');
    const r = await kerats(['export', path.join(FIXTURES, 'seq_bn.keras'), '--format', 'h5', '-o', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { model } = await loadKerasModelFile(out);
    const want = expected.models.seq_bn;
    assert.ok(want);
    const x = tf.tensor(want.inputs as Rows);
    const y = model.predict(x) as tf.Tensor;
    assert.ok(maxDiff((await y.array()) as Rows, want.predictions) <= TOL);
    tf.dispose([x, y]);
    model.dispose();
  });
});
