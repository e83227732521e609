/**
 * Multi-output compile as in Keras 3 (issue #13): `loss` as a list in output order or a map by
 * output name, `loss_weights` as a list or map, `metrics` as a list of lists or a map; synthetic
 * labels encoded for each output's own loss; `kerats validate` catching every list length, output
 * name and label shape it can know, at the user's text, exit 2. Real training on a two-output
 * model, and Keras 3's own evaluate on the same weights and data as the reference for the total.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { bindOutputs } from '../src/config/compile-outputs.js';
import { loadConfig, loadConfigText } from '../src/config/load.js';
import type { KeratsConfig } from '../src/config/types.js';
import { lossRefFor, targetEncodingFor } from '../src/registry/losses.js';
import { loadData } from '../src/runtime/data/index.js';
import type { Examples, TensorMap } from '../src/runtime/data/types.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { runTraining } from '../src/runtime/train-run.js';
import { loadModel } from '../src/saving/model-io.js';
import { outputNamesOf } from '../src/runtime/training/outputs.js';
import { evaluate } from '../src/runtime/training/trainer.js';
import { referencePython, runPython } from '../src/util/python-ref.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

const EXAMPLE = path.join(ROOT, 'configs', 'two-heads.yaml');
const dir = tempDir('kerats-compile-multi-');

/** A two-output config (kind: 3-class softmax, flag: 1 sigmoid unit) with the given compile lines. */
function twoHeads(compile: string[], opts: { samples?: number; epochs?: number; flag?: string; data?: string[] } = {}): string {
  return [
    'name: two-heads-test',
    'seed: 5',
    'data:',
    ...(opts.data ?? [
      '  train:',
      '    synthetic:',
      `      samples: ${opts.samples ?? 256}`,
      '      inputs: {features: {x_shape: [8]}}',
      `      outputs: {kind: {classes: 3}, flag: ${opts.flag ?? '{classes: 2}'}}`,
      '  validation_split: 0.25',
    ]),
    'model:',
    '  inputs: [{name: features, shape: [8]}]',
    '  layers:',
    '    - Dense: {units: 16, activation: relu, name: hidden, inputs: features}',
    '    - Dense: {units: 3, activation: softmax, name: kind, inputs: hidden}',
    '    - Dense: {units: 1, activation: sigmoid, name: flag, inputs: hidden}',
    '  outputs: [kind, flag]',
    'compile:',
    '  optimizer: {Adam: {learning_rate: 0.02}}',
    ...compile.map((l) => `  ${l}`),
    `fit: {epochs: ${opts.epochs ?? 8}, batch_size: 32, verbose: 0}`,
  ].join('\n') + '\n';
}

let fileNo = 0;
function write(text: string): string {
  const file = path.join(dir, `c${fileNo++}.yaml`);
  writeFileSync(file, text);
  return file;
}

async function trainText(text: string): Promise<Record<string, number[]>> {
  const config = await loadConfig(write(text));
  const r = await runTraining(config, { backend: 'wasm', runsRoot: dir, out: path.join(dir, `run${fileNo}`), argv: [] });
  return r.history;
}

const LIST = ['loss: [categorical_crossentropy, binary_crossentropy]', 'metrics: [[accuracy], [accuracy]]'];
const MAP = ['loss: {kind: categorical_crossentropy, flag: binary_crossentropy}', 'metrics: {kind: [accuracy], flag: [accuracy]}'];

function assertWeightedSum(h: Record<string, number[]>, w: { kind: number; flag: number }, prefix = ''): void {
  const total = h[`${prefix}loss`] ?? [];
  assert.ok(total.length > 0);
  total.forEach((t, e) => {
    const sum = w.kind * (h[`${prefix}kind_loss`]?.[e] ?? NaN) + w.flag * (h[`${prefix}flag_loss`]?.[e] ?? NaN);
    assert.ok(Math.abs(t - sum) <= 1e-5 * Math.max(1, t), `${prefix}loss[${e}] = ${t}, ${w.kind}·kind_loss + ${w.flag}·flag_loss = ${sum}`);
  });
}

