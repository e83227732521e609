/**
 * Built-in datasets: the file parsers (npz/npy, pickles, tar, IDX) and the Keras load_data logic
 * (shuffle with RandomState(113), num_words / skip_top / maxlen, test_split), checked against
 * values computed with NumPy by Keras's own algorithm (test/fixtures/datasets/make_fixtures.py).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { findDataset, type DatasetData } from '../src/runtime/data/datasets/index.js';
import { Mt19937, numpyShuffledIndices } from '../src/runtime/data/datasets/numpy-random.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

const FIX = path.join(ROOT, 'test', 'fixtures', 'datasets');
const fix = (name: string): string => path.join(FIX, name);

interface Split {
  x_train: number[][];
  y_train: number[];
  x_test: number[][];
  y_test: number[];
}
const expected = JSON.parse(readFileSync(fix('expected.json'), 'utf8')) as {
  imdb_default: Split;
  imdb_opts: Split;
  boston: Split;
  cifar: Record<string, { data: number[][]; labels: number[] }>;
};

async function load(name: string, file: string, opts: Record<string, number> = {}): Promise<DatasetData> {
  const def = findDataset(name);
  assert.ok(def, name);
  return def.load({ [file]: fix(file) }, opts);
}

/** Rows of a split as arrays, for comparing with the NumPy results. */
function rowsOf(x: Float32Array, n: number): number[][] {
  const per = x.length / n;
  return Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * per, (i + 1) * per)));
}

/** Keras's pad_sequences(padding='pre') of the expected sequences. */
function padPre(seqs: number[][], len: number): number[][] {
  return seqs.map((s) => [...new Array<number>(Math.max(0, len - s.length)).fill(0), ...s.slice(-len)]);
}

test('RandomState(113).shuffle order matches NumPy (MT19937 + masked rejection)', () => {
  // python3 -c "import numpy as np; r=np.random.RandomState(113); a=np.arange(10); r.shuffle(a); print(a)"
  const rng = new Mt19937(113);
  assert.deepEqual(Array.from(numpyShuffledIndices(10, rng)), [9, 3, 6, 1, 0, 7, 4, 8, 2, 5]);
  assert.deepEqual(Array.from(numpyShuffledIndices(7, rng)), [5, 1, 0, 3, 6, 4, 2]);
});

test('mnist.npz: x (n, 28, 28) as float pixels, y class ids', async () => {
  const d = await load('mnist', 'mnist.npz');
  assert.equal(d.train.n, 5);
  assert.equal(d.test.n, 3);
  assert.deepEqual(d.train.xShape, [28, 28]);
  assert.deepEqual(Array.from(d.train.y), [0, 9, 3, 3, 7]);
  assert.deepEqual(Array.from(d.test.y), [1, 2, 8]);
  assert.equal(d.numClasses, 10);
  assert.ok(d.train.x.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
});

test('imdb: same sequences and labels as keras.datasets.imdb.load_data() (defaults)', async () => {
  const d = await load('imdb', 'imdb.npz');
  const e = expected.imdb_default;
  const len = Math.max(...e.x_train.map((s) => s.length), ...e.x_test.map((s) => s.length));
  assert.deepEqual(d.train.xShape, [len]);
  assert.deepEqual(rowsOf(d.train.x, d.train.n), padPre(e.x_train, len));
  assert.deepEqual(Array.from(d.train.y), e.y_train);
  assert.deepEqual(rowsOf(d.test.x, d.test.n), padPre(e.x_test, len));
  assert.deepEqual(Array.from(d.test.y), e.y_test);
});

test('imdb: num_words, skip_top and maxlen as Keras (long reviews dropped, rare words -> oov 2)', async () => {
  const d = await load('imdb', 'imdb.npz', { num_words: 20, skip_top: 2, maxlen: 10 });
  const e = expected.imdb_opts;
  assert.equal(d.train.n, e.y_train.length);
  assert.ok(d.train.n < 12, 'some training reviews were dropped by maxlen');
  assert.deepEqual(d.train.xShape, [10]);
  assert.deepEqual(rowsOf(d.train.x, d.train.n), padPre(e.x_train, 10));
  assert.deepEqual(Array.from(d.train.y), e.y_train);
  assert.deepEqual(rowsOf(d.test.x, d.test.n), padPre(e.x_test, 10));
  assert.ok(d.train.x.every((w) => w < 20));
});

test('boston_housing: the 80/20 split of RandomState(113), 13 features, regression targets', async () => {
  const d = await load('boston_housing', 'boston_housing.npz');
  const e = expected.boston;
  assert.deepEqual(d.train.xShape, [13]);
  assert.deepEqual(d.train.yShape, [1]);
  assert.equal(d.numClasses, undefined);
  assert.equal(d.train.n, 16);
  const close = (a: number[][], b: number[][]): void =>
    a.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (b[i]?.[j] ?? NaN)) < 1e-3, `${i},${j}`)));
  close(rowsOf(d.train.x, d.train.n), e.x_train);
  close(rowsOf(d.test.x, d.test.n), e.x_test);
  close([Array.from(d.train.y)], [e.y_train]);
});

