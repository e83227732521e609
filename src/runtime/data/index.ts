/**
 * The data layer: config data sources (tables, arrays, image folders, synthetic data) to tensors,
 * and the preprocessing state that lets evaluate/predict encode new data exactly like the
 * training data.
 */
import { readFile } from 'node:fs/promises';
import type { CsvSource, DataSource, DataSpec, SourceLocation, SyntheticSource } from '../../config/types.js';
import { ConfigError, DataError } from '../../util/errors.js';
import { type Arrays, sampleShape, size, targetMap, toExamples, validationSplit } from './arrays.js';
import { loadDatasetData } from './datasets/index.js';
import { isMultiSynthetic, loadMultiSynthetic } from './synthetic-multi.js';
import { encodeIds } from './labels.js';
import { arrayLater, arrayTraining, imageLater, imageTraining } from './sources.js';
import { classificationTeacher, mixSeed, regressionTeacher, sample, type Teacher } from './synthetic.js';
import { type DataState, type LaterOptions, type LaterTable, tableLater, tableTraining } from './table-source.js';
import type { LoadedData, PreprocessingState, TargetEncoding, TensorMap } from './types.js';
import * as tf from '@tensorflow/tfjs';

export type { CsvData } from './csv.js';
export type { DataState, LaterTable } from './table-source.js';

export interface LoadOptions {
  /** How labels become targets (from the loss: `targetEncodingFor`). */
  encoding: TargetEncoding;
  /** Multi-output models (`label: {output: column}`): each output's encoding, from its loss; `encoding` when absent. */
  encodingFor?: (output: string) => TargetEncoding;
  /** The model's output layer names: a label map (`label: {output: column}`) must name exactly these. */
  outputNames?: string[];
  /** The model's input shape without the batch axis; x is reshaped to it. */
  inputShape?: (number | null)[];
  /** The config's seed: the default seed of synthetic sources. */
  seed?: number;
}

/** Loads train (and validation / test) data as float32 tensors, plus the preprocessing state. */
export async function loadData(spec: DataSpec, opts: LoadOptions): Promise<LoadedData> {
  const split = spec.validationSplit ?? 0;
  if (spec.validation && split > 0) {
    throw new ConfigError({
      message: 'give either validation_split or a validation data source, not both',
      loc: spec.validation.loc,
    });
  }

  // Named synthetic inputs/outputs (functional models) are generated as maps by name.
  if (isMultiSynthetic(spec.train)) return loadMultiSynthetic(spec, opts);
  // Built-in datasets bring their own splits (the datasets module handles validation and test).
  if (spec.train.kind === 'dataset') return loadDatasetData(spec, spec.train, opts);
  const trained = await loadTraining(spec.train, opts, split);
  let train = trained.arrays;
  let validation: Arrays | undefined;
  if (split > 0) ({ train, validation } = validationSplit(train, split, spec.train.loc));
  else if (spec.validation) validation = await loadLater(spec.validation, trained, opts, 1);
  const test = spec.test ? await loadLater(spec.test, trained, opts, 2) : undefined;

  return {
    train: toExamples(train),
    ...(validation ? { validation: toExamples(validation) } : {}),
    ...(test ? { test: toExamples(test) } : {}),
    preprocessing: trained.state,
    ...(trained.state.numClasses !== undefined ? { numClasses: trained.state.numClasses } : {}),
  };
}

/** What training-data loading produces besides the arrays: the state, and the synthetic task. */
interface Trained {
  arrays: Arrays;
  state: DataState;
  teacher?: { source: SyntheticSource; teacher: Teacher; seed: number };
}