describe('training a two-output model with per-output losses', () => {
  it('loss as a list in output order trains; the total is the sum of the output losses; the same as a map by name', async () => {
    const list = await trainText(twoHeads(LIST));
    assert.deepEqual(Object.keys(list).sort(), ['flag_accuracy', 'flag_loss', 'kind_accuracy', 'kind_loss', 'loss', ...['flag_accuracy', 'flag_loss', 'kind_accuracy', 'kind_loss', 'loss'].map((k) => `val_${k}`)].sort());
    const loss = list.loss ?? [];
    assert.ok((loss.at(-1) ?? 9) < (loss[0] ?? 0) * 0.6, `loss ${loss.join(', ')}`);
    assert.ok((list.val_kind_accuracy?.at(-1) ?? 0) > (list.val_kind_accuracy?.[0] ?? 1) + 0.1, `val_kind_accuracy ${list.val_kind_accuracy?.join(', ')}`);
    assertWeightedSum(list, { kind: 1, flag: 1 });
    assertWeightedSum(list, { kind: 1, flag: 1 }, 'val_');
    // The list and the map mean the same compile: the same run, number for number.
    assert.deepEqual(await trainText(twoHeads(MAP)), list);
  });

  it('loss_weights (list or map) weigh each output\'s loss in the total; a weight of 0 leaves that head untrained', async () => {
    const listed = await trainText(twoHeads([...LIST, 'loss_weights: [1.0, 0.3]']));
    assertWeightedSum(listed, { kind: 1, flag: 0.3 });
    assertWeightedSum(listed, { kind: 1, flag: 0.3 }, 'val_');
    assert.ok((listed.loss?.at(-1) ?? 9) < (listed.loss?.[0] ?? 0) * 0.6, `loss ${listed.loss?.join(', ')}`);
    assert.deepEqual(await trainText(twoHeads([...MAP, 'loss_weights: {flag: 0.3, kind: 1.0}'])), listed);

    // Weight 0 for flag: Adam gets a zero gradient for flag's own kernel and bias, which stay as initialised.
    const config = loadConfigText(twoHeads([...LIST, 'loss_weights: [1, 0]'], { epochs: 2 }), path.join(dir, 'zero.yaml'));
    const run = path.join(dir, 'zero-run');
    await runTraining(config, { backend: 'wasm', runsRoot: dir, out: run, argv: [] });
    const initial = buildModel(config.model, { seed: 5 });
    const trained = await loadModel(path.join(run, 'model.json'));
    const weightsOf = (m: tf.LayersModel, layer: string) => m.getLayer(layer).getWeights().map((t) => Array.from(t.dataSync()));
    assert.deepEqual(weightsOf(trained, 'flag'), weightsOf(initial, 'flag'));
    assert.notDeepEqual(weightsOf(trained, 'kind'), weightsOf(initial, 'kind'));
    initial.dispose();
    trained.dispose();
  });

  it('synthetic labels follow each output\'s own loss: class ids, one-hot and floats side by side (validate passes, training runs)', async () => {
    const text = [
      'name: three-heads',
      'seed: 2',
      'data:',
      '  train:',
      '    synthetic:',
      '      samples: 128',
      '      inputs: {features: {x_shape: [6]}}',
      '      outputs: {ids: {classes: 3}, onehot: {classes: 4}, reg: {y_shape: [2]}, multi: {classes: 3}}',
      'model:',
      '  inputs: [{name: features, shape: [6]}]',
      '  layers:',
      '    - Dense: {units: 16, activation: relu, name: hidden, inputs: features}',
      '    - Dense: {units: 3, activation: softmax, name: ids, inputs: hidden}',
      '    - Dense: {units: 4, activation: softmax, name: onehot, inputs: hidden}',
      '    - Dense: {units: 2, name: reg, inputs: hidden}',
      '    - Dense: {units: 3, activation: sigmoid, name: multi, inputs: hidden}',
      '  outputs: [ids, onehot, reg, multi]',
      'compile:',
      '  optimizer: {Adam: {learning_rate: 0.02}}',
      '  loss: [sparse_categorical_crossentropy, categorical_crossentropy, mse, binary_crossentropy]',
      '  metrics: {ids: [accuracy], onehot: [accuracy], reg: [mae]}',
      'fit: {epochs: 6, batch_size: 32, verbose: 0}',
    ].join('\n') + '\n';
    const file = write(text);
    const v = await kerats(['validate', file]);
    assert.equal(v.code, 0, v.stderr);

    const config = await loadConfig(file);
    const model = buildModel(config.model, { seed: 2 });
    const compile = bindOutputs(config.compile, outputNamesOf(model));
    model.dispose();
    const data = await loadData(config.data as NonNullable<KeratsConfig['data']>, {
      encoding: targetEncodingFor(compile.loss),
      encodingFor: (o) => (lossRefFor(compile.loss, o) ? targetEncodingFor(compile.loss, o) : 'regression'),
      seed: 2,
    });
    const y = (data.train as Examples).y as TensorMap;
    assert.deepEqual(y.ids?.shape, [128, 1]);
    assert.deepEqual(y.onehot?.shape, [128, 4]);
    assert.deepEqual(y.reg?.shape, [128, 2]);
    assert.deepEqual(y.multi?.shape, [128, 3]);
    // ids are class ids 0..2; onehot rows are one-hot; multi rows are 0/1; reg are real numbers.
    assert.deepEqual([...new Set(y.ids?.dataSync())].sort(), [0, 1, 2]);
    const oh = y.onehot?.arraySync() as number[][];
    assert.ok(oh.every((r) => r.filter((v) => v === 1).length === 1 && r.every((v) => v === 0 || v === 1)));
    assert.ok((y.multi?.arraySync() as number[][]).every((r) => r.every((v) => v === 0 || v === 1)));
    assert.ok(Array.from(y.reg?.dataSync() ?? []).some((v) => v !== Math.round(v)));
    tf.dispose(Object.values(y));
    tf.dispose((data.train as Examples).x as tf.Tensor);

    const h = await trainText(text);
    assert.ok((h.loss?.at(-1) ?? 9) < (h.loss?.[0] ?? 0), `loss ${h.loss?.join(', ')}`);
    const sum = ['ids', 'onehot', 'reg', 'multi'].reduce((s, o) => s + (h[`${o}_loss`]?.at(-1) ?? NaN), 0);
    assert.ok(Math.abs((h.loss?.at(-1) ?? 0) - sum) < 1e-5, `${h.loss?.at(-1)} vs ${sum}`);
  });

  it(`configs/two-heads.yaml (loss list, loss_weights, metrics per output) trains through the CLI; evaluate on the run agrees`, async () => {
    const run = path.join(dir, 'example');
    const r = await kerats(['train', EXAMPLE, '--out', run, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const h = (JSON.parse(r.stdout) as { history: Record<string, number[]> }).history;
    assertWeightedSum(h, { kind: 1, flag: 0.5 });
    assert.ok((h.loss?.at(-1) ?? 9) < (h.loss?.[0] ?? 0) * 0.5, `loss ${h.loss?.join(', ')}`);
    assert.ok((h.val_kind_accuracy?.at(-1) ?? 0) > 0.85 && (h.val_flag_accuracy?.at(-1) ?? 0) > 0.8, `${h.val_kind_accuracy?.at(-1)} ${h.val_flag_accuracy?.at(-1)}`);
    // evaluate regenerates the validation labels from the saved config, each output encoded for its loss.
    const ev = await kerats(['evaluate', run, '--json']);
    assert.equal(ev.code, 0, ev.stderr);
    const m = (JSON.parse(ev.stdout) as { metrics: Record<string, number> }).metrics;
    for (const k of ['loss', 'kind_loss', 'flag_loss', 'kind_accuracy', 'flag_accuracy']) {
      assert.ok(Math.abs((m[k] ?? NaN) - (h[`val_${k}`]?.at(-1) ?? NaN)) < 1e-5, `${k}: evaluate ${m[k]} vs val_${k} ${h[`val_${k}`]?.at(-1)}`);
    }
  });
});

const ref = referencePython(['keras']);

describe('the weighted total against real Keras 3', { skip: ref.skip }, () => {
  before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it('evaluate gives Keras\'s loss, kind_loss and flag_loss for the same weights and data (list and map forms, uneven last batch)', async () => {
    const forms = [
      { compile: [...LIST, 'loss_weights: [0.7, 2.5]'], keras: { loss: ['categorical_crossentropy', 'binary_crossentropy'], loss_weights: [0.7, 2.5] } },
      { compile: [...MAP, 'loss_weights: {kind: 1.5, flag: 0.25}'], keras: { loss: { kind: 'categorical_crossentropy', flag: 'binary_crossentropy' }, loss_weights: { kind: 1.5, flag: 0.25 } } },
    ];
    const jobs: unknown[] = [];
    const ours: Record<string, number>[] = [];
    const sizes: number[] = [];
    for (const f of forms) {
      const config = loadConfigText(twoHeads(f.compile, { samples: 50 }), path.join(dir, 'keras.yaml'));
      const model = buildModel(config.model, { seed: 11 });
      const compile = bindOutputs(config.compile, outputNamesOf(model));
      const data = await loadData(config.data as NonNullable<KeratsConfig['data']>, {
        encoding: targetEncodingFor(compile.loss),
        encodingFor: (o) => targetEncodingFor(compile.loss, o),
        seed: 5,
      });
      const ex = data.train as Examples;
      // 37 training rows (25% split off), batches of 16: the last batch is uneven.
      ours.push(await evaluate(model, config.compile, ex, 16));
      const y = ex.y as TensorMap;
      const weights = Object.fromEntries(['hidden', 'kind', 'flag'].map((n) => [n, model.getLayer(n).getWeights().map((t) => t.arraySync())]));
      jobs.push({ x: (ex.x as tf.Tensor).arraySync(), y: { kind: y.kind?.arraySync(), flag: y.flag?.arraySync() }, weights, batch_sizes: [16, ex.size], ...f.keras });
      sizes.push(ex.size);
      model.dispose();
      for (const d of [data.train, data.validation]) if (d && 'x' in d) tf.dispose([d.x as tf.Tensor, ...Object.values(d.y as TensorMap)]);
    }
    const jobsFile = path.join(dir, 'keras-jobs.json');
    writeFileSync(jobsFile, JSON.stringify({ jobs }));
    const py = runPython(ref.python as string, [path.join(ROOT, 'test', 'python', 'keras_multi_loss.py'), jobsFile]);
    assert.equal(py.status, 0, py.stderr);
    const theirs = JSON.parse(py.stdout.trim().split('\n').at(-1) ?? '[]') as Record<string, Record<string, number>>[];
    ours.forEach((o, i) => {
      const batched = theirs[i]?.['16'] ?? {};
      const whole = theirs[i]?.[String(sizes[i])] ?? {};
      const close = (a: number | undefined, b: number | undefined, what: string) => assert.ok(Math.abs((a ?? NaN) - (b ?? NaN)) < 1e-5, `form ${i} ${what}: kerats ${a} vs Keras ${b}`);
      // The total: Keras 3 weighs each batch by its size, so batches of 16, 16, 5 give the mean over all rows.
      close(o.loss, batched.loss, 'loss');
      close(o.loss, whole.loss, 'loss (one batch)');
      // Per output, kerats reports the mean over all rows too (so loss = Σ weight · output loss holds).
      // Keras 3.15 averages its per-output trackers over batches unweighted, which differs with an
      // uneven last batch; over one batch both are the plain mean.
      close(o.kind_loss, whole.kind_loss, 'kind_loss');
      close(o.flag_loss, whole.flag_loss, 'flag_loss');
    });
  });
});

describe('kerats validate: compile and labels against the model\'s outputs (exit 2, at the user\'s text)', () => {
  const cases: { what: string; compile: string[]; flag?: string; data?: string[]; error: RegExp }[] = [
    {
      what: 'a loss list shorter than the outputs',
      compile: ['loss: [categorical_crossentropy]'],
      error: /:\d+:3: error: compile\.loss: the list has 1 loss but the model has 2 outputs \("kind", "flag"\); give one per output, in this order, or a map by output name/,
    },
    {
      what: 'a loss map naming no output (with the closest name)',
      compile: ['loss: {kind: categorical_crossentropy, falg: binary_crossentropy}'],
      error: /:\d+:\d+: error: compile\.loss: the model has no output named "falg"; its outputs are "kind", "flag"; did you mean "flag"\?/,
    },
    {
      what: 'an unknown loss name in the list',
      compile: ['loss: [categorical_crossentropy, binary_crosentropy]'],
      error: /:\d+:\d+: error: unknown loss "binary_crosentropy"; did you mean "binary_crossentropy"\?/,
    },
    {
      what: 'loss_weights longer than the outputs',
      compile: [...LIST, 'loss_weights: [1, 0.5, 2]'],
      error: /:\d+:3: error: compile\.loss_weights: the list has 3 weights but the model has 2 outputs \("kind", "flag"\)/,
    },
    {
      what: 'a loss_weights map naming no output',
      compile: [...LIST, 'loss_weights: {kind: 1, flags: 2}'],
      error: /error: compile\.loss_weights: the model has no output named "flags"; its outputs are "kind", "flag"; did you mean "flag"\?/,
    },
    {
      what: 'metrics: a list of lists of the wrong length',
      compile: ['loss: [categorical_crossentropy, binary_crossentropy]', 'metrics: [[accuracy]]'],
      error: /error: compile\.metrics: the list has 1 list but the model has 2 outputs/,
    },
    {
      what: 'metrics: a map naming no output',
      compile: ['loss: [categorical_crossentropy, binary_crossentropy]', 'metrics: {kind: [accuracy], flga: [accuracy]}'],
      error: /error: compile\.metrics: the model has no output named "flga"; its outputs are "kind", "flag"; did you mean "flag"\?/,
    },
    {
      what: 'losses in the wrong order for the synthetic labels (what is required, what is given)',
      compile: ['loss: [binary_crossentropy, categorical_crossentropy]'],
      error: /:\d+:5: error: loss "categorical_crossentropy" with the model's output shape \[None, 1\] cannot be compared with the data\.train \(output "flag"\) labels of shape \[None, 2\] \(2 values per sample, the output has 1\)/,
    },
    {
      what: 'a y_shape that does not fit the output',
      compile: ['loss: [categorical_crossentropy, mse]'],
      flag: '{y_shape: [3]}',
      error: /error: loss "mean_squared_error" with the model's output shape \[None, 1\] cannot be compared with the data\.train \(output "flag"\) labels of shape \[None, 3\]/,
    },
    {
      what: 'single-output synthetic labels for a two-output model',
      compile: LIST,
      data: ['  train: {synthetic: {samples: 32, x_shape: [8], classes: 3}}'],
      error: /error: data\.train\.synthetic gives labels for one output, but the model has 2 outputs \("kind", "flag"\); give "outputs:"/,
    },
    {
      what: 'a CSV label column (one value per row) for an output of 3 values under mse',
      compile: ['loss: [mse, mse]'],
      data: [`  train: {csv: ${path.join(ROOT, 'data', 'iris.csv')}, label: {kind: petal_width, flag: sepal_width}}`],
      error: /error: loss "mean_squared_error" with the model's output shape \[None, 3\] cannot be compared with the data\.train \(output "kind"\) labels of shape \[None, 1\] \(1 value per sample, the output has 3\)/,
    },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const file = write(twoHeads(c.compile, { ...(c.flag ? { flag: c.flag } : {}), ...(c.data ? { data: c.data } : {}) }));
      const r = await kerats(['validate', file]);
      assert.equal(r.code, 2, r.stderr || r.stdout);
      assert.match(r.stderr, c.error);
      assert.ok(r.stderr.startsWith(file), r.stderr);
      assert.ok(!hasStackTrace(r.stderr));
    });
  }
});
