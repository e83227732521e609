/**
 * The command line end to end, through the real binary: what a user types and what a CI job parses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { kerats, hasStackTrace, tempDir, ROOT } from './helpers/cli.js';
import { loadModel } from '../src/saving/model-io.js';

const IRIS = path.join(ROOT, 'configs', 'iris.yaml');

test('train configs/iris.yaml --json: parsable result, validation accuracy >= 0.9, loadable model that reproduces the metrics', async () => {
  const runs = tempDir();
  const r = await kerats(['train', IRIS, '--json', '--runs', runs]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    run_dir: string; backend: string; epochs_completed: number;
    history: Record<string, number[]>; final: Record<string, number>; validation: Record<string, number>;
  };
  assert.equal(out.backend, 'wasm');
  assert.ok(out.epochs_completed >= 1 && out.epochs_completed <= 60);
  assert.equal(out.history.loss?.length, out.epochs_completed);
  assert.equal(out.history.val_accuracy?.length, out.epochs_completed);
  assert.ok((out.history.loss?.[out.epochs_completed - 1] ?? Infinity) < (out.history.loss?.[0] ?? 0), 'loss went down');
  assert.ok(out.validation.accuracy !== undefined && out.validation.accuracy >= 0.9, `val accuracy ${out.validation.accuracy}`);
  assert.ok(out.run_dir.startsWith(path.join(runs, 'iris')));
  for (const f of ['model.json', 'weights.bin', 'config.json', 'history.json', 'metrics.json', 'summary.txt', 'preprocessing.json', 'manifest.json']) {
    assert.ok(existsSync(path.join(out.run_dir, f)), `${f} written`);
  }
  assert.deepEqual(readdirSync(path.join(runs, 'iris')).filter((n) => n.includes('partial')), [], 'no partial folder left');
  const manifest = JSON.parse(readFileSync(path.join(out.run_dir, 'manifest.json'), 'utf8')) as { backend: string; seed: number };
  assert.equal(manifest.backend, 'wasm');
  assert.equal(manifest.seed, 7);

  // The saved model, loaded with tf.loadLayersModel, classifies the validation rows (the last 20% of
  // the CSV, as Keras's validation_split takes them) exactly as accurately as the run reported.
  await tf.setBackend('cpu');
  const model = await loadModel(path.join(out.run_dir, 'model.json'));
  const pre = JSON.parse(readFileSync(path.join(out.run_dir, 'preprocessing.json'), 'utf8')) as { classes: string[]; features: string[] };
  assert.deepEqual(pre.classes, ['setosa', 'versicolor', 'virginica']);
  const rows = readFileSync(path.join(ROOT, 'data', 'iris.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const val = rows.slice(Math.floor(rows.length * 0.8));
  const x = tf.tensor2d(val.map((r) => r.slice(0, 4).map(Number)));
  const predicted = (model.predict(x) as tf.Tensor).argMax(-1).arraySync() as number[];
  const correct = predicted.filter((p, i) => pre.classes[p] === val[i]?.[4]).length;
  assert.ok(Math.abs(correct / val.length - out.validation.accuracy) < 1e-6, `${correct}/${val.length} vs ${out.validation.accuracy}`);
});

test('train with stdout and stderr redirected logs one plain line per epoch, without escape codes', async () => {
  const runs = tempDir();
  // Three epochs are as many lines to check as sixty (the test above trains the whole config).
  const r = await kerats(['train', IRIS, '--set', 'fit.epochs=3', '--runs', runs]);
  assert.equal(r.code, 0, r.stderr);
  const all = r.stdout + r.stderr;
  assert.ok(!all.includes('\x1b'), 'no ANSI escape codes');
  const epochLines = r.stdout.split('\n').filter((l) => /^Epoch \d+\/3 - /.test(l));
  const history = JSON.parse(readFileSync(path.join(runs, 'iris', 'latest', 'history.json'), 'utf8')) as { loss: number[] };
  assert.equal(epochLines.length, history.loss.length);
  assert.equal(epochLines.length, 3);
  assert.match(epochLines[0] ?? '', /^Epoch 1\/3 - [\d.]+m?s - \d+(ms|us)\/step - [\d.]+k? samples\/s - loss: \d+\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d+\.\d{4} - val_accuracy: \d\.\d{4}$/);
});

test('summary of the seed MNIST MLP prints the Keras table with Total params: 109,386, and --json agrees', async () => {
  const cfg = path.join(ROOT, 'configs', 'mnist-mlp.yaml');
  // Keras 3's box table by default; the Keras 2 layout with --format keras2.
  const box = await kerats(['summary', cfg]);
  assert.equal(box.code, 0, box.stderr);
  assert.match(box.stdout, /^│ dense \(Dense\) +│ \(None, 128\) +│ +100,480 │$/m);
  assert.match(box.stdout, /^ Total params: 109,386 \(427\.29 KB\)$/m);
  const text = await kerats(['summary', cfg, '--format', 'keras2']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Model: "mnist-mlp"$/m);
  assert.match(text.stdout, /Layer \(type\)\s+Output Shape\s+Param #/);
  assert.match(text.stdout, /dense \(Dense\)\s+\(None, 128\)\s+100480/);
  assert.match(text.stdout, /^Total params: 109,386$/m);
  assert.match(text.stdout, /^Trainable params: 109,386$/m);
  assert.match(text.stdout, /^Non-trainable params: 0$/m);
  const json = await kerats(['summary', cfg, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const s = JSON.parse(json.stdout) as { model: string; total_params: number; trainable_params: number; non_trainable_params: number; layers: { name: string; type: string; output_shape: unknown; params: number }[] };
  assert.equal(s.total_params, 109386);
  assert.equal(s.trainable_params, 109386);
  assert.equal(s.non_trainable_params, 0);
  assert.deepEqual(s.layers.map((l) => l.type), ['Flatten', 'Dense', 'Dense', 'Dense']);
  assert.deepEqual(s.layers[1]?.output_shape, [null, 128]);
  assert.deepEqual(s.layers.map((l) => l.params), [0, 100480, 8256, 650]);
});

test('summary of a trained run folder reads the saved model; its summary.txt is the table `kerats summary RUN` prints', async () => {
  const runs = tempDir();
  const out = path.join(runs, 'mlp-run');
  const t = await kerats(['train', path.join(ROOT, 'configs', 'mnist-mlp.yaml'), '--set', 'fit.epochs=1', '--out', out, '--quiet']);
  assert.equal(t.code, 0, t.stderr);
  const s = await kerats(['summary', out, '--json']);
  assert.equal(s.code, 0, s.stderr);
  assert.equal((JSON.parse(s.stdout) as { total_params: number; model: string }).total_params, 109386);
  // summary.txt: Keras 3's box table, without colour codes, the same text `kerats summary RUN`
  // prints (which adds the training step's memory after it).
  const saved = readFileSync(path.join(out, 'summary.txt'), 'utf8');
  assert.ok(!saved.includes('\x1b'), 'no ANSI escape codes');
  assert.match(saved, /^Model: "mnist-mlp"\n┏━+┳━+┳━+┓\n┃ Layer \(type\) +┃ Output Shape +┃ +Param # ┃$/m);
  assert.match(saved, /^│ dense \(Dense\) +│ \(None, 128\) +│ +100,480 │$/m);
  assert.match(saved, /^ Total params: 109,386 \(427\.29 KB\)\n Trainable params: 109,386 \(427\.29 KB\)\n Non-trainable params: 0 \(0\.00 B\)\n$/m);
  const box = await kerats(['summary', out]);
  assert.equal(box.code, 0, box.stderr);
  assert.ok(box.stdout.startsWith(saved), `kerats summary RUN:\n${box.stdout}\nsummary.txt:\n${saved}`);
  assert.match(box.stdout.slice(saved.length), /^(Training step memory .*\n)?$/);
});

/** Writes a config into a temp folder (beside a copy of the Iris CSV) and returns its path. */
function configFile(text: string, name = 'config.yaml'): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'iris.csv'), readFileSync(path.join(ROOT, 'data', 'iris.csv')));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const GOOD = `name: t
data:
  train: {csv: iris.csv, label: species}
model:
  input_shape: [4]
  layers:
    - Dense: {units: 8, activation: relu}
    - Dense: {units: 3, activation: softmax}
compile:
  optimizer: adam
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
fit:
  epochs: 1
`;

