/** The data layer: CSV and synthetic sources to tensors, as the trainer and predict/evaluate see them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { CsvSource, DataSpec, SyntheticSource } from '../src/config/types.js';
import { applyPreprocessing, loadData } from '../src/runtime/data/index.js';
import { parseCsv } from '../src/runtime/data/csv.js';
import type { TensorMap } from '../src/runtime/data/types.js';
import { DataError, ExitCode, KeratsError } from '../src/util/errors.js';

await tf.setBackend('cpu');

// Tests run from dist/test/; the fixtures and data stay in the source tree.
const root = fileURLToPath(new URL('../../', import.meta.url));
const IRIS = `${root}data/iris.csv`;
const fixture = (name: string): string => `${root}test/fixtures/data/${name}`;
const configLoc = { file: 'configs/iris.yaml', line: 7, col: 5 };

function csv(given: string, path: string, label: string, extra: Partial<CsvSource> = {}): CsvSource {
  return { kind: 'csv', path, given, label, loc: configLoc, ...extra };
}
const iris = (extra: Partial<CsvSource> = {}): CsvSource => csv('data/iris.csv', IRIS, 'species', extra);
const fx = (name: string, label = 'species', extra: Partial<CsvSource> = {}): CsvSource =>
  csv(`data/${name}`, fixture(name), label, extra);

/** The iris file read naively (it has no quotes): an independent oracle for the parser. */
const irisRows = readFileSync(IRIS, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','));
const irisX = irisRows.map((r) => r.slice(0, 4).map(Number));
const irisLabels = irisRows.map((r) => r[4] ?? '');

/** The single tensor of a single-input / single-output example set. */
const one = (t: tf.Tensor | TensorMap): tf.Tensor => {
  assert.ok(t instanceof tf.Tensor, 'expected a tensor, not a map');
  return t;
};
const values = (t: tf.Tensor | TensorMap): number[] => Array.from(one(t).dataSync());
const rows2d = (t: tf.Tensor | TensorMap): number[][] => one(t).arraySync() as number[][];
/** float32 rounding of a JS number, to compare with tensor values. */
const f32 = (v: number): number => Math.fround(v);

/** Runs `fn`, expects a DataError with exactly `message` (the formatted one, locations included). */
async function rejectsWith(fn: () => Promise<unknown>, message: string | RegExp): Promise<KeratsError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DataError, `expected a DataError, got ${String(caught)}`);
  assert.equal(caught.exitCode, ExitCode.usage);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  return caught;
}

