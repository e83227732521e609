/**
 * `kerats export RUN --format onnx`: tiny runs (1 epoch, a few rows) of each model family are
 * exported, run by ONNX Runtime (onnxruntime-node, no Python) on the same raw rows `kerats predict`
 * takes, and compared with kerats' predictions to 1e-4. When the Python reference exists, Python's
 * onnx.checker and onnxruntime check every file once more (one Python process for all of them).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { encodeNpy } from '../src/runtime/data/npy.js';
import { loadModel } from '../src/saving/model-io.js';
import { decodeModel } from '../src/saving/onnx/proto.js';
import { referencePython, runPython } from '../src/util/python-ref.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';

const TOLERANCE = 1e-4;
const work = tempDir('kerats-onnx-');

/** Every exported file with its inputs and kerats' outputs, for the Python check at the end. */
interface Checked {
  file: string;
  inputs: Record<string, { shape: number[]; dtype: 'float32' | 'int32'; data: number[] }>;
  expected: number[][];
}
const checked: Checked[] = [];

before(async () => {
  await tf.setBackend('cpu');
});

/** A deterministic pseudo-random stream (tests must not depend on Math.random). */
function stream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (s >>> 8) / 0x1000000;
  };
}

async function ok(args: string[]): Promise<string> {
  const r = await runMain(args);
  assert.equal(r.code, 0, `kerats ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

/** Trains `config` (YAML text) for one epoch into a fresh run folder; returns its path. */
async function train(name: string, config: string): Promise<string> {
  const file = path.join(work, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nseed: 1\n${config}`);
  const run = path.join(work, `${name}-run`);
  await ok(['train', file, '--out', run, '--backend', 'cpu', '--quiet']);
  return run;
}

/** Writes x.npy (float32 samples) and y.npy (class ids) for a classifier; returns the data lines of a config. */
function arrays(name: string, sampleShape: number[], n: number, classes: number, value: (r: () => number) => number, rescale?: number): { data: string; x: Float32Array; xFile: string } {
  const r = stream(name.length * 7919 + n);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * per }, () => value(r));
  const y = Float32Array.from({ length: n }, (_, i) => i % classes);
  const xFile = path.join(work, `${name}-x.npy`);
  const yFile = path.join(work, `${name}-y.npy`);
  writeFileSync(xFile, encodeNpy([n, ...sampleShape], x));
  writeFileSync(yFile, encodeNpy([n], y));
  return { data: `data:\n  train: {npy: ${xFile}, labels: ${yFile}${rescale === undefined ? '' : `, rescale: ${rescale}`}}\n`, x, xFile };
}

/** `kerats predict RUN INPUT` as numbers: the probability columns of a classifier, else the prediction columns. */
async function predictNumbers(run: string, input: string, width: number): Promise<number[][]> {
  const out = path.join(work, `${path.basename(run)}-pred.csv`);
  await ok(['predict', run, input, '-o', out, '--backend', 'cpu']);
  const [head = '', ...lines] = readFileSync(out, 'utf8').trim().split('\n');
  const cols = head.split(',');
  let keep = cols.map((c, i) => (c.startsWith('prob_') ? i : -1)).filter((i) => i >= 0);
  // A sigmoid output: its value is the positive class's probability (the last prob_ column).
  if (width === 1 && keep.length === 2) keep = keep.slice(1);
  if (keep.length === 0) keep = cols.map((c, i) => (c.startsWith('prediction') ? i : -1)).filter((i) => i >= 0);
  return lines.map((l) => {
    const cells = l.split(',');
    return keep.map((i) => Number(cells[i]));
  });
}

async function exportOnnx(run: string): Promise<{ file: string; result: { inputs: { name: string; shape: (number | null)[] }[]; metadata: Record<string, string>; warnings: string[]; input_kind: string } }> {
  const file = path.join(work, `${path.basename(run)}.onnx`);
  const stdout = await ok(['export', run, '--format', 'onnx', '--out', file, '--json', '--backend', 'cpu']);
  return { file, result: JSON.parse(stdout) };
}

type Feeds = Record<string, { shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }>;