async function expectUsageError(args: string[], patterns: RegExp[]): Promise<string> {
  const r = await kerats(args);
  assert.equal(r.code, 2, `exit code 2, got ${r.code}\n${r.stderr}`);
  assert.ok(!hasStackTrace(r.stderr), `no stack trace:\n${r.stderr}`);
  for (const p of patterns) assert.match(r.stderr, p);
  return r.stderr;
}

test('a misspelled layer name: file:line:col and a suggestion, exit 2', async () => {
  const f = configFile(GOOD.replace('- Dense: {units: 8', '- Dens: {units: 8'));
  await expectUsageError(['validate', f], [new RegExp(`${escape(f)}:7:7: .*unknown layer "Dens"; did you mean "Dense"\\?`)]);
});

test('an unknown argument: file:line:col and a suggestion, exit 2', async () => {
  const f = configFile(GOOD.replace('{units: 8, activation', '{unit: 8, activation'));
  await expectUsageError(['train', f], [new RegExp(`${escape(f)}:7:\\d+: .*"unit".*did you mean "units"\\?`)]);
});

test('a wrong type: names the argument and what it got, exit 2', async () => {
  const f = configFile(GOOD.replace('epochs: 1', 'epochs: ten'));
  await expectUsageError(['validate', f], [new RegExp(`${escape(f)}:14:11: .*epochs.*integer.*"ten"`)]);
});

