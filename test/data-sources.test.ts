/**
 * Every source type trains from a config on the small real fixtures in test/fixtures/data, and
 * bad data stops with file, row and column. Configs go through the real loader (schema, build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadConfigText } from '../src/config/load.js';
import { loadData } from '../src/runtime/data/index.js';
import { encodeIdx, parseIdx } from '../src/runtime/data/idx.js';
import { encodeNpy, parseNpy } from '../src/runtime/data/npy.js';
import type { DataState } from '../src/runtime/data/table-source.js';
import { tokenize } from '../src/runtime/data/text.js';
import { runTraining } from '../src/runtime/train-run.js';
import { DataError, KeratsError } from '../src/util/errors.js';
import { tempDir } from './helpers/cli.js';

await tf.setBackend('wasm');

const root = fileURLToPath(new URL('../../', import.meta.url));
const F = path.join(root, 'test/fixtures/data');
const tmp = tempDir();

function config(name: string, data: string, model: string, compile: string, fit = '{epochs: 4, batch_size: 16}'): string {
  const file = path.join(tmp, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nseed: 3\ndata:\n${data}\nmodel:\n${model}\ncompile: ${compile}\nfit: ${fit}\n`);
  return file;
}

async function trains(name: string, data: string, model: string, compile: string): Promise<{ runDir: string; loss: number[]; state: DataState }> {
  const file = config(name, data, model, compile);
  const { readFileSync } = await import('node:fs');
  const cfg = loadConfigText(readFileSync(file, 'utf8'), file);
  const r = await runTraining(cfg, { backend: 'wasm', runsRoot: path.join(tmp, 'runs'), argv: [] });
  const loss = r.history.loss ?? [];
  assert.ok(loss.length > 0 && loss.every(Number.isFinite), `${name}: losses ${JSON.stringify(loss)}`);
  assert.ok((loss[loss.length - 1] ?? Infinity) < (loss[0] ?? 0), `${name}: loss went down ${JSON.stringify(loss)}`);
  const state = JSON.parse(readFileSync(path.join(r.run_dir, 'preprocessing.json'), 'utf8')) as DataState;
  return { runDir: r.run_dir, loss, state };
}

const SPARSE = '{optimizer: {Adam: {learning_rate: 0.05}}, loss: sparse_categorical_crossentropy, metrics: [accuracy]}';
const dense = (inputShape: string, units: number, extra = ''): string =>
  `  input_shape: ${inputShape}\n  layers:\n${extra}    - Dense: {units: ${units}, activation: softmax}`;

test('.npy arrays (x and labels) train; numeric labels are class ids', async () => {
  const r = await trains('npy', `  train: {npy: ${F}/iris-x.npy, labels: ${F}/iris-y.npy}`, dense('[4]', 3), SPARSE);
  assert.equal(r.state.numClasses, 3);
  assert.deepEqual(r.state.arrays?.sample_shape, [4]);
});

test('.npz archive (one deflated and one stored entry) loads the same arrays as the .npy files', async () => {
  const fromNpz = await loadData({ train: { kind: 'arrays', format: 'npz', path: `${F}/iris.npz`, given: 'iris.npz' } }, { encoding: 'sparse' });
  const fromNpy = await loadData(
    { train: { kind: 'arrays', format: 'npy', path: `${F}/iris-x.npy`, given: 'x.npy', labelsPath: `${F}/iris-y.npy`, labelsGiven: 'y.npy' } },
    { encoding: 'sparse' },
  );
  assert.deepEqual((fromNpz.train.x as tf.Tensor).arraySync(), (fromNpy.train.x as tf.Tensor).arraySync());
  assert.deepEqual((fromNpz.train.y as tf.Tensor).arraySync(), (fromNpy.train.y as tf.Tensor).arraySync());
  // iris.csv row 1 is 6.1,2.9,4.7,1.4,versicolor (class id 1).
  assert.deepEqual(((fromNpz.train.x as tf.Tensor).arraySync() as number[][])[0]?.map((v) => Math.round(v * 10) / 10), [6.1, 2.9, 4.7, 1.4]);
  await trains('npz', `  train: {npz: ${F}/iris.npz}\n  validation_split: 0.2`, dense('[4]', 3), SPARSE);
});

test('IDX images (.gz) and labels train, rescaled to [0, 1]', async () => {
  const r = await trains(
    'idx',
    `  train: {idx: ${F}/halves-images-idx3-ubyte.gz, labels: ${F}/halves-labels-idx1-ubyte, rescale: 0.00392156862745098}`,
    dense('[6, 6]', 2, '    - Flatten\n'),
    SPARSE,
  );
  assert.deepEqual(r.state.arrays?.sample_shape, [6, 6]);
});

test('npy and IDX encoders round-trip through the parsers', () => {
  const a = parseNpy(encodeNpy([2, 3], Float32Array.from([1, 2, 3, 4, 5, 6.5])), 'a.npy');
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual(Array.from(a.data), [1, 2, 3, 4, 5, 6.5]);
  const b = parseIdx(encodeIdx([3], Uint8Array.from([7, 8, 255])), 'b');
  assert.deepEqual(b.shape, [3]);
  assert.deepEqual(Array.from(b.data), [7, 8, 255]);
});

test('image folder (PNG + JPEG, mixed sizes) resizes to image_size; class names are the sorted subfolders', async () => {
  const r = await trains(
    'images',
    `  train: {images: ${F}/images, image_size: [8, 8], color_mode: grayscale, rescale: 0.00392156862745098}`,
    dense('[8, 8, 1]', 2, '    - Flatten\n'),
    '{optimizer: {Adam: {learning_rate: 0.01}}, loss: sparse_categorical_crossentropy, metrics: [accuracy]}',
  );
  assert.deepEqual(r.state.classes, ['dark', 'light']);
  const d = await loadData(
    { train: { kind: 'images', path: `${F}/images`, given: 'images', imageSize: [4, 5], colorMode: 'rgb' } },
    { encoding: 'categorical' },
  );
  assert.deepEqual(d.train.x.shape, [12, 4, 5, 3]);
  assert.deepEqual(d.train.y.shape, [12, 2]);
  // Dark images were drawn in [40, 90], light ones in [190, 240] (JPEG may stray a little).
  const x = (d.train.x as tf.Tensor).arraySync() as number[][][][];
  const mean = (img: number[][][] | undefined): number => (img ?? []).flat(2).reduce((a, b) => a + b, 0) / (4 * 5 * 3);
  assert.ok(mean(x[0]) < 110 && mean(x[11]) > 170, `means ${mean(x[0])} ${mean(x[11])}`);
});

test('text column → word ids (TextVectorization defaults) feeding an Embedding', async () => {
  assert.deepEqual(tokenize("Great film, really!  It's FUN..."), ['great', 'film', 'really', 'its', 'fun']);
  const r = await trains(
    'text',
    `  train: {csv: ${F}/reviews.csv, label: sentiment, preprocess: {review: {text: {max_len: 8, max_tokens: 20}}}}`,
    '  input_shape: [8]\n  layers:\n    - Embedding: {input_dim: 20, output_dim: 8}\n    - GlobalAveragePooling1D\n    - Dense: {units: 1, activation: sigmoid}',
    '{optimizer: {Adam: {learning_rate: 0.05}}, loss: binary_crossentropy, metrics: [accuracy]}',
  );
  const t = r.state.table?.transforms.review;
  assert.ok(t && t.kind === 'text');
  // The file has 28 distinct words; max_tokens 20 keeps the 18 most frequent (plus padding and OOV).
  assert.equal(t.vocabulary.length, 18);
  assert.equal(t.vocabulary_size, 20);
});

test('pre/post padding and truncation of text', async () => {
  const state = (padding: string, truncating: string): DataState => ({
    features: ['t'],
    encoding: 'regression',
    table: { format: 'csv', missing: 'error', transforms: { t: { kind: 'text', vocabulary: ['a', 'b', 'c'], max_len: 3, padding: padding as 'pre', truncating: truncating as 'pre', vocabulary_size: 5 } } },
  });
  const { prepareTable } = await import('../src/runtime/data/index.js');
  const rows = (s: DataState): number[] => Array.from(prepareTable('t\na b\na b c zz\n', 'x.csv', s, { labels: 'none' }).arrays.x);
  // a=2 b=3 c=4, zz is OOV (1).
  assert.deepEqual(rows(state('post', 'post')), [2, 3, 0, 2, 3, 4]);
  assert.deepEqual(rows(state('pre', 'pre')), [0, 2, 3, 3, 4, 1]);
});

test('time series windows (sequence_length, stride, sampling_rate, target offset) train a forecaster', async () => {
  const r = await trains(
    'sine',
    `  train: {csv: ${F}/sine.csv, label: value, features: [value], preprocess: {value: standardize}, timeseries: {sequence_length: 10}}\n  validation_split: 0.2`,
    '  input_shape: [10, 1]\n  layers:\n    - Flatten\n    - Dense: {units: 1}',
    '{optimizer: {Adam: {learning_rate: 0.05}}, loss: mse}',
  );
  assert.equal(r.state.table?.timeseries?.target_offset, 10);
  const d = await loadData(
    {
      train: {
        kind: 'csv',
        path: `${F}/sine.csv`,
        given: 'sine.csv',
        label: 't',
        features: ['t'],
        timeseries: { sequenceLength: 3, sequenceStride: 5, samplingRate: 2, targetOffset: 4 },
      },
    },
    { encoding: 'regression' },
  );
  // Windows start at 0, 5, 10, ... rows s, s+2, s+4; target t[s+4]; the last start is 155 (155 + 4 <= 159).
  const x = (d.train.x as tf.Tensor).arraySync() as number[][][];
  assert.deepEqual(x[1], [[5], [7], [9]]);
  assert.deepEqual(Array.from((d.train.y as tf.Tensor).dataSync()).slice(0, 2), [4, 9]);
  assert.equal(d.train.size, 32);
});

test('categorical columns (one_hot, integer_lookup), standardize, and missing: fill', async () => {
  const r = await trains(
    'fruit',
    `  train: {csv: ${F}/fruit.csv, label: kind, missing: fill, fill: {sweetness: 5}, preprocess: {color: one_hot, city: integer_lookup, '*': standardize}}\n  validation_split: 0.2`,
    dense('[6]', 3),
    SPARSE,
  );
  const t = r.state.table?.transforms ?? {};
  assert.deepEqual(t.color, { kind: 'one_hot', vocabulary: ['green', 'red', 'yellow'] });
  assert.deepEqual(t.city, { kind: 'integer_lookup', vocabulary: ['Lima', 'Oslo', 'Pune'] });
  // Statistics come from the training rows only (the first 72 of 90), after filling.
  const { readFileSync } = await import('node:fs');
  const weights = readFileSync(`${F}/fruit.csv`, 'utf8').trim().split('\n').slice(1, 73).map((l) => Number(l.split(',')[0]));
  const mean = weights.reduce((a, b) => a + b, 0) / weights.length;
  const w = t.weight;
  assert.ok(w && w.kind === 'standardize' && Math.abs(w.mean - mean) < 1e-3, `mean ${JSON.stringify(w)} vs ${mean}`);
});

test('missing: drop removes rows with missing cells; missing: error names the row and column', async () => {
  const base = { kind: 'csv' as const, path: `${F}/fruit.csv`, given: 'fruit.csv', label: 'kind', features: ['weight', 'sweetness'] };
  const d = await loadData({ train: { ...base, missing: 'drop' } }, { encoding: 'sparse' });
  assert.equal(d.train.size, 90 - 5); // rows 6, 23, 40, 57 and 74 have an empty sweetness
  await assert.rejects(() => loadData({ train: base }, { encoding: 'sparse' }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /^fruit\.csv:7:4: column "sweetness" is empty \(expected a number; set `missing: drop` or `missing: fill`/);
    return true;
  });
});

test('TSV without a header, label by position; JSON and NDJSON records; features by glob and regex', async () => {
  const tsv = await trains('tsv', `  train: {tsv: ${F}/iris-noheader.tsv, header: false, label: 4, preprocess: {'*': min_max}}`, dense('[4]', 3), SPARSE);
  assert.deepEqual(tsv.state.features, ['0', '1', '2', '3']);
  assert.equal(tsv.state.label, '4');
  const named = await loadData(
    { train: { kind: 'csv', format: 'tsv', path: `${F}/iris-noheader.tsv`, given: 't.tsv', label: 'species', header: false, columns: ['sl', 'sw', 'pl', 'pw', 'species'] } },
    { encoding: 'sparse' },
  );
  const json = await loadData({ train: { kind: 'csv', format: 'json', path: `${F}/iris.json`, given: 'iris.json', label: 'species' } }, { encoding: 'sparse' });
  const ndjson = await loadData({ train: { kind: 'csv', format: 'ndjson', path: `${F}/iris.ndjson`, given: 'iris.ndjson', label: 'species' } }, { encoding: 'sparse' });
  for (const d of [json, ndjson]) {
    assert.deepEqual((d.train.x as tf.Tensor).arraySync(), (named.train.x as tf.Tensor).arraySync());
    assert.deepEqual((d.train.y as tf.Tensor).arraySync(), (named.train.y as tf.Tensor).arraySync());
  }
  await trains('ndjson', `  train: {ndjson: ${F}/iris.ndjson, label: species}`, dense('[4]', 3), SPARSE);
  const glob = await trains('pixels', `  train: {csv: ${F}/pixels.csv, label: label, features: {pattern: "pixel*"}}`, dense('[4]', 2), SPARSE);
  assert.deepEqual(glob.state.features, ['pixel0', 'pixel1', 'pixel2', 'pixel3']);
  const re = await loadData({ train: { kind: 'csv', path: `${F}/pixels.csv`, given: 'p.csv', label: 'label', featurePattern: { regex: '^pixel[02]$' } } }, { encoding: 'sparse' });
  assert.deepEqual(re.preprocessing.features, ['pixel0', 'pixel2']);
});

test('bad binary data: truncated .npy and IDX, an image that does not decode', async () => {
  const fails = async (p: Promise<unknown>, re: RegExp): Promise<void> =>
    assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof KeratsError && e.exitCode === 2, String(e));
      assert.match(e.message, re);
      return true;
    });
  await fails(loadData({ train: { kind: 'arrays', format: 'npy', path: `${F}/truncated.npy`, given: 'truncated.npy', labelsPath: `${F}/iris-y.npy` } }, { encoding: 'sparse' }), /^truncated\.npy: not a valid \.npy file: shape \(150, 4\) needs 2400 bytes of data but only 2300 are there \(truncated\?\)/);
  await fails(loadData({ train: { kind: 'arrays', format: 'idx', path: `${F}/truncated-idx3-ubyte`, given: 'truncated-idx3-ubyte', labelsPath: `${F}/halves-labels-idx1-ubyte` } }, { encoding: 'sparse' }), /^truncated-idx3-ubyte: shape \[60, 6, 6\] needs 2160 bytes of data but only 484 are there \(truncated\?\)/);
  await fails(loadData({ train: { kind: 'images', path: `${F}/bad-images`, given: 'bad-images', imageSize: [8, 8], colorMode: 'rgb' } }, { encoding: 'sparse' }), /^bad-images\/light\/broken\.png: the image does not decode: /);
});

test('predict input is split into record chunks at record ends (quoted line breaks kept), with physical line numbers', async () => {
  const { recordChunks } = await import('../src/runtime/data/chunks.js');
  const file = path.join(tmp, 'chunks.csv');
  writeFileSync(file, '\ufeffa,b\r\n1,"x\r\ny"\r\n\r\n2,z\n3,w\n4,v');
  const chunks = [];
  for await (const c of recordChunks(file, 2)) chunks.push(c);
  assert.deepEqual(chunks, [
    [
      { text: 'a,b', line: 1 },
      { text: '1,"x\r\ny"', line: 2 },
    ],
    [
      { text: '2,z', line: 5 },
      { text: '3,w', line: 6 },
    ],
    [{ text: '4,v', line: 7 }],
  ]);
});
