/**
 * Every model of the seed tutorials has a config in configs/seeds/, and `kerats summary` reports
 * the parameter counts Keras reports for it. The expected figures are worked out here from Keras's
 * formulas (Dense: in*units + units; LSTM: 4*(in*u + u*u + u); Conv2D: kh*kw*cin*f + f;
 * BatchNormalization: 4*c, half of it non-trainable; Embedding: vocab*dim), not read from kerats.
 * test/keras-config-parity.test.ts checks the same configs against the tables real Keras printed.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { summarize } from '../src/runtime/summary.js';
import { hasStackTrace, kerats, ROOT } from './helpers/cli.js';

const dense = (i: number, u: number): number => i * u + u;
const lstm = (i: number, u: number): number => 4 * (i * u + u * u + u);
const conv = (k: number, cin: number, f: number): number => k * k * cin * f + f;
const bn = (c: number): number => 4 * c;

/** [total, non-trainable] per config. */
const EXPECTED: Record<string, [number, number]> = {
  'mlp-dropout': [dense(784, 512) + dense(512, 512) + dense(512, 10), 0], // 669,706
  'dense-initializers': [dense(16, 32) + dense(32, 16) + dense(16, 8), 0], // 1,208
  'two-neuron': [dense(1, 2) + dense(2, 1), 0], // 7
  regression: [dense(3, 128) + dense(128, 32), 0], // 4,640
  'dnn-mnist': [dense(784, 128) + dense(128, 64) + dense(64, 10), 0], // 109,386
  'cnn-batchnorm': [
    conv(3, 3, 32) + bn(32) + conv(3, 32, 64) + bn(64) + conv(3, 64, 128) + bn(128) + dense(4 * 4 * 128, 128) + dense(128, 10),
    2 * (32 + 64 + 128),
  ], // 357,706 (448 non-trainable)
  'imdb-lstm': [20000 * 128 + lstm(128, 128) + dense(128, 1), 0], // 2,691,713
  'stacked-lstm': [lstm(16, 32) + 2 * lstm(32, 32) + dense(32, 10), 0], // 23,242
  'stateful-lstm': [lstm(16, 32) + 2 * lstm(32, 32) + dense(32, 10), 0],
  'headline-multi-io': [10000 * 512 + lstm(512, 32) + dense(32, 1) + dense(37, 64) + 2 * dense(64, 64) + dense(64, 1), 0], // 5,200,610
  'shared-lstm-tweets': [lstm(256, 64) + dense(128, 1), 0], // 82,305: ONE LSTM
  autoencoder: [dense(784, 256) + dense(256, 128) + dense(128, 64) + dense(64, 128) + dense(128, 256) + dense(256, 784), 0], // 484,944
  'functional-mlp': [dense(784, 128) + dense(128, 64) + dense(64, 10), 0], // 109,386
  // Per block: attention 4 x (128x128 + 128), FFN 128->512->128, two LayerNormalization(128).
  transformer: [2 * (4 * dense(128, 128) + dense(128, 512) + dense(512, 128) + 2 * 2 * 128) + dense(128, 10), 0], // 397,834
  'binary-classifier': [dense(100, 32) + dense(32, 1), 0], // 3,265
  'categorical-classifier': [dense(100, 32) + dense(32, 10), 0], // 3,562
  'dense-activation': [dense(784, 32), 0], // 25,120
  'added-layers': [dense(8, 32) + dense(32, 64) + dense(64, 8), 0], // 2,920
  'functional-visible-hidden': [dense(2, 2), 0], // 6
  'grid-search-mlp': [dense(4, 64) + dense(64, 3), 0], // 515
  'densely-connected': [dense(784, 64) + dense(64, 64) + dense(64, 10), 0], // 55,050
  'time-distributed-model': [dense(784, 64) + dense(64, 64) + dense(64, 10), 0], // 55,050: one model, every timestep
};

const DIR = path.join(ROOT, 'configs', 'seeds');

