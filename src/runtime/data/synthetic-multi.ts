/**
 * Synthetic data for models with several named inputs and outputs (functional models), so such
 * configs train offline:
 *
 *   data:
 *     train:
 *       synthetic:
 *         samples: 64
 *         inputs: {main_input: {x_shape: [100], int_max: 10000}, aux_input: {x_shape: [5]}}
 *         outputs: {main_output: {classes: 2}, aux_output: {classes: 2}}
 *
 * Inputs are uniform in [0, 1), or integers in [0, int_max) (token ids for an Embedding). Each
 * output is a function of all inputs (a fixed random projection, drawn from the seed), so the
 * task is learnable: `classes` buckets the projection into classes (encoded as that output's own
 * loss wants: see encodeOutput),
 * `y_shape` gives regression targets, `copy_of: INPUT` repeats an input (autoencoders).
 * One input (or output) gives a plain tensor, several give a map by name.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataSpec, SyntheticSource } from '../../config/types.js';
import { ConfigError } from '../../util/errors.js';
import { Prng } from '../../util/prng.js';
import { mixSeed } from './synthetic.js';
import type { Examples, LoadedData, TargetEncoding, TensorMap } from './types.js';

export interface SyntheticInput {
  xShape: number[];
  /** Integer inputs in [0, intMax) (int32 token ids). */
  intMax?: number;
}

export interface SyntheticOutput {
  classes?: number;
  yShape?: number[];
  /** The target is this input, unchanged (autoencoders). */
  copyOf?: string;
}

/** A synthetic source with named inputs or outputs. */
export function isMultiSynthetic(s: { kind: string }): s is SyntheticSource & { inputs?: Record<string, SyntheticInput>; outputs?: Record<string, SyntheticOutput> } {
  const m = s as Partial<{ inputs: unknown; outputs: unknown }>;
  return s.kind === 'synthetic' && (m.inputs !== undefined || m.outputs !== undefined);
}

type MultiSource = SyntheticSource & { inputs?: Record<string, SyntheticInput>; outputs?: Record<string, SyntheticOutput> };

const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);

interface Generated {
  x: Record<string, Float32Array>;
  y: Record<string, Float32Array>;
  /** Each output's per-sample label shape, as its loss wants it. */
  yShapes: Record<string, number[]>;
  n: number;
}

/** The per-sample shape of one (non-copy) output's labels for its loss's encoding (see encodeOutput). */
export function syntheticLabelShape(spec: SyntheticOutput, encoding: TargetEncoding): number[] {
  if (spec.classes === undefined) return spec.yShape ?? [1];
  const k = spec.classes;
  // Two classes under a binary or regression loss are one 0/1 value (a single sigmoid unit).
  return encoding === 'sparse' || (encoding !== 'categorical' && k <= 2) ? [1] : [k];
}

/**
 * One output's labels in the form its own loss needs (Keras takes them as given, so this is the
 * data's job): class ids [1] for sparse_categorical_crossentropy, one-hot [classes] for
 * categorical_crossentropy, 0/1 for a binary or regression loss on classes ([1] with 2 classes,
 * one column per class with more), floats of the y_shape for regression (0/1 of the y_shape for a
 * binary loss). `score` is each sample's projection; `ids` its class (with `classes`).
 */
function encodeOutput(ids: number[] | undefined, score: Float32Array, spec: SyntheticOutput, encoding: TargetEncoding, noise: () => number): { y: Float32Array; shape: number[] } {
  const n = score.length;
  const shape = syntheticLabelShape(spec, encoding);
  if (ids && spec.classes !== undefined) {
    const k = spec.classes;
    if (shape.length === 1 && shape[0] === 1) return { y: Float32Array.from(ids), shape };
    const oh = new Float32Array(n * k);
    ids.forEach((id, s) => { oh[s * k + id] = 1; });
    return { y: oh, shape };
  }
  const dim = prod(shape);
  const a = new Float32Array(n * dim);
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < dim; k++) {
      const v = (score[s] as number) * (k % 2 === 0 ? 1 : -1);
      // A binary loss on a y_shape: each unit is 1 where its (signed) projection is positive.
      a[s * dim + k] = encoding === 'binary' ? (v > 0 ? 1 : 0) : v + 0.05 * noise();
    }
  }
  return { y: a, shape };
}

/** The fixed task: one projection per output over all inputs' values. */
interface Task {
  weights: Record<string, Record<string, Float32Array>>;
}

function inputsOf(src: MultiSource): Record<string, SyntheticInput> {
  return src.inputs ?? { input: { xShape: src.xShape } };
}

function outputsOf(src: MultiSource): Record<string, SyntheticOutput> {
  if (src.outputs) return src.outputs;
  const o: SyntheticOutput = {};
  if (src.classes !== undefined) o.classes = src.classes;
  if (src.yShape !== undefined) o.yShape = src.yShape;
  return { output: o };
}

function makeTask(src: MultiSource, seed: number): Task {
  const rng = new Prng(mixSeed(seed, 200));
  const weights: Task['weights'] = {};
  for (const [o] of Object.entries(outputsOf(src))) {
    weights[o] = {};
    for (const [i, spec] of Object.entries(inputsOf(src))) {
      const w = new Float32Array(prod(spec.xShape));
      for (let k = 0; k < w.length; k++) w[k] = rng.normal() / Math.sqrt(w.length);
      (weights[o] as Record<string, Float32Array>)[i] = w;
    }
  }
  return { weights };
}

