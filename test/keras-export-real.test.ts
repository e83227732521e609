/**
 * `kerats export --format keras|h5|keras-json` checked by the real Keras 3 (the Python reference
 * venv, `npm run pyref`): a set of tiny trained runs is exported in every Keras format, one Python
 * process loads every file (load_model / model_from_json + weights) and predicts on the same raw
 * rows `kerats predict` gets; the predictions agree to 1e-4.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportModel } from '../src/cli/export.js';
import '../src/registry/layers/index.js';
import { loadModel } from '../src/saving/model-io.js';
import { referencePython, runPython } from '../src/util/python-ref.js';
import { kerats, ROOT, tempDir } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';

const ref = referencePython(['keras', 'h5py']);
const SCRIPT = path.join(ROOT, 'test', 'python', 'keras_load_check.py');
const FORMATS = ['keras', 'h5', 'keras-json'] as const;
const TOL = 1e-4;

type Rows = number[][];
/** Raw input for Keras: rows, or rows per named input. */
type KerasInput = Rows | Record<string, Rows>;

/** A deterministic stream of numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function table(header: string[], rows: (number | string)[][]): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

interface Case {
  name: string;
  config: string;
  /** CSV rows for `kerats predict` (table models) — else kerats predicts in-process from the run's model.json. */
  predictCsv?: string;
  /** What Keras gets (raw rows, shaped as the exported model's input). */
  kerasInput: KerasInput;
}

const dir = tempDir('kerats-keras-export-');
const rnd = lcg(3);