test('the expected figures are the ones the tutorials and Keras print', () => {
  assert.equal(EXPECTED['mlp-dropout']?.[0], 669_706);
  assert.equal(EXPECTED['dnn-mnist']?.[0], 109_386);
  assert.equal(EXPECTED['transformer']?.[0], 397_834);
});

test('configs/seeds has one config per seed model, no more, no less', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
});

for (const [name, [total, nonTrainable]] of Object.entries(EXPECTED)) {
  test(`${name}: total, trainable and non-trainable parameters as in Keras`, async () => {
    await tf.setBackend('cpu');
    const config = await loadConfig(path.join(DIR, `${name}.yaml`));
    const model = buildModel(config.model, { seed: config.seed });
    try {
      const s = summarize(model, config.name);
      assert.equal(s.total_params, total);
      assert.equal(s.non_trainable_params, nonTrainable);
      assert.equal(s.trainable_params, total - nonTrainable);
    } finally {
      model.dispose();
    }
  });
}

test('kerats summary --json on the headline model: the Keras figures and a Connected-to per layer', async () => {
  const r = await kerats(['summary', path.join(DIR, 'headline-multi-io.yaml'), '--json', '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!hasStackTrace(r.stderr));
  const s = JSON.parse(r.stdout) as { total_params: number; trainable_params: number; non_trainable_params: number; kind: string; layers: { name: string; type: string; connected_to?: string[] }[] };
  assert.deepEqual([s.total_params, s.trainable_params, s.non_trainable_params], [5_200_610, 5_200_610, 0]);
  assert.equal(s.kind, 'functional');
  const concat = s.layers.find((l) => l.type === 'Concatenate');
  assert.deepEqual(concat?.connected_to, ['lstm_out[0][0]', 'aux_input[0][0]']);
  assert.deepEqual(s.layers.find((l) => l.name === 'main_input')?.connected_to, []);
});

test('kerats summary prints the Keras 2 functional table: 98 columns and "Connected to"', async () => {
  const r = await kerats(['summary', path.join(DIR, 'shared-lstm-tweets.yaml'), '--backend', 'cpu', '--format', 'keras2']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[2] ?? '', /^ Layer \(type\) {19}Output Shape {9}Param # {5}Connected to/);
  assert.equal(lines[1]?.length, 98);
  // The shared LSTM: one row, called on both tweets; the concatenation takes its two calls.
  assert.match(r.stdout, / shared_lstm \(LSTM\) +\(None, 64\) +82176 +\['tweet_a\[0\]\[0\]',\s*\n\s+'tweet_b\[0\]\[0\]'\]/);
  assert.match(r.stdout, /\['shared_lstm\[0\]\[0\]',\s*\n\s+'shared_lstm\[1\]\[0\]'\]/);
  assert.match(r.stdout, /Total params: 82,305/);
});

test('summary --expand lists the layers of nested models; without it each is one row', async () => {
  const plain = await kerats(['summary', path.join(DIR, 'autoencoder.yaml'), '--json', '--backend', 'cpu']);
  const expanded = await kerats(['summary', path.join(DIR, 'autoencoder.yaml'), '--json', '--expand', '--backend', 'cpu']);
  assert.equal(plain.code, 0, plain.stderr);
  type Row = { name: string; type: string; params: number; layers?: Row[] };
  const a = JSON.parse(plain.stdout) as { layers: Row[] };
  const b = JSON.parse(expanded.stdout) as { layers: Row[] };
  const enc = a.layers.find((l) => l.name === 'encoder');
  assert.equal(enc?.type, 'Sequential');
  assert.equal(enc?.params, 242_112);
  assert.equal(enc?.layers, undefined);
  const encX = b.layers.find((l) => l.name === 'encoder');
  assert.deepEqual(encX?.layers?.map((l) => l.params), [200_960, 32_896, 8_256]);
  const text = await kerats(['summary', path.join(DIR, 'autoencoder.yaml'), '--expand', '--backend', 'cpu', '--format', 'keras2']);
  assert.match(text.stdout, /\| dense_1 \(Dense\) +\(None, 128\) +32896/);
});