test('cifar10: pickled batches from the tar.gz, channels_last like Keras', async () => {
  const d = await load('cifar10', 'cifar-10-python.tar.gz');
  assert.deepEqual(d.train.xShape, [32, 32, 3]);
  assert.equal(d.train.n, 10);
  assert.equal(d.test.n, 2);
  const batches = [1, 2, 3, 4, 5].map((i) => expected.cifar[`data_batch_${i}`]);
  assert.deepEqual(rowsOf(d.train.x, d.train.n), batches.flatMap((b) => b?.data ?? []));
  assert.deepEqual(Array.from(d.train.y), batches.flatMap((b) => b?.labels ?? []));
  assert.deepEqual(rowsOf(d.test.x, d.test.n), expected.cifar.test_batch?.data);
});

test('a damaged npz is a clear error, not a crash', async () => {
  const dir = tempDir();
  const bad = path.join(dir, 'mnist.npz');
  writeFileSync(bad, 'not a zip at all');
  const def = findDataset('mnist');
  await assert.rejects(def?.load({ 'mnist.npz': bad }, {}) ?? Promise.reject(new Error('no mnist')), /not a valid \.npz \(zip\) file: .*; delete it so kerats can fetch it again/);
});

test('CLI: an unknown dataset name is exit 2 with the list of datasets', async () => {
  const dir = tempDir();
  const cfg = path.join(dir, 'c.yaml');
  writeFileSync(
    cfg,
    'data: {dataset: fashion_mnsit}\nmodel: {input_shape: [28, 28], layers: [Flatten, {Dense: {units: 10}}]}\ncompile: {optimizer: adam, loss: sparse_categorical_crossentropy}\n',
  );
  const r = await kerats(['train', cfg, '--out', path.join(dir, 'run')], { env: { KERATS_HOME: dir } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /fashion_mnsit/);
  assert.match(r.stderr, /fashion_mnist/);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
});

test('CLI: an option the dataset does not take is exit 2 naming the options it does take', async () => {
  const dir = tempDir();
  const cfg = path.join(dir, 'c.yaml');
  writeFileSync(
    cfg,
    'data: {dataset: {name: boston_housing, maxlen: 5}}\nmodel: {input_shape: [13], layers: [{Dense: {units: 1}}]}\ncompile: {optimizer: adam, loss: mse}\n',
  );
  const r = await kerats(['train', cfg, '--out', path.join(dir, 'run')], { env: { KERATS_HOME: dir, KERATS_DATASETS_MIRROR: 'http://127.0.0.1:9' } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /dataset "boston_housing" has no option "maxlen"; it accepts test_split, seed/);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
});