/** ONNX Runtime's outputs, one row of numbers per sample per output. */
async function runOnnx(file: string, feeds: Feeds): Promise<number[][][]> {
  const session = await ort.InferenceSession.create(file);
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(f.dtype, f.data, f.shape);
  const res = await session.run(ortFeeds);
  return session.outputNames.map((name) => {
    const t = res[name] as ort.Tensor;
    const n = t.dims[0] ?? 0;
    const data = Array.from(t.data as Float32Array);
    const w = n > 0 ? data.length / n : 0;
    return Array.from({ length: n }, (_, i) => data.slice(i * w, (i + 1) * w));
  });
}

function maxDiff(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length, 'row count');
  let worst = 0;
  a.forEach((row, i) => {
    const other = b[i] ?? [];
    assert.equal(row.length, other.length, `row ${i} width`);
    row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - (other[j] ?? NaN)))));
  });
  return worst;
}

/** Exports `run`, runs ONNX Runtime on `x` (the raw .npy rows) and compares with `kerats predict` on the same file. */
async function compareOnArrays(run: string, xFile: string, x: Float32Array, sampleShape: number[]): Promise<string> {
  const n = x.length / sampleShape.reduce((a, b) => a * b, 1);
  const { file, result } = await exportOnnx(run);
  const name = result.inputs[0]?.name ?? '';
  const [onnx] = await runOnnx(file, { [name]: { shape: [n, ...sampleShape], dtype: 'float32', data: x } });
  const expected = await predictNumbers(run, xFile, onnx?.[0]?.length ?? 0);
  const diff = maxDiff(onnx ?? [], expected);
  assert.ok(diff <= TOLERANCE, `ONNX Runtime differs from kerats predict by ${diff}`);
  checked.push({ file, inputs: { [name]: { shape: [n, ...sampleShape], dtype: 'float32', data: Array.from(x) } }, expected });
  return file;
}