test('iris loads to x [150, 4] with sparse class ids in sorted class order', async () => {
  const d = await loadData({ train: iris() }, { encoding: 'sparse' });
  assert.deepEqual(d.train.x.shape, [150, 4]);
  assert.equal(d.train.x.dtype, 'float32');
  assert.deepEqual(d.train.y.shape, [150]);
  assert.equal(d.train.size, 150);
  assert.deepEqual(d.preprocessing.classes, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(d.preprocessing.features, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  assert.equal(d.preprocessing.label, 'species');
  assert.equal(d.numClasses, 3);
  assert.deepEqual(rows2d(d.train.x), irisX.map((r) => r.map(f32)));
  assert.deepEqual(values(d.train.y), irisLabels.map((l) => ['setosa', 'versicolor', 'virginica'].indexOf(l)));
  // The loss registry's sparse loss must accept this target shape against [n, 3] predictions.
  const { losses } = await import('../src/registry/losses.js');
  const probs = tf.fill([150, 3], 1 / 3);
  const loss = losses.get('sparse_categorical_crossentropy').compute(one(d.train.y), probs);
  assert.deepEqual(loss.shape, [150]);
  assert.ok(Math.abs((loss.dataSync()[0] ?? 0) - Math.log(3)) < 1e-5);
});

test('categorical encoding is one-hot [n, classes]; binary is [n, 1]', async () => {
  const d = await loadData({ train: iris() }, { encoding: 'categorical' });
  assert.deepEqual(d.train.y.shape, [150, 3]);
  const y = rows2d(d.train.y);
  y.forEach((row, i) => {
    const expected = [0, 0, 0];
    expected[['setosa', 'versicolor', 'virginica'].indexOf(irisLabels[i] ?? '')] = 1;
    assert.deepEqual(row, expected);
  });
  const b = await loadData({ train: fx('numeric-labels.csv', 'label') }, { encoding: 'binary' }).catch((e: unknown) => e);
  // Numeric label 2 is not a binary label: reported at its cell (line 3, column 3).
  assert.ok(b instanceof DataError);
  assert.match(b.message, /^data\/numeric-labels\.csv:3:3: label column "label" has "2"; a binary loss needs labels 0 or 1/);
});

test('binary encoding of two string classes gives [n, 1] of 0/1; three classes is an error at the third', async () => {
  const text = 'f,label\n1,yes\n2,no\n3,yes\n';
  const state = { features: ['f'], label: 'label', classes: ['no', 'yes'], numClasses: 2, encoding: 'binary' as const };
  const p = applyPreprocessing(text, 'in.csv', state, { labels: 'required' });
  assert.deepEqual(p.y?.shape, [3, 1]);
  assert.deepEqual(values(p.y ?? tf.scalar(0)), [1, 0, 1]);
  // Iris has 3 species; the first record with the third distinct one is the culprit.
  const seen = new Set<string>();
  const third = irisLabels.findIndex((l) => (seen.add(l), seen.size > 2));
  await rejectsWith(
    () => loadData({ train: iris() }, { encoding: 'binary' }),
    new RegExp(`^data/iris\\.csv:${third + 2}:5: a binary loss needs 2 classes, but label column "species" has 3: "setosa", "versicolor", "virginica"`),
  );
});

test('regression keeps numeric label values as [n, 1]; listed features come in the listed order', async () => {
  const features = ['petal_length', 'sepal_length'];
  const d = await loadData({ train: iris({ label: 'petal_width', features }) }, { encoding: 'regression' });
  assert.deepEqual(d.train.x.shape, [150, 2]);
  assert.deepEqual(d.train.y.shape, [150, 1]);
  assert.deepEqual(values(d.train.y), irisX.map((r) => f32(r[3] ?? NaN)));
  assert.deepEqual(rows2d(d.train.x), irisX.map((r) => [f32(r[2] ?? NaN), f32(r[0] ?? NaN)]));
  assert.deepEqual(d.preprocessing.features, features);
  assert.equal(d.preprocessing.classes, undefined);
  assert.equal(d.numClasses, undefined);
  // A string label column cannot be a regression target.
  await rejectsWith(
    () => loadData({ train: iris() }, { encoding: 'regression' }),
    `data/iris.csv:2:5: label column "species" is not a number: "${irisLabels[0]}" (a regression loss needs numeric targets)`,
  );
});

test('numeric class labels are class ids; the class count is the largest id + 1', async () => {
  const d = await loadData({ train: fx('numeric-labels.csv', 'label') }, { encoding: 'categorical' });
  assert.equal(d.numClasses, 3);
  assert.equal(d.preprocessing.classes, undefined);
  assert.deepEqual(rows2d(d.train.y), [
    [1, 0, 0],
    [0, 0, 1],
    [0, 1, 0],
    [0, 0, 1],
  ]);
});

test('validation_split takes the last rows of the file, Keras style (split_at = floor(n * (1 - split)))', async () => {
  const d = await loadData({ train: iris(), validationSplit: 0.2 }, { encoding: 'sparse' });
  assert.deepEqual(d.train.x.shape, [120, 4]);
  assert.deepEqual(d.validation?.x.shape, [30, 4]);
  assert.deepEqual(rows2d(d.validation?.x ?? tf.scalar(0)), irisX.slice(120).map((r) => r.map(f32)));
  assert.deepEqual(rows2d(d.train.x), irisX.slice(0, 120).map((r) => r.map(f32)));
  // The vocabulary comes from the whole training file, so ids mean the same on both sides.
  const classes = d.preprocessing.classes ?? [];
  assert.deepEqual(values(d.validation?.y ?? tf.scalar(0)), irisLabels.slice(120).map((l) => classes.indexOf(l)));
  // 150 * 0.67 = 100.5: floor, not round.
  const e = await loadData({ train: iris(), validationSplit: 0.33 }, { encoding: 'sparse' });
  assert.equal(e.train.size, 100);
  assert.equal(e.validation?.size, 50);
  // 6 * (1 - 0.9) = 0.6 (floating point: 0.5999...), so the training side would be empty: Keras's error.
  await rejectsWith(
    () => loadData({ train: fx('small.csv'), validationSplit: 0.9 }, { encoding: 'sparse' }),
    /^configs\/iris\.yaml:7:5: the training data has 6 samples, which is not sufficient to split it into a validation and training set as specified by validation_split=0\.9/,
  );
});

test('a validation source is encoded with the training features and classes; giving both is an error', async () => {
  const d = await loadData({ train: fx('small.csv'), validation: fx('val-reordered.csv'), test: fx('val-reordered.csv') }, { encoding: 'sparse' });
  // Columns reordered and an extra column in the file: x still follows the training feature order.
  const expectedX = [
    [5.1, 3.5, 1.4, 0.2],
    [6.3, 3.3, 6.0, 2.5],
    [7.0, 3.2, 4.7, 1.4],
  ].map((r) => r.map(f32));
  assert.deepEqual(rows2d(d.validation?.x ?? tf.scalar(0)), expectedX);
  assert.deepEqual(values(d.validation?.y ?? tf.scalar(0)), [0, 2, 1]);
  assert.deepEqual(rows2d(d.test?.x ?? tf.scalar(0)), expectedX);
  assert.deepEqual(values(d.test?.y ?? tf.scalar(0)), [0, 2, 1]);
  await rejectsWith(
    () => loadData({ train: fx('small.csv'), validation: fx('val-unseen.csv') }, { encoding: 'sparse' }),
    'data/val-unseen.csv:4:1: label "versicolour" in column "species" is not one of the classes of the training data ' +
      '("setosa", "versicolor", "virginica"); did you mean "versicolor"?',
  );
  const both: DataSpec = { train: fx('small.csv'), validation: fx('val-reordered.csv'), validationSplit: 0.2 };
  await assert.rejects(() => loadData(both, { encoding: 'sparse' }), (e: unknown) => {
    assert.ok(e instanceof KeratsError && e.exitCode === ExitCode.usage);
    assert.match(e.message, /either validation_split or a validation data source, not both/);
    return true;
  });
});

test('x is reshaped to the input shape; a size mismatch names input_shape and the feature count', async () => {
  const d = await loadData({ train: iris() }, { encoding: 'sparse', inputShape: [2, 2] });
  assert.deepEqual(d.train.x.shape, [150, 2, 2]);
  assert.deepEqual(values(d.train.x).slice(0, 4), (irisX[0] ?? []).map(f32));
  await rejectsWith(
    () => loadData({ train: iris() }, { encoding: 'sparse', inputShape: [3] }),
    'configs/iris.yaml:7:5: the model\'s input_shape [3] needs 3 values per sample, but data/iris.csv has 4 feature columns ' +
      '(fix input_shape or the data\'s columns)',
  );
});

test('RFC 4180: quoted fields with commas, doubled quotes and line breaks', async () => {
  const d = await loadData({ train: fx('quoted.csv', 'kind') }, { encoding: 'sparse' });
  assert.deepEqual(d.preprocessing.features, ['id', 'length, cm', 'width']);
  assert.deepEqual(d.preprocessing.classes, ['has, comma', 'multi\nline', 'plain', 'say "hi"']);
  assert.deepEqual(rows2d(d.train.x), [
    [1, 5.5, 2.5],
    [2, 6, 3],
    [3, 7.25, 1],
    [4, 10, -2],
  ]);
  assert.deepEqual(values(d.train.y), [2, 0, 1, 3]);
});

test('RFC 4180: CRLF line ends, a BOM, no trailing newline and blank lines all parse the same', () => {
  const plan = (h: string[]): { features: number[]; label: number } => ({ features: [0, 1], label: h.indexOf('c') });
  const expected = { header: ['a', 'b', 'c'], x: [1, 2, 3, 4], labels: ['x', 'y,z'] };
  for (const text of [
    'a,b,c\n1,2,x\n3,4,"y,z"\n',
    '\ufeffa,b,c\r\n1,2,x\r\n3,4,"y,z"\r\n',
    'a,b,c\r\n1,2,x\r\n3,4,"y,z"',
    'a,b,c\n\n1,2,x\n\n3,4,"y,z"\n\n',
  ]) {
    const c = parseCsv(text, 't.csv', plan);
    assert.deepEqual({ header: c.header, x: Array.from(c.x), labels: c.labels }, expected, JSON.stringify(text));
  }
  // Line numbers stay physical lines: a quoted line break moves the next record down.
  const c = parseCsv('a,b,c\n1,2,"two\r\nlines"\n3,4,x\n', 't.csv', plan);
  assert.deepEqual(Array.from(c.lines), [2, 4]);
  assert.deepEqual(c.labels, ['two\r\nlines', 'x']);
  assert.throws(() => parseCsv('a,b,c\n1,2,"two\nlines"\n3,oops,x\n', 't.csv', plan), { message: /^t\.csv:4:2: column "b" is not a number: "oops" \(for a column of categories declare `preprocess: \{b: one_hot\}`/ });
});

test('numeric cells parse to the same float32 as Number() (fast path and fallbacks)', () => {
  const cells = ['0', '-0.5', '+3', '1.', '.25', '007', '6.02e23', '1.5E-3', '-2e+2', ' 4.5 ', '123456789012345678', '0.1', '3.4028235e38'];
  // A deterministic spread of decimals with up to 17 digits and exponents.
  let s = 12345;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 2000; i++) {
    const digits = String(next()) + String(next());
    const cut = next() % digits.length;
    const exp = next() % 3 === 0 ? `e${(next() % 60) - 30}` : '';
    cells.push(`${next() % 2 ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}${exp}`);
  }
  const text = `v,label\n${cells.map((c) => `${c},a`).join('\n')}\n`;
  const parsed = parseCsv(text, 't.csv', () => ({ features: [0], label: 1 }));
  assert.deepEqual(Array.from(parsed.x), cells.map((c) => Math.fround(Number(c))));
  assert.throws(() => parseCsv('v,l\n1e400,a\n', 't.csv', () => ({ features: [0], label: 1 })), {
    message: 't.csv:2:1: column "v" is not a finite number: "1e400"',
  });
  assert.throws(() => parseCsv('v,l\n1,a\n   ,b\n', 't.csv', () => ({ features: [0], label: 1 })), {
    message: /^t\.csv:3:1: column "v" is empty \(expected a number; set `missing: drop` or `missing: fill`/,
  });
});

test('cell errors give file:line:column and the column name', async () => {
  await rejectsWith(() => loadData({ train: fx('bad-cell.csv') }, { encoding: 'sparse' }), /^data\/bad-cell\.csv:5:2: column "sepal_width" is not a number: "abc"/);
  await rejectsWith(() => loadData({ train: fx('empty-cell.csv') }, { encoding: 'sparse' }), /^data\/empty-cell\.csv:6:3: column "petal_length" is empty \(expected a number/);
  await rejectsWith(
    () => loadData({ train: fx('ragged-short.csv') }, { encoding: 'sparse' }),
    'data/ragged-short.csv:4:5: row has 4 fields but the header has 5 columns (column "species" is missing)',
  );
  await rejectsWith(() => loadData({ train: fx('ragged-long.csv') }, { encoding: 'sparse' }), "data/ragged-long.csv:3:6: row has more fields than the header's 5 columns");
  await rejectsWith(() => loadData({ train: fx('unclosed.csv', 'label') }, { encoding: 'sparse' }), 'data/unclosed.csv:3:2: quoted field is never closed (a `"` is missing)');
  await rejectsWith(
    () => loadData({ train: fx('small.csv') }, { encoding: 'sparse' }).then(() =>
      applyPreprocessing('sepal_length,sepal_width,petal_length,petal_width\n1,2,3,NaN\n', 'new.csv', {
        features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
        encoding: 'sparse',
      }),
    ),
    /^new\.csv:2:4: column "petal_width" is missing \("NaN"\) \(expected a number; set `missing: drop`/,
  );
});

test('file-level errors: missing label column (config location + did-you-mean), missing file, empty files', async () => {
  const e = await rejectsWith(
    () => loadData({ train: iris({ label: 'Species ' }) }, { encoding: 'sparse' }),
    'configs/iris.yaml:7:5: data/iris.csv has no label column "Species " (its columns are "sepal_length", "sepal_width", ' +
      '"petal_length", "petal_width", "species"); did you mean "species"?',
  );
  assert.deepEqual(e.problems[0]?.loc, configLoc);
  await rejectsWith(
    () => loadData({ train: iris({ features: ['sepal_length', 'petal_lenght'] }) }, { encoding: 'sparse' }),
    /^configs\/iris\.yaml:7:5: data\/iris\.csv has no feature column "petal_lenght" .*; did you mean one of "petal_length", "sepal_length"\?$/,
  );
  await rejectsWith(
    () => loadData({ train: csv('data/nope.csv', `${root}data/nope.csv`, 'species') }, { encoding: 'sparse' }),
    `configs/iris.yaml:7:5: data/nope.csv: file not found (looked for ${root}data/nope.csv)`,
  );
  await rejectsWith(() => loadData({ train: fx('empty.csv') }, { encoding: 'sparse' }), 'data/empty.csv:1:1: the file is empty (expected a header line with column names)');
  await rejectsWith(() => loadData({ train: fx('header-only.csv', 'label') }, { encoding: 'sparse' }), 'data/header-only.csv:1:1: the file has a header but no data rows');
});

test('applyPreprocessing: a new CSV in another column order gets the training feature order and class ids', async () => {
  const d = await loadData({ train: iris() }, { encoding: 'categorical' });
  const state = JSON.parse(JSON.stringify(d.preprocessing)) as typeof d.preprocessing; // as saved to preprocessing.json
  const text = 'petal_width,sepal_length,petal_length,sepal_width\n0.2,5.1,1.4,3.5\n2.5,6.3,6.0,3.3\n';
  const p = applyPreprocessing(text, 'new.csv', state, { inputShape: [4] });
  assert.equal(p.y, undefined);
  assert.deepEqual(rows2d(p.x), [
    [5.1, 3.5, 1.4, 0.2],
    [6.3, 3.3, 6.0, 2.5],
  ].map((r) => r.map(f32)));
  const labelled = 'species,petal_width,sepal_length,petal_length,sepal_width\nvirginica,0.2,5.1,1.4,3.5\nsetosa,2.5,6.3,6.0,3.3\n';
  const withLabels = applyPreprocessing(labelled, 'new.csv', state, { labels: 'required' });
  assert.deepEqual(withLabels.labels, ['virginica', 'setosa']);
  assert.deepEqual(rows2d(withLabels.y ?? tf.scalar(0)), [
    [0, 0, 1],
    [1, 0, 0],
  ]);
  assert.throws(() => applyPreprocessing(text, 'new.csv', state, { labels: 'required' }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /^new\.csv has no label column "species"/);
    return true;
  });
});

const synth = (extra: Partial<SyntheticSource> = {}): SyntheticSource => ({ kind: 'synthetic', samples: 300, xShape: [4], classes: 3, ...extra });

test('synthetic data is deterministic for a seed, differs across seeds, and has balanced classes', async () => {
  const a = await loadData({ train: synth({ seed: 7 }) }, { encoding: 'sparse' });
  const b = await loadData({ train: synth({ seed: 7 }) }, { encoding: 'sparse' });
  const c = await loadData({ train: synth({ seed: 8 }) }, { encoding: 'sparse' });
  const fromConfig = await loadData({ train: synth() }, { encoding: 'sparse', seed: 7 });
  assert.deepEqual(values(a.train.x), values(b.train.x));
  assert.deepEqual(values(a.train.y), values(b.train.y));
  assert.deepEqual(values(a.train.x), values(fromConfig.train.x));
  assert.notDeepEqual(values(a.train.x), values(c.train.x));
  assert.deepEqual(a.train.x.shape, [300, 4]);
  assert.deepEqual(a.train.y.shape, [300]);
  assert.equal(a.numClasses, 3);
  const counts = [0, 0, 0];
  for (const id of values(a.train.y)) counts[id] = (counts[id] ?? 0) + 1;
  assert.deepEqual(counts, [100, 100, 100]);
  // Classes are not in blocks: the first 30 samples hold more than one class.
  assert.ok(new Set(values(a.train.y).slice(0, 30)).size > 1);
});

test('synthetic classes are separable: nearest training centroid classifies validation data', async () => {
  const d = await loadData(
    { train: synth({ samples: 600, xShape: [2, 3], classes: 5, seed: 3 }), validation: synth({ samples: 200, xShape: [2, 3], classes: 5 }) },
    { encoding: 'categorical', inputShape: [6] },
  );
  assert.deepEqual(d.train.x.shape, [600, 6]);
  assert.deepEqual(d.train.y.shape, [600, 5]);
  const x = rows2d(d.train.x);
  const ids = rows2d(d.train.y).map((r) => r.indexOf(1));
  const centroids = Array.from({ length: 5 }, (_, k) => {
    const members = x.filter((_, i) => ids[i] === k);
    return [0, 1, 2, 3, 4, 5].map((j) => members.reduce((s, r) => s + (r[j] ?? 0), 0) / members.length);
  });
  const vx = rows2d(d.validation?.x ?? tf.scalar(0));
  const vids = rows2d(d.validation?.y ?? tf.scalar(0)).map((r) => r.indexOf(1));
  const dist = (p: number[], q: number[]): number => p.reduce((s, v, j) => s + (v - (q[j] ?? 0)) ** 2, 0);
  const correct = vx.filter((r, i) => {
    const scores = centroids.map((c) => dist(r, c));
    return scores.indexOf(Math.min(...scores)) === vids[i];
  }).length;
  assert.ok(correct / vx.length > 0.95, `nearest-centroid accuracy ${correct / vx.length}`);
  // Validation is the same task but other samples.
  assert.notDeepEqual(vx[0], x[0]);
});

test('synthetic regression: y [n, ...y_shape] is a linear function of x plus small noise', async () => {
  const d = await loadData({ train: { kind: 'synthetic', samples: 400, xShape: [3], yShape: [2], seed: 1 } }, { encoding: 'regression' });
  assert.deepEqual(d.train.x.shape, [400, 3]);
  assert.deepEqual(d.train.y.shape, [400, 2]);
  // Least squares with a bias on the first output leaves a residual near the noise level (0.05).
  const X = tf.concat([one(d.train.x), tf.ones([400, 1])], 1);
  const y0 = tf.slice(one(d.train.y), [0, 0], [400, 1]);
  const w = tf.matMul(inv(tf.matMul(X, X, true, false)), tf.matMul(X, y0, true, false));
  const residual = tf.sub(tf.matMul(X, w), y0);
  const rms = Math.sqrt(tf.mean(tf.square(residual)).dataSync()[0] ?? NaN);
  const yStd = Math.sqrt(tf.moments(y0).variance.dataSync()[0] ?? NaN);
  assert.ok(rms < 0.08, `residual rms ${rms}`);
  assert.ok(yStd > 0.5, `y std ${yStd}`);
  await rejectsWith(() => loadData({ train: synth({ classes: undefined }) }, { encoding: 'sparse' }), /synthetic data for a classification loss needs `classes`/);
});

/** Inverse of a small symmetric positive-definite matrix (Gauss-Jordan on plain arrays). */
function inv(m: tf.Tensor): tf.Tensor {
  const a = m.arraySync() as number[][];
  const n = a.length;
  const aug = a.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = aug[c] ?? [];
    const pv = p[c] ?? 1;
    for (let j = 0; j < 2 * n; j++) p[j] = (p[j] ?? 0) / pv;
    aug.forEach((r, i) => {
      if (i === c) return;
      const f = r[c] ?? 0;
      for (let j = 0; j < 2 * n; j++) r[j] = (r[j] ?? 0) - f * (p[j] ?? 0);
    });
  }
  return tf.tensor(aug.map((r) => r.slice(n)));
}