function generate(src: MultiSource, task: Task, n: number, seed: number, encodingOf: (output: string) => TargetEncoding): Generated {
  const rng = new Prng(seed);
  const ins = inputsOf(src);
  const x: Record<string, Float32Array> = {};
  for (const [name, spec] of Object.entries(ins)) {
    const a = new Float32Array(n * prod(spec.xShape));
    for (let k = 0; k < a.length; k++) a[k] = spec.intMax !== undefined ? rng.int(spec.intMax) : rng.next();
    x[name] = a;
  }
  const y: Record<string, Float32Array> = {};
  const yShapes: Record<string, number[]> = {};
  for (const [o, spec] of Object.entries(outputsOf(src))) {
    if (spec.copyOf !== undefined) {
      const from = x[spec.copyOf];
      if (!from) throw new ConfigError({ message: `synthetic output "${o}": copy_of "${spec.copyOf}" is not one of the inputs (${Object.keys(ins).join(', ')})`, loc: src.loc });
      y[o] = from.slice();
      yShapes[o] = ins[spec.copyOf]?.xShape ?? [];
      continue;
    }
    // The projection of each sample, centred so classes come out balanced-ish.
    const score = new Float32Array(n);
    for (const [i, inSpec] of Object.entries(ins)) {
      const w = task.weights[o]?.[i] as Float32Array;
      const xi = x[i] as Float32Array;
      const d = w.length;
      const scale = inSpec.intMax !== undefined ? 1 / inSpec.intMax : 1;
      for (let s = 0; s < n; s++) {
        let acc = 0;
        for (let k = 0; k < d; k++) acc += (w[k] as number) * ((xi[s * d + k] as number) * scale - 0.5);
        score[s] = (score[s] as number) + acc;
      }
    }
    let ids: number[] | undefined;
    if (spec.classes !== undefined) {
      const sorted = Array.from(score).sort((a, b) => a - b);
      const k = spec.classes;
      const cuts = Array.from({ length: k - 1 }, (_, c) => sorted[Math.floor(((c + 1) * n) / k)] as number);
      ids = Array.from(score, (v) => cuts.filter((c) => v >= c).length);
    }
    const enc = encodeOutput(ids, score, spec, encodingOf(o), () => rng.normal());
    y[o] = enc.y;
    yShapes[o] = enc.shape;
  }
  return { x, y, yShapes, n };
}

function toTensors(src: MultiSource, g: Generated, from: number, to: number): Examples {
  const ins = inputsOf(src);
  const outs = outputsOf(src);
  const n = to - from;
  const x: TensorMap = {};
  for (const [name, spec] of Object.entries(ins)) {
    const d = prod(spec.xShape);
    x[name] = tf.tensor((g.x[name] as Float32Array).subarray(from * d, to * d), [n, ...spec.xShape], spec.intMax !== undefined ? 'int32' : 'float32');
  }
  const y: TensorMap = {};
  for (const name of Object.keys(outs)) {
    const shape = g.yShapes[name] ?? [1];
    const d = prod(shape);
    y[name] = tf.tensor((g.y[name] as Float32Array).subarray(from * d, to * d), [n, ...shape], 'float32');
  }
  const single = (m: TensorMap): tf.Tensor | TensorMap => {
    const vals = Object.values(m);
    return vals.length === 1 ? (vals[0] as tf.Tensor) : m;
  };
  return { x: src.inputs && Object.keys(ins).length > 1 ? x : single(x), y: Object.keys(outs).length > 1 ? y : single(y), size: n };
}

/** Loads a data spec whose training source is a multi-input / multi-output synthetic source. */
export function loadMultiSynthetic(spec: DataSpec, opts: { encoding: TargetEncoding; encodingFor?: (output: string) => TargetEncoding; seed?: number }): LoadedData {
  const train = spec.train as MultiSource;
  const seed = train.seed ?? opts.seed ?? 0;
  const task = makeTask(train, seed);
  // Each output's labels follow its own loss (a sparse head and a one-hot head in one model).
  const encodingOf = (o: string): TargetEncoding => opts.encodingFor?.(o) ?? opts.encoding;
  const gen = (src: MultiSource, role: number): Generated => generate(src, task, src.samples, mixSeed(src.seed ?? seed, role), encodingOf);
  const g = gen(train, 0);
  const split = spec.validationSplit ?? 0;
  const cut = split > 0 ? Math.floor(g.n * (1 - split)) : g.n;
  const later = (src: DataSpec['validation'], role: number): Examples | undefined => {
    if (!src) return undefined;
    if (!isMultiSynthetic(src)) throw new ConfigError({ message: 'with named synthetic inputs/outputs for training, validation and test data must be synthetic with the same inputs and outputs', loc: src.loc });
    const s = { ...train, samples: src.samples, ...(src.seed !== undefined ? { seed: src.seed } : {}) };
    const gl = gen(s, role);
    return toTensors(train, gl, 0, gl.n);
  };
  const classes = Object.values(outputsOf(train)).map((o) => o.classes).find((c) => c !== undefined);
  const validation = split > 0 ? toTensors(train, g, cut, g.n) : later(spec.validation, 1);
  const test = later(spec.test, 2);
  return {
    train: toTensors(train, g, 0, cut),
    ...(validation ? { validation } : {}),
    ...(test ? { test } : {}),
    preprocessing: { features: Object.keys(inputsOf(train)), encoding: opts.encoding, ...(classes !== undefined ? { numClasses: classes } : {}) },
    ...(classes !== undefined ? { numClasses: classes } : {}),
  };
}