async function loadTraining(src: DataSource, opts: LoadOptions, split: number): Promise<Trained> {
  if (src.kind === 'synthetic') return syntheticTraining(src, opts);
  if (src.kind === 'arrays') return arrayTraining(src, opts.encoding, opts.inputShape);
  if (src.kind === 'images') return imageTraining(src, opts.encoding, opts.inputShape);
  if (src.kind === 'dataset') throw new DataError({ message: 'a built-in dataset can only be the training source', loc: src.loc });
  return tableTraining(await readSource(src), src, { encoding: opts.encoding, inputShape: opts.inputShape, validationSplit: split, ...(opts.encodingFor ? { encodingFor: opts.encodingFor } : {}), ...(opts.outputNames ? { outputNames: opts.outputNames } : {}) });
}

/** Validation or test data, encoded with the training state. `role` separates synthetic sample streams. */
async function loadLater(src: DataSource, trained: Trained, opts: LoadOptions, role: number): Promise<Arrays> {
  const kindOf = (s: PreprocessingState & DataState): string => (s.image ? 'images' : s.arrays ? 'arrays' : trained.teacher ? 'synthetic' : 'csv');
  const trainedKind = kindOf(trained.state);
  if (src.kind !== 'synthetic' && src.kind !== trainedKind) {
    if (src.kind === 'dataset') throw new DataError({ message: 'a built-in dataset cannot be the validation or test source of other training data', loc: src.loc });
    throw new DataError({ message: `validation and test data must be the same kind of source as the training data (${trainedKind}), got ${src.kind}`, loc: src.loc });
  }
  if (src.kind === 'csv') {
    return tableLater(await readSource(src), src.given, withLayout(trained.state, src), { inputShape: opts.inputShape, labels: 'required', ...(src.loc ? { loc: src.loc } : {}) }).arrays;
  }
  if (src.kind === 'arrays') return arrayLater(src, trained.state, opts.inputShape, true);
  if (src.kind === 'images') return imageLater(src, trained.state, opts.inputShape);
  if (src.kind === 'dataset') throw new DataError({ message: 'a built-in dataset cannot be the validation or test source of other training data', loc: src.loc });
  const t = trained.teacher;
  if (!t) {
    throw new DataError({
      message: 'synthetic validation or test data needs synthetic training data (the same task); use a CSV file here',
      loc: src.loc,
    });
  }
  const synthShape = (s: { xShape?: unknown; classes?: unknown; yShape?: unknown }) =>
    `x_shape ${JSON.stringify(s.xShape ?? null)}, classes ${JSON.stringify(s.classes ?? null)}, y_shape ${JSON.stringify(s.yShape ?? null)}`;
  const same =
    JSON.stringify(src.xShape) === JSON.stringify(t.source.xShape) &&
    src.classes === t.source.classes &&
    JSON.stringify(src.yShape) === JSON.stringify(t.source.yShape);
  if (!same) {
    throw new DataError({
      message:
        'synthetic validation or test data must have the same x_shape, classes and y_shape as the training data ' +
        `(training: ${synthShape(t.source)}; here: ${synthShape(src)})`,
      loc: src.loc,
    });
  }
  const seed = mixSeed(src.seed ?? t.seed, role);
  return syntheticArrays(t.teacher, src, seed, trained.state, opts);
}

/** A validation/test table may declare its own layout (delimiter, header); the fitted transforms stay the training ones. */
function withLayout(state: DataState, src: CsvSource): DataState {
  if (!state.table) return state;
  const table = { ...state.table };
  if (src.format !== undefined) table.format = src.format;
  if (src.delimiter !== undefined) table.delimiter = src.delimiter;
  if (src.header !== undefined) table.header = src.header;
  if (src.columns) table.columns = src.columns;
  return { ...state, table, ...(src.sampleWeight !== undefined ? { sample_weight: src.sampleWeight } : {}) };
}

