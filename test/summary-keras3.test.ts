/**
 * `kerats summary` prints Keras 3's box table, character for character: every model under
 * test/fixtures/keras3 was built by real Keras 3 (scripts/keras-reference-models.py, Keras version
 * and source in index.json), and its NAME.summary.txt is what Keras's model.summary() printed.
 * kerats reads the same model's to_json() and must print the same text.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { modelFromKerasJson } from '../src/saving/keras-json/index.js';
import { summarize } from '../src/runtime/summary.js';
import { columnWidths, formatKeras3Summary, readableSize } from '../src/runtime/summary-keras3.js';
import { kerats, ROOT } from './helpers/cli.js';

const FIX = path.join(ROOT, 'test', 'fixtures', 'keras3');
const INDEX = JSON.parse(readFileSync(path.join(FIX, 'index.json'), 'utf8')) as Record<string, { keras_version: string; total_params: number }>;
const NAMES = readdirSync(FIX).filter((f) => f.endsWith('.summary.txt')).map((f) => f.replace(/\.summary\.txt$/, '')).sort();

before(async () => {
  await tf.setBackend('cpu');
});

test('the fixtures were printed by Keras 3, one per model', () => {
  assert.ok(NAMES.length >= 10);
  for (const n of NAMES) assert.match(INDEX[n]?.keras_version ?? '', /^3\./, n);
});

for (const name of NAMES) {
  test(`${name}: the same table Keras 3 printed`, async () => {
    const model = await modelFromKerasJson(path.join(FIX, `${name}.json`));
    const s = summarize(model, model.name);
    model.dispose();
    assert.equal(s.total_params, INDEX[name]?.total_params);
    const keras = readFileSync(path.join(FIX, `${name}.summary.txt`), 'utf8').trimEnd();
    assert.equal(formatKeras3Summary(s).trimEnd(), keras);
  });
}

test('column widths on a narrow terminal are the ones Keras printed at 80 columns (76 wide)', () => {
  // Keras 3 at COLUMNS=80 printed the functional table with rules of 21, 19, 12 and 19 characters.
  assert.deepEqual(columnWidths(76, [0.3, 0.56, 0.74, 1.0]), [21, 19, 12, 19]);
  assert.deepEqual(columnWidths(108, [0.3, 0.56, 0.74, 1.0]), [31, 27, 17, 28]);
});

test('sizes as Keras writes them', () => {
  assert.equal(readableSize(93_130 * 4), '363.79 KB');
  assert.equal(readableSize(0), '0.00 B');
  assert.equal(readableSize(1_392_097 * 4), '5.31 MB');
  // Python's "%.2f": an exact tie goes to the even neighbour (Keras prints 98.12 KB for 25,120 params).
  assert.equal(readableSize(25_120 * 4), '98.12 KB');
  assert.equal(readableSize(4_640 * 4), '18.12 KB');
  assert.equal(readableSize(2_920 * 4), '11.41 KB');
});

test('kerats summary: the box table by default, Keras 2 with --format keras2, --json unchanged, a bad --format exits 2', async () => {
  const file = path.join(FIX, 'timeseries-transformer.json');
  const box = await kerats(['summary', file]);
  assert.equal(box.code, 0, box.stderr);
  assert.equal(box.stdout.trimEnd(), readFileSync(path.join(FIX, 'timeseries-transformer.summary.txt'), 'utf8').trimEnd());
  const k2 = await kerats(['summary', file, '--format', 'keras2']);
  assert.match(k2.stdout, /^Total params: 93,130$/m);
  assert.match(k2.stdout, /Connected to/);
  const json = await kerats(['summary', file, '--json']);
  const s = JSON.parse(json.stdout) as { total_params: number; layers: { connected_to?: string[] }[] };
  assert.equal(s.total_params, 93_130);
  assert.deepEqual(s.layers[0]?.connected_to, []);
  const bad = await kerats(['summary', file, '--format', 'keras4']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format must be keras3 or keras2, got "keras4"/);
});