function reshapeRows(rows: Rows, shape: number[]): unknown[] {
  const nest = (flat: number[], dims: number[]): unknown => {
    if (dims.length <= 1) return flat;
    const [d, ...rest] = dims as [number, ...number[]];
    const step = flat.length / d;
    return Array.from({ length: d }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
  };
  return rows.map((r) => nest(r, shape));
}

function cases(): Case[] {
  const irisRows = readFileSync(path.join(ROOT, 'data', 'iris.csv'), 'utf8').trim().split('\n').slice(1, 7).map((l) => l.split(',').slice(0, 4).map(Number));
  const pixels = Array.from({ length: 24 }, () => Array.from({ length: 16 }, () => Math.round(rnd() * 255)));
  writeFileSync(path.join(dir, 'pixels.csv'), table([...Array.from({ length: 16 }, (_, i) => `p${i}`), 'label'], pixels.map((r, i) => [...r, i % 2])));
  const tokens = Array.from({ length: 24 }, () => Array.from({ length: 6 }, () => 1 + Math.floor(rnd() * 9)));
  writeFileSync(path.join(dir, 'tokens.csv'), table([...Array.from({ length: 6 }, (_, i) => `t${i}`), 'label'], tokens.map((r, i) => [...r, i % 2])));
  const seq = (n: number, t: number, f: number): Rows => Array.from({ length: n }, () => Array.from({ length: t * f }, () => rnd() * 2 - 1));
  const fit = 'compile: {optimizer: adam, loss: mse}\nfit: {epochs: 1, batch_size: 8}\n';
  const gruX = seq(4, 5, 3);
  const biX = seq(4, 5, 3);
  const trX = seq(3, 6, 4);
  const aX = seq(4, 1, 3);
  const bX = seq(4, 1, 2);
  return [
    {
      name: 'mlp-iris',
      config: `name: mlp\nseed: 1\ndata: {train: {csv: ${path.join(ROOT, 'data', 'iris.csv')}, label: species, preprocess: {'*': standardize}}}\n` +
        'model:\n  input_shape: [4]\n  layers:\n    - Dense: {units: 8, activation: relu}\n    - Dropout: 0.1\n    - Dense: {units: 3, activation: softmax}\n' +
        'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}\nfit: {epochs: 1, batch_size: 16}\n',
      predictCsv: table(['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], irisRows),
      kerasInput: irisRows,
    },
    {
      name: 'cnn',
      config: `name: cnn\nseed: 2\ndata: {train: {csv: ${path.join(dir, 'pixels.csv')}, label: label, preprocess: {'*': min_max}}}\n` +
        'model:\n  input_shape: [4, 4, 1]\n  layers:\n    - Conv2D: {filters: 3, kernel_size: 2, activation: relu}\n    - MaxPooling2D: 2\n    - BatchNormalization: {}\n    - Flatten\n    - Dense: {units: 2, activation: softmax}\n' +
        'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}\nfit: {epochs: 1, batch_size: 8}\n',
      predictCsv: table(Array.from({ length: 16 }, (_, i) => `p${i}`), pixels.slice(0, 5)),
      kerasInput: reshapeRows(pixels.slice(0, 5), [4, 4, 1]) as Rows,
    },
    {
      name: 'embedding-lstm',
      config: `name: lstm\nseed: 3\ndata: {train: {csv: ${path.join(dir, 'tokens.csv')}, label: label}}\n` +
        'model:\n  input_shape: [6]\n  layers:\n    - Embedding: {input_dim: 10, output_dim: 4}\n    - LSTM: {units: 5}\n    - Dense: {units: 2, activation: softmax}\n' +
        'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}\nfit: {epochs: 1, batch_size: 8}\n',
      predictCsv: table(Array.from({ length: 6 }, (_, i) => `t${i}`), tokens.slice(0, 5)),
      kerasInput: tokens.slice(0, 5),
    },
    {
      name: 'gru',
      config: 'name: gru\nseed: 4\ndata: {train: {synthetic: {samples: 16, x_shape: [5, 3], y_shape: [2]}}}\n' +
        'model:\n  input_shape: [5, 3]\n  layers:\n    - GRU: {units: 4, return_sequences: true}\n    - GRU: {units: 3}\n    - Dense: {units: 2}\n' + fit,
      kerasInput: reshapeRows(gruX, [5, 3]) as Rows,
    },
    {
      name: 'bidirectional',
      config: 'name: bi\nseed: 5\ndata: {train: {synthetic: {samples: 16, x_shape: [5, 3], y_shape: [1]}}}\n' +
        'model:\n  input_shape: [5, 3]\n  layers:\n    - Bidirectional: {layer: {LSTM: {units: 3, return_sequences: true}}}\n    - Bidirectional: {layer: {GRU: {units: 2}}, merge_mode: sum}\n    - Dense: {units: 1}\n' + fit,
      kerasInput: reshapeRows(biX, [5, 3]) as Rows,
    },
    {
      name: 'transformer',
      config: 'name: transformer\nseed: 6\ndata: {train: {synthetic: {samples: 16, inputs: {x: {x_shape: [6, 4]}}, outputs: {out: {classes: 3}}}}}\n' +
        'model:\n  inputs: [{name: x, shape: [6, 4]}]\n  layers:\n' +
        '    - MultiHeadAttention: {num_heads: 2, key_dim: 2, inputs: [x, x], name: mha}\n' +
        '    - Add: {inputs: [x, mha], name: add1}\n    - LayerNormalization: {epsilon: 1.0e-6, name: norm1}\n' +
        '    - Dense: {units: 8, activation: relu, name: ff1}\n    - Dense: {units: 4, name: ff2}\n' +
        '    - Add: {inputs: [norm1, ff2], name: add2}\n    - LayerNormalization: {epsilon: 1.0e-6, name: norm2}\n' +
        '    - GlobalAveragePooling1D: {name: pool}\n    - Dense: {units: 3, activation: softmax, name: out}\n  outputs: [out]\n' +
        'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}\nfit: {epochs: 1, batch_size: 8}\n',
      kerasInput: reshapeRows(trX, [6, 4]) as Rows,
    },
    {
      name: 'multi-input',
      config: 'name: multi\nseed: 7\ndata: {train: {synthetic: {samples: 16, inputs: {a: {x_shape: [3]}, b: {x_shape: [2]}}, outputs: {out: {y_shape: [1]}}}}}\n' +
        'model:\n  inputs: [{name: a, shape: [3]}, {name: b, shape: [2]}]\n  layers:\n' +
        '    - Dense: {units: 4, activation: tanh, inputs: a, name: da}\n    - Concatenate: {inputs: [da, b], name: cat}\n' +
        '    - Dense: {units: 3, activation: relu, name: hidden}\n    - Dense: {units: 1, name: out}\n  outputs: [out]\n' + fit,
      kerasInput: { a: aX, b: bX },
    },
  ];
}

/** Numbers of a `kerats predict -o out.json` row, in column order (class names skipped). */
function numericRows(file: string): Rows {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
  return rows.map((r) => Object.values(r).filter((v): v is number => typeof v === 'number'));
}

/** The run's model (what `kerats predict` loads) on the raw input. */
async function predictInProcess(run: string, x: KerasInput): Promise<Rows> {
  await tf.setBackend('cpu');
  const model = await loadModel(path.join(run, 'model.json'));
  try {
    const tensorOf = (rows: Rows, shape: (number | null)[]): tf.Tensor => tf.tensor(rows.flat(Infinity as 1) as number[], [rows.length, ...shape.slice(1).map((d) => d ?? 1)]);
    const input = Array.isArray(x)
      ? tensorOf(x, model.inputs[0]?.shape ?? [])
      : model.inputs.map((inp, i) => tensorOf(x[model.inputNames[i] as string] ?? [], inp.shape));
    const y = model.predict(input) as tf.Tensor;
    const out = (await y.array()) as Rows;
    tf.dispose([input, y]);
    return out.map((r) => r.flat(Infinity as 1) as number[]);
  } finally {
    model.dispose();
  }
}

interface KerasAnswer {
  ok: boolean;
  error?: string;
  pred?: unknown;
  params?: number;
  layers?: string[];
  keras_version?: string;
}

function maxDiff(a: Rows, b: Rows): number {
  assert.equal(a.length, b.length, 'row count');
  let m = 0;
  a.forEach((r, i) => {
    const s = b[i] ?? [];
    assert.equal(r.length, s.length, `row ${i} width`);
    r.forEach((v, j) => (m = Math.max(m, Math.abs(v - (s[j] ?? NaN)))));
  });
  return m;
}

describe('kerats export → real Keras 3 load_model / model_from_json', { skip: ref.skip }, () => {
  const expected = new Map<string, { rows: Rows; params: number }>();
  let answers: Record<string, KerasAnswer> = {};
  const all = ref.skip ? [] : cases();

  before(async () => {
    await tf.setBackend('cpu');
    const jobs: unknown[] = [];
    for (const c of all) {
      const cfg = path.join(dir, `${c.name}.yaml`);
      writeFileSync(cfg, c.config);
      const run = path.join(dir, `run-${c.name}`);
      // The binary for the first model (train, export, predict: its output and exit codes); the
      // CLI's main in this process for the rest, the same code without a Node and TensorFlow.js
      // start-up per command (a second of CPU each).
      const first = c === all[0];
      const cli = first ? kerats : (args: string[]) => runMain([...args, '--backend', 'cpu']);
      const t = await cli(['train', cfg, '--out', run, '--quiet']);
      assert.equal(t.code, 0, `${c.name} train: ${t.stderr}`);
      let params = 0;
      for (const f of FORMATS) {
        if (first && f === 'keras') {
          const r = await kerats(['export', run, '--format', f, '--json']);
          assert.equal(r.code, 0, `${c.name} export ${f}: ${r.stderr}`);
          params = (JSON.parse(r.stdout) as { params: number }).params;
        } else params = (await exportModel(run, f)).params;
      }
      let rows: Rows;
      if (c.predictCsv) {
        const csv = path.join(dir, `${c.name}-rows.csv`);
        writeFileSync(csv, c.predictCsv);
        const out = path.join(dir, `${c.name}-pred.json`);
        const p = await cli(['predict', run, csv, '-o', out]);
        assert.equal(p.code, 0, `${c.name} predict: ${p.stderr}`);
        rows = numericRows(out);
      } else rows = await predictInProcess(run, c.kerasInput);
      expected.set(c.name, { rows, params });
      const ex = path.join(run, 'export');
      jobs.push(
        { id: `${c.name}/keras`, kind: 'keras', path: path.join(ex, 'model.keras'), x: c.kerasInput },
        { id: `${c.name}/h5`, kind: 'h5', path: path.join(ex, 'model.h5'), x: c.kerasInput },
        { id: `${c.name}/keras-json`, kind: 'json', path: path.join(ex, 'keras_model.json'), weights: path.join(ex, 'model.h5'), x: c.kerasInput },
      );
    }
    const jobsFile = path.join(dir, 'jobs.json');
    writeFileSync(jobsFile, JSON.stringify(jobs));
    const py = runPython(ref.python as string, [SCRIPT, jobsFile]);
    assert.equal(py.status, 0, py.stderr);
    answers = JSON.parse(py.stdout) as Record<string, KerasAnswer>;
  });

  for (const name of ['mlp-iris', 'cnn', 'embedding-lstm', 'gru', 'bidirectional', 'transformer', 'multi-input']) {
    for (const f of FORMATS) {
      it(`${name}: Keras 3 loads the ${f} export and predicts what kerats predicts (<= ${TOL})`, () => {
        const a = answers[`${name}/${f}`];
        assert.ok(a?.ok, `Keras could not load it: ${a?.error}`);
        const want = expected.get(name);
        assert.ok(want);
        const pred = (a.pred as Rows).map((r) => (Array.isArray(r) ? (r.flat(Infinity as 1) as number[]) : [r as number]));
        const d = maxDiff(pred, want.rows);
        assert.ok(d <= TOL, `max difference ${d} (Keras ${JSON.stringify(pred[0])}, kerats ${JSON.stringify(want.rows[0])})`);
        // Preprocessing layers hold no weights: the same parameter count as kerats' model.
        assert.equal(a.params, want.params);
      });
    }
  }

  it('the MLP trained on standardised Iris columns takes raw measurements: a Normalization layer comes first', () => {
    assert.deepEqual(answers['mlp-iris/keras']?.layers?.slice(0, 2), ['Normalization', 'Dense']);
    assert.equal(answers['mlp-iris/keras']?.keras_version?.startsWith('3.'), true);
  });
});