function syntheticTraining(src: SyntheticSource, opts: LoadOptions): Trained {
  checkSynthetic(src);
  const seed = src.seed ?? opts.seed ?? 0;
  const dim = size(src.xShape);
  let teacher: Teacher;
  let numClasses: number | undefined;
  if (opts.encoding === 'regression') {
    teacher = regressionTeacher(dim, size(src.yShape ?? [1]), seed);
  } else {
    numClasses = src.classes ?? (opts.encoding === 'binary' ? 2 : undefined);
    if (numClasses === undefined) {
      throw new DataError({ message: 'synthetic data for a classification loss needs `classes` (the number of classes)', loc: src.loc });
    }
    if (opts.encoding === 'binary' && numClasses !== 2) {
      throw new DataError({ message: `a binary loss needs 2 classes, but the synthetic data has classes: ${numClasses}`, loc: src.loc });
    }
    teacher = classificationTeacher(dim, numClasses, seed);
  }
  const state: PreprocessingState = {
    // Generated column names, so a model trained on synthetic data can still predict from a CSV.
    features: Array.from({ length: dim }, (_, i) => `x${i}`),
    label: 'y',
    ...(numClasses !== undefined ? { numClasses } : {}),
    encoding: opts.encoding,
  };
  const arrays = syntheticArrays(teacher, src, mixSeed(seed, 0), state, opts);
  return { arrays, state, teacher: { source: src, teacher, seed } };
}

function syntheticArrays(teacher: Teacher, src: SyntheticSource, seed: number, state: PreprocessingState, opts: LoadOptions): Arrays {
  checkSynthetic(src);
  const { x, y } = sample(teacher, src.samples, seed);
  const xShape = sampleShape(teacher.dim, src.xShape, opts.inputShape, `the synthetic x_shape [${src.xShape.join(', ')}] has ${teacher.dim}`, src.loc);
  if (state.encoding === 'regression') return { n: src.samples, x, xShape, y, yShape: src.yShape ?? [1] };
  const t = encodeIds(y, state.encoding, state.numClasses ?? 0);
  return { n: src.samples, x, xShape, y: t.y, yShape: t.sampleShape };
}

function checkSynthetic(src: SyntheticSource): void {
  const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  const bad =
    !positiveInt(src.samples)
      ? `samples must be a positive integer, got ${String(src.samples)}`
      : !src.xShape.every(positiveInt) || src.xShape.length === 0
        ? `x_shape must be a list of positive integers, got [${src.xShape.join(', ')}]`
        : src.classes !== undefined && !positiveInt(src.classes)
          ? `classes must be a positive integer, got ${String(src.classes)}`
          : src.yShape !== undefined && !src.yShape.every(positiveInt)
            ? `y_shape must be a list of positive integers, got [${src.yShape.join(', ')}]`
            : undefined;
  if (bad) throw new DataError({ message: `synthetic data: ${bad}`, loc: src.loc });
  // Refuse sizes no typed array can hold before allocating any (2^28 floats = 1 GiB per array).
  const cells = Math.max(src.samples * src.xShape.reduce((a, b) => a * b, 1), src.samples * (src.yShape ?? [1]).reduce((a, b) => a * b, 1), (src.classes ?? 0) * src.xShape.reduce((a, b) => a * b, 1));
  if (cells > 2 ** 28) {
    throw new DataError({ message: `synthetic data: ${src.samples.toLocaleString('en-US')} samples of shape [${src.xShape.join(', ')}] is ${cells.toLocaleString('en-US')} values, over the limit of ${(2 ** 28).toLocaleString('en-US')}; use fewer samples or a smaller x_shape`, loc: src.loc });
  }
}