test('YAML that does not parse: file:line:col, exit 2', async () => {
  const f = configFile(GOOD.replace('input_shape: [4]', 'input_shape: [4'));
  await expectUsageError(['validate', f], [new RegExp(`${escape(f)}:\\d+:\\d+: `)]);
});

test('a missing config file: exit 2, names the file', async () => {
  await expectUsageError(['train', 'no/such/config.yaml'], [/no\/such\/config\.yaml/, /no such file/]);
});

test('a shape mismatch between layers is found before training and names both layers, exit 2', async () => {
  const f = configFile(GOOD.replace('    - Dense: {units: 3, activation: softmax}', '    - Conv2D: {filters: 4, kernel_size: 3}\n    - Dense: {units: 3, activation: softmax}'));
  await expectUsageError(['train', f], [new RegExp(`${escape(f)}:8:7: .*layer 2 \\(Conv2D\\) expects rank 4 input, got \\(None, 8\\) from layer 1 \\(Dense\\)`)]);
});

test('a CSV without the label column: names the column and what the file has, exit 2', async () => {
  const f = configFile(GOOD.replace('label: species', 'label: specie'));
  await expectUsageError(['train', f], [/"specie"/, /species/, new RegExp(`${escape(f)}:3:\\d+`)]);
});

test('backends: both native backends unavailable with a reason, wasm chosen', async () => {
  // No `kerats setup` build (an empty cache); test/tensorflow-backend.test.ts covers a set-up one.
  const env = { KERATS_TF_CACHE: tempDir() };
  const r = await kerats(['backends', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { auto: string; backends: { name: string; available: boolean; reason?: string }[] };
  assert.equal(out.auto, 'wasm');
  for (const name of ['tensorflow-gpu', 'tensorflow']) {
    const b = out.backends.find((x) => x.name === name);
    assert.equal(b?.available, false);
    assert.match(b?.reason ?? '', /not installed|native library missing|CUDA/);
  }
  assert.equal(out.backends.find((x) => x.name === 'wasm')?.available, true);
  const text = await kerats(['backends'], { env });
  assert.match(text.stdout, /wasm\s+available.*<- auto/);
});

test('--help shows an example on every command; --version prints the version; bad usage exits 2', async () => {
  for (const cmd of ['train', 'summary', 'validate', 'backends']) {
    const r = await kerats([cmd, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`Examples?:\\n  \\$ kerats ${cmd}`));
  }
  const v = await kerats(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  assert.equal((await kerats(['trian', IRIS])).code, 2);
  assert.equal((await kerats(['train', IRIS, '--backend', 'cuda'])).code, 2);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
