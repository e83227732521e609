/**
 * `kerats predict` through the real binary: predictions match what the run reported, bad rows stop
 * with their position (exit 2) or are skipped and counted, stdin/stdout, JSON output, ids, --layer.
 * Each kind of outcome is seen once through the binary (exit code, stderr as a shell gets them); the
 * further cases of a kind go through the CLI's main in this process (the same code, no Node and
 * TensorFlow.js start-up per command).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';

const tmp = tempDir();
const F = path.join(ROOT, 'test/fixtures/data');
const irisLines = readFileSync(path.join(ROOT, 'data/iris.csv'), 'utf8').trim().split('\n');
const header = irisLines[0] ?? '';
// validation_split 0.2 holds out the last 30 of the 150 rows.
const valRows = irisLines.slice(121);

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

async function train(name: string, data: string, layers: string, loss = 'sparse_categorical_crossentropy', epochs = 40, cli: typeof kerats | typeof runMain = kerats): Promise<{ runDir: string; validation?: Record<string, number> }> {
  const cfg = write(
    `${name}.yaml`,
    `name: ${name}\nseed: 5\ndata:\n${data}\nmodel:\n  layers:\n${layers}\ncompile: {optimizer: {Adam: {learning_rate: 0.02}}, loss: ${loss}, metrics: [accuracy]}\nfit: {epochs: ${epochs}, batch_size: 16}\n`,
  );
  const r = await cli(['train', cfg, '--json', '-q', '-o', path.join(tmp, name)]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { run_dir: string; validation?: Record<string, number> };
  return { runDir: out.run_dir, ...(out.validation ? { validation: out.validation } : {}) };
}

function parseCsvOut(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n');
  const cols = (head ?? '').split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i] ?? '', v])));
}

const irisRun = train(
  'iris',
  `  train: {csv: ${path.join(ROOT, 'data/iris.csv')}, label: species, preprocess: {'*': standardize}}\n  validation_split: 0.2`,
  '    - Dense: {units: 8, activation: relu, input_shape: [4]}\n    - Dense: {units: 3, activation: softmax}',
);

test('predict on the validation rows: one row per input row, accuracy equals the run\'s validation accuracy', async () => {
  const run = await irisRun;
  const input = write('val.csv', [header, ...valRows].join('\n') + '\n');
  const out = path.join(tmp, 'pred.csv');
  const r = await kerats(['predict', run.runDir, input, '-o', out, '--id-column', 'species', '--batch-size', '7', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { rows: number; skipped: number; columns: string[]; output: string };
  // The fields the README documents for predict --json.
  assert.deepEqual(Object.keys(doc).sort(), ['columns', 'output', 'rows', 'skipped', 'skipped_reasons']);
  assert.equal(doc.rows, 30);
  assert.equal(doc.skipped, 0);
  assert.equal(doc.output, out);
  const rows = parseCsvOut(readFileSync(out, 'utf8'));
  assert.equal(rows.length, 30);
  assert.deepEqual(Object.keys(rows[0] ?? {}), ['species', 'prediction', 'prob_setosa', 'prob_versicolor', 'prob_virginica']);
  for (const row of rows) {
    const p = [row.prob_setosa, row.prob_versicolor, row.prob_virginica].map(Number);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }
  const accuracy = rows.filter((row) => row.prediction === row.species).length / rows.length;
  assert.ok(run.validation?.accuracy !== undefined);
  assert.ok(Math.abs(accuracy - run.validation.accuracy) < 1e-6, `predict accuracy ${accuracy} vs run ${run.validation.accuracy}`);
  assert.ok(accuracy > 0.8, `accuracy ${accuracy}`);
  assert.deepEqual(doc.columns, Object.keys(rows[0] ?? {}));

  // --json without -o: one JSON document on stdout with the same predictions (not CSV).
  const inline = await kerats(['predict', run.runDir, input, '--id-column', 'species', '--json']);
  assert.equal(inline.code, 0, inline.stderr);
  const all = JSON.parse(inline.stdout) as { rows: number; output: string; predictions: Record<string, unknown>[] };
  assert.equal(all.output, '-');
  assert.equal(all.rows, 30);
  assert.equal(all.predictions.length, 30);
  assert.deepEqual(all.predictions.map((p) => p.prediction), rows.map((row) => row.prediction));
  assert.deepEqual(Object.keys(all.predictions[0] ?? {}), doc.columns);
});

test('a bad row stops with file, line, column and exit 2; --skip-bad-rows skips and counts it', async () => {
  const run = await irisRun;
  const bad = [header, valRows[0], '6.1,abc,4.7,1.4,versicolor', valRows[1], '5.0,3.0', valRows[2]].join('\n') + '\n';
  const input = write('bad.csv', bad);
  const r = await kerats(['predict', run.runDir, input]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.csv:3:2: (error: )?column "sepal_width" is not a number: "abc"/);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  const skip = await runMain(['predict', run.runDir, input, '--skip-bad-rows']);
  assert.equal(skip.code, 0, skip.stderr);
  assert.equal(parseCsvOut(skip.stdout).length, 3);
  assert.match(skip.stderr, /skipped 2 bad rows/);
  assert.match(skip.stderr, /bad\.csv:5:3: (error: )?row has 2 fields but the header has 5 columns/);
});

test('reads stdin and writes stdout with -', async () => {
  const run = await irisRun;
  const child = spawn(process.execPath, [BIN, 'predict', run.runDir, '-', '-o', '-'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end([header, ...valRows.slice(0, 5)].join('\r\n'));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.equal(parseCsvOut(stdout).length, 5);
});

test('--layer writes that layer\'s activations; a missing feature column is named', async () => {
  const run = await irisRun;
  const model = JSON.parse(readFileSync(path.join(run.runDir, 'model.json'), 'utf8')) as { modelTopology: { config: { layers: { config: { name: string } }[] } } };
  const first = model.modelTopology.config.layers.map((l) => l.config.name).find((n) => !/input/i.test(n)) ?? '';
  const input = write('few.csv', [header, ...valRows.slice(0, 4)].join('\n') + '\n');
  const r = await kerats(['predict', run.runDir, input, '--layer', first, '-o', path.join(tmp, 'act.json')]);
  assert.equal(r.code, 0, r.stderr);
  const recs = JSON.parse(readFileSync(path.join(tmp, 'act.json'), 'utf8')) as Record<string, number>[];
  assert.equal(recs.length, 4);
  assert.equal(Object.keys(recs[0] ?? {}).length, 8);
  // ReLU activations are never negative.
  assert.ok(recs.every((rec) => Object.values(rec).every((v) => v >= 0)));
  const missing = write('missing.csv', 'sepal_length,sepal_width,petal_length\n1,2,3\n');
  const m = await runMain(['predict', run.runDir, missing]);
  assert.equal(m.code, 2);
  assert.match(m.stderr, /missing\.csv has no feature column "petal_width"/);
  assert.ok(!hasStackTrace(m.stderr));
});

test('categorical features: an unknown category at predict time is an error with row and column', async () => {
  const run = await train(
    'fruit',
    `  train: {csv: ${F}/fruit.csv, label: kind, features: [weight, color], preprocess: {color: one_hot, weight: standardize}}`,
    '    - Dense: {units: 3, activation: softmax, input_shape: [4]}',
    'sparse_categorical_crossentropy',
    3,
    runMain,
  );
  const input = write('fruit-new.csv', 'weight,color\n150,red\n60,purple\n');
  const r = await runMain(['predict', run.runDir, input]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /fruit-new\.csv:3:2: (error: )?column "color" has the category "purple", which the training data did not have \(known: "green", "red", "yellow"\)/);
  assert.ok(!hasStackTrace(r.stderr));
});

test('training on ragged CSV rows or a truncated .npy exits 2 with file:line:column', async () => {
  const cases: [string, RegExp][] = [
    [`  train: {csv: ${F}/ragged-short.csv, label: species}`, /ragged-short\.csv:4:5: (error: )?row has \d fields but the header has 5 columns/],
    [`  train: {npy: ${F}/truncated.npy, labels: ${F}/iris-y.npy}`, /truncated\.npy: (error: )?not a valid \.npy file: .*\(truncated\?\)/],
  ];
  for (const [i, [data, re]] of cases.entries()) {
    const cfg = write(`bad${i}.yaml`, `name: bad\ndata:\n${data}\nmodel:\n  layers:\n    - Dense: {units: 3, activation: softmax, input_shape: [4]}\ncompile: {optimizer: adam, loss: sparse_categorical_crossentropy}\n`);
    const r = await (i === 0 ? kerats : runMain)(['train', cfg, '-o', path.join(tmp, `bad${i}`)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  }
});

test('a missing input file is exit 2 naming the file, not a crash', async () => {
  const run = await irisRun;
  const r = await runMain(['predict', run.runDir, path.join(tmp, 'no-such-rows.csv')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot read the input ".*no-such-rows\.csv": no such file or folder/);
  assert.ok(!hasStackTrace(r.stderr) && !/looks like a bug/.test(r.stderr));
});