/** Reads a text file; a missing or unreadable file is a DataError pointing at the config. */
export async function readSource(src: { path: string; given: string; loc?: SourceLocation }): Promise<string> {
  try {
    return await readFile(src.path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `file not found (looked for ${src.path})`
        : code === 'EISDIR'
          ? `is a directory, not a CSV file (${src.path})`
          : code === 'EACCES'
            ? `cannot be read: permission denied (${src.path})`
            : `cannot be read: ${(e as Error).message}`;
    throw new DataError({ message: `${src.given}: ${why}`, loc: src.loc });
  }
}

export interface PreprocessOptions {
  /** The model's input shape without the batch axis. */
  inputShape?: (number | null)[];
  /** evaluate: the label column must be there; predict: labels are used when present. */
  labels?: 'required' | 'optional';
  /** Where the file was named (command line or config), for missing-column errors. */
  loc?: SourceLocation;
}

/** x, and y when the file has the label column(s) (a map by output name for several outputs). */
export interface PreprocessedCsv {
  x: tf.Tensor;
  y?: tf.Tensor | TensorMap;
  /** Per-row weights, when the model was trained with a sample_weight column and the file has it. */
  sampleWeight?: tf.Tensor;
  size: number;
  /** The label cells as written, when present (predict can show them next to predictions). */
  labels?: string[];
}

/**
 * Encodes a new table (evaluate, predict) the way the training data was: the saved feature columns
 * in the saved order (extra columns ignored, column order free), the saved transforms and class
 * ids. `file` is the name shown in messages.
 */
export function applyPreprocessing(text: string, file: string, state: PreprocessingState, opts: PreprocessOptions = {}): PreprocessedCsv {
  const t = prepareTable(text, file, state, { labels: opts.labels ?? 'optional', ...(opts.inputShape ? { inputShape: opts.inputShape } : {}), ...(opts.loc ? { loc: opts.loc } : {}) });
  const a = t.arrays;
  const x = tf.tensor(a.x, [a.n, ...a.xShape], 'float32');
  const sampleWeight = a.w ? { sampleWeight: tf.tensor1d(a.w, 'float32') } : {};
  if (a.ys) return { x, y: targetMap(a.ys, a.n), ...sampleWeight, size: a.n };
  if (!t.labels || a.y.length === 0) return { x, size: a.n };
  return { x, y: tf.tensor(a.y, [a.n, ...a.yShape], 'float32'), ...sampleWeight, size: a.n, labels: t.labels };
}

/** The full result of reading a later table: arrays, raw labels, pass-through columns, line numbers. */
export function prepareTable(text: string, file: string, state: PreprocessingState, opts: LaterOptions): LaterTable {
  return tableLater(text, file, state as DataState, opts);
}

/** `applyPreprocessing` on a file (`given` is the path as the user wrote it). */
export async function applyPreprocessingFile(
  src: { path: string; given: string; loc?: SourceLocation },
  state: PreprocessingState,
  opts: PreprocessOptions = {},
): Promise<PreprocessedCsv> {
  const ds = state as DataState;
  const loc = opts.loc ?? src.loc;
  // Image and array runs: a class-per-subfolder folder, or an .npz (x and y) / .npy / IDX file.
  if (ds.image || ds.arrays) {
    const a = ds.image
      ? await imageLater({ kind: 'images', path: src.path, given: src.given, imageSize: ds.image.image_size, colorMode: ds.image.color_mode, ...(loc ? { loc } : {}) }, ds, opts.inputShape)
      : await arrayLater(
          { kind: 'arrays', format: /\.npz$/i.test(src.path) ? 'npz' : /\.npy$/i.test(src.path) ? 'npy' : 'idx', path: src.path, given: src.given, ...(loc ? { loc } : {}) },
          ds,
          opts.inputShape,
          true,
        );
    const x = tf.tensor(a.x, [a.n, ...a.xShape], 'float32');
    if (a.y.length === 0) {
      if (opts.labels === 'required') throw new DataError({ message: `${src.given} has no labels (use an .npz holding x and y, or a folder of class subfolders)`, loc });
      return { x, size: a.n };
    }
    return { x, y: tf.tensor(a.y, [a.n, ...a.yShape], 'float32'), size: a.n };
  }
  return applyPreprocessing(await readSource(src), src.given, state, { ...opts, ...(loc ? { loc } : {}) });
}