describe('kerats export --format onnx: ONNX Runtime gives kerats predict\'s outputs on the same raw rows', () => {
  test('MLP on Iris with standardize/min_max preprocessing in the graph, class names in the metadata', async () => {
    const run = await train('iris-mlp', [
      'data:',
      `  train: {csv: ${path.join(ROOT, 'data', 'iris.csv')}, label: species, preprocess: {sepal_length: standardize, sepal_width: min_max, petal_length: standardize}}`,
      'model:',
      '  input_shape: [4]',
      '  layers:',
      '    - Dense: {units: 8, activation: relu}',
      '    - Dropout: 0.2',
      '    - Dense: {units: 3, activation: softmax}',
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}',
      'fit: {epochs: 1, batch_size: 32}',
      '',
    ].join('\n'));
    const lines = readFileSync(path.join(ROOT, 'data', 'iris.csv'), 'utf8').trim().split('\n').slice(0, 21);
    const input = path.join(work, 'iris-rows.csv');
    writeFileSync(input, lines.join('\n') + '\n');
    const raw = Float32Array.from(lines.slice(1).flatMap((l) => l.split(',').slice(0, 4).map(Number)));
    const { file, result } = await exportOnnx(run);
    assert.equal(result.input_kind, 'raw');
    assert.deepEqual(JSON.parse(result.metadata['kerats.classes'] ?? '[]'), ['setosa', 'versicolor', 'virginica']);
    // The preprocessing is in the graph: Sub and Div nodes in front of the first MatMul.
    const graph = decodeModel(readFileSync(file)).graph;
    assert.deepEqual(graph.node.slice(0, 3).map((n) => n.op_type), ['Sub', 'Div', 'MatMul']);
    const [onnx] = await runOnnx(file, { [result.inputs[0]?.name ?? '']: { shape: [20, 4], dtype: 'float32', data: raw } });
    const expected = await predictNumbers(run, input, 3);
    const diff = maxDiff(onnx ?? [], expected);
    assert.ok(diff <= TOLERANCE, `differs by ${diff}`);
    checked.push({ file, inputs: { [result.inputs[0]?.name ?? '']: { shape: [20, 4], dtype: 'float32', data: Array.from(raw) } }, expected });
    const model = decodeModel(readFileSync(file));
    assert.ok(model.opset_import.every((o) => o.version >= 17));
  });

  test('CNN on raw pixels (rescale 1/255 in the graph): Conv2D, BatchNormalization, MaxPooling2D, Conv2DTranspose, AveragePooling2D, SeparableConv2D, DepthwiseConv2D, GlobalMaxPooling2D', async () => {
    const shape = [8, 8, 1];
    const { data, x, xFile } = arrays('cnn', shape, 24, 3, (r) => Math.floor(r() * 256), 1 / 255);
    const run = await train('cnn', data + [
      'model:',
      '  input_shape: [8, 8, 1]',
      '  layers:',
      '    - Conv2D: {filters: 4, kernel_size: 3, padding: same, activation: relu}',
      '    - BatchNormalization: {}',
      '    - MaxPooling2D: {pool_size: 2}',
      '    - Conv2DTranspose: {filters: 3, kernel_size: 3, strides: 2, padding: same}',
      '    - AveragePooling2D: {pool_size: 3, strides: 2, padding: same}',
      '    - SeparableConv2D: {filters: 4, kernel_size: 2, padding: valid, activation: elu}',
      '    - DepthwiseConv2D: {kernel_size: 2, depth_multiplier: 2}',
      '    - Conv2D: {filters: 3, kernel_size: 1}',
      '    - GlobalMaxPooling2D: {}',
      '    - Dense: {units: 3, activation: softmax}',
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}',
      'fit: {epochs: 1, batch_size: 8}',
      '',
    ].join('\n'));
    const file = await compareOnArrays(run, xFile, x, shape);
    assert.equal(decodeModel(readFileSync(file)).graph.node[0]?.op_type, 'Mul', 'the rescale is the first node');
  });

  test('Embedding + Conv1D + MaxPooling1D + LSTM', async () => {
    const shape = [12];
    const { data, x, xFile } = arrays('emb-lstm', shape, 24, 2, (r) => Math.floor(r() * 30));
    const run = await train('emb-lstm', data + [
      'model:',
      '  input_shape: [12]',
      '  layers:',
      '    - Embedding: {input_dim: 30, output_dim: 6}',
      '    - Conv1D: {filters: 5, kernel_size: 3, padding: same, activation: tanh}',
      '    - MaxPooling1D: {pool_size: 2}',
      '    - LSTM: {units: 6}',
      '    - Dense: {units: 1, activation: sigmoid}',
      'compile: {optimizer: adam, loss: binary_crossentropy}',
      'fit: {epochs: 1, batch_size: 8}',
      '',
    ].join('\n'));
    await compareOnArrays(run, xFile, x, shape);
  });

  test('GRU with reset_after true and false (and go_backwards), SimpleRNN', async () => {
    const shape = [10, 3];
    const { data, x, xFile } = arrays('gru', shape, 24, 3, (r) => r() * 2 - 1);
    const run = await train('gru', data + [
      'model:',
      '  input_shape: [10, 3]',
      '  layers:',
      '    - GRU: {units: 5, return_sequences: true}',
      '    - GRU: {units: 4, reset_after: false, go_backwards: true, return_sequences: true}',
      '    - SimpleRNN: {units: 3, activation: relu}',
      '    - Dense: {units: 3, activation: softmax}',
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}',
      'fit: {epochs: 1, batch_size: 8}',
      '',
    ].join('\n'));
    await compareOnArrays(run, xFile, x, shape);
  });

  test('Bidirectional LSTM (concat), SimpleRNN (ave) and GRU (sum)', async () => {
    const shape = [7, 3];
    const { data, x, xFile } = arrays('bidi', shape, 24, 3, (r) => r() * 2 - 1);
    const run = await train('bidi', data + [
      'model:',
      '  input_shape: [7, 3]',
      '  layers:',
      '    - Bidirectional: {layer: {LSTM: {units: 4, return_sequences: true}}}',
      '    - Bidirectional: {layer: {SimpleRNN: {units: 3, return_sequences: true}}, merge_mode: ave}',
      '    - Bidirectional: {layer: {GRU: {units: 3}}, merge_mode: sum}',
      '    - Dense: {units: 3, activation: softmax}',
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}',
      'fit: {epochs: 1, batch_size: 8}',
      '',
    ].join('\n'));
    await compareOnArrays(run, xFile, x, shape);
  });

  test('Transformer block: MultiHeadAttention, residual Add, LayerNormalization, gelu feed-forward', async () => {
    const shape = [6, 8];
    const { data, x, xFile } = arrays('transformer', shape, 16, 3, (r) => r() * 2 - 1);
    const run = await train('transformer', data + [
      'model:',
      '  inputs: [{name: tokens, shape: [6, 8]}]',
      '  layers:',
      '    - MultiHeadAttention: {num_heads: 2, key_dim: 4, name: attention}',
      '    - Dropout: {rate: 0.1, name: drop1}',
      '    - Add: {inputs: [tokens, drop1], name: add1}',
      '    - LayerNormalization: {epsilon: 1.0e-6, name: norm1}',
      '    - Dense: {units: 16, activation: gelu, name: ffn1}',
      '    - Dense: {units: 8, name: ffn2}',
      '    - Add: {inputs: [norm1, ffn2], name: add2}',
      '    - LayerNormalization: {epsilon: 1.0e-6}',
      '    - GlobalAveragePooling1D: {}',
      '    - Dense: {units: 3, activation: softmax, name: label}',
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}',
      'fit: {epochs: 1, batch_size: 8}',
      '',
    ].join('\n'));
    const file = await compareOnArrays(run, xFile, x, shape);
    const ops = new Set(decodeModel(readFileSync(file)).graph.node.map((n) => n.op_type));
    for (const op of ['MatMul', 'Softmax', 'LayerNormalization', 'Erf']) assert.ok(ops.has(op), `${op} in ${[...ops].join(', ')}`);
  });

  test('functional model with two inputs and two outputs: merges (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot)', async () => {
    const run = await train('multi-input', [
      'data:',
      '  train:',
      '    synthetic:',
      '      samples: 16',
      '      inputs: {a: {x_shape: [4]}, b: {x_shape: [3]}}',
      '      outputs: {main: {classes: 3}, aux: {classes: 2}}',
      'model:',
      '  inputs: [{name: a, shape: [4]}, {name: b, shape: [3]}]',
      '  layers:',
      '    - Dense: {units: 5, activation: tanh, inputs: a, name: da}',
      '    - Dense: {units: 5, activation: sigmoid, inputs: b, name: db}',
      '    - Add: {inputs: [da, db], name: s}',
      '    - Subtract: {inputs: [da, db], name: d}',
      '    - Multiply: {inputs: [s, d], name: m}',
      '    - Average: {inputs: [s, d, m], name: avg}',
      '    - Maximum: {inputs: [s, d], name: mx}',
      '    - Minimum: {inputs: [s, d], name: mn}',
      '    - Dot: {inputs: [mx, mn], axes: 1, name: dot}',
      '    - Concatenate: {inputs: [avg, mx, mn, dot, b], name: cat}',
      '    - Dense: {units: 3, activation: softmax, name: main}',
      '    - Dense: {units: 1, activation: sigmoid, inputs: cat, name: aux}',
      '  outputs: [main, aux]',
      'compile:',
      '  optimizer: adam',
      '  loss: {main: sparse_categorical_crossentropy, aux: binary_crossentropy}',
      'fit: {epochs: 1, batch_size: 8}',
      '',
    ].join('\n'));
    const { file, result } = await exportOnnx(run);
    assert.deepEqual(result.inputs.map((i) => i.name), ['a', 'b']);
    const r = stream(5);
    const n = 9;
    const a = Float32Array.from({ length: n * 4 }, () => r() * 2 - 1);
    const b = Float32Array.from({ length: n * 3 }, () => r() * 2 - 1);
    const outs = await runOnnx(file, { a: { shape: [n, 4], dtype: 'float32', data: a }, b: { shape: [n, 3], dtype: 'float32', data: b } });
    // `kerats predict` takes one input, so the reference is the run's model itself (tfjs).
    const model = await loadModel(path.join(run, 'model.json'));
    const ys = model.predict([tf.tensor(a, [n, 4]), tf.tensor(b, [n, 3])]) as tf.Tensor[];
    const expected = ys.map((y) => (y.arraySync() as number[][]));
    model.dispose();
    assert.equal(outs.length, 2);
    outs.forEach((o, k) => {
      const diff = maxDiff(o, expected[k] ?? []);
      assert.ok(diff <= TOLERANCE, `output ${k} differs by ${diff}`);
    });
    checked.push({ file, inputs: { a: { shape: [n, 4], dtype: 'float32', data: Array.from(a) }, b: { shape: [n, 3], dtype: 'float32', data: Array.from(b) } }, expected: expected[0] ?? [] });
  });
});

describe('kerats export --format onnx: errors and warnings', () => {
  test('a layer ONNX cannot express is exit 2, naming the layer and its class, without a stack trace', async () => {
    const run = await train('lambda', [
      'data:',
      '  train: {synthetic: {samples: 8, x_shape: [3], classes: 2}}',
      'model:',
      '  input_shape: [3]',
      '  layers:',
      '    - Dense: {units: 4}',
      '    - Lambda: {expr: "x * 2", name: doubler}',
      '    - Dense: {units: 2, activation: softmax}',
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}',
      'fit: {epochs: 1, batch_size: 8}',
      '',
    ].join('\n'));
    const out = path.join(work, 'lambda.onnx');
    const r = await kerats(['export', run, '--format', 'onnx', '--out', out, '--backend', 'cpu']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /layer "doubler" \(Lambda\) cannot be exported to ONNX/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  test('a feature encoded from text (one_hot): the export warns that the ONNX model takes the encoded row', async () => {
    const csv = path.join(work, 'colors.csv');
    const r = stream(9);
    const colors = ['red', 'green', 'blue'];
    writeFileSync(csv, 'size,color,label\n' + Array.from({ length: 12 }, (_, i) => `${(r() * 10).toFixed(2)},${colors[i % 3]},${i % 2}`).join('\n') + '\n');
    const run = await train('colors', [
      'data:',
      `  train: {csv: ${csv}, label: label, preprocess: {size: standardize, color: one_hot}}`,
      'model:',
      '  input_shape: [4]',
      '  layers:',
      '    - Dense: {units: 2, activation: softmax}',
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}',
      'fit: {epochs: 1, batch_size: 4}',
      '',
    ].join('\n'));
    const { file, result } = await exportOnnx(run);
    assert.equal(result.input_kind, 'encoded');
    assert.match(result.warnings[0] ?? '', /feature "color" is encoded from text .* the ONNX model takes the encoded, preprocessed row/);
    assert.equal(result.metadata['kerats.input'], 'encoded');
    // No preprocessing nodes: the first node is the Dense layer's MatMul.
    assert.equal(decodeModel(readFileSync(file)).graph.node[0]?.op_type, 'MatMul');
  });

  test('an unknown --format is exit 2', async () => {
    const r = await kerats(['export', work, '--format', 'onx']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format must be one of .*onnx/);
  });
});

describe('Python onnx.checker and onnxruntime accept every exported file', () => {
  const py = referencePython(['onnx', 'onnxruntime', 'numpy']);
  test('one Python process checks all files and reproduces kerats\' outputs', { skip: py.skip }, () => {
    assert.ok(checked.length >= 7, `only ${checked.length} files were exported`);
    const manifest = path.join(work, 'onnx-manifest.json');
    writeFileSync(manifest, JSON.stringify(checked));
    const r = runPython(py.python as string, [path.join(ROOT, 'test', 'python', 'onnx_check.py'), manifest]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const results = JSON.parse(r.stdout) as { file: string; max_diff: number; classes: string | null }[];
    assert.equal(results.length, checked.length);
    // Python's onnxruntime reads the label vocabulary from the metadata.
    assert.equal(results.find((x) => x.file.includes('iris-mlp'))?.classes, JSON.stringify(['setosa', 'versicolor', 'virginica']));
    for (const res of results) assert.ok(res.max_diff <= TOLERANCE, `${res.file}: Python onnxruntime differs by ${res.max_diff}`);
  });
});
