/**
 * The data layer: config data sources (CSV files with a header, synthetic data) to tensors, and
 * the preprocessing state that lets evaluate/predict encode new CSVs exactly like the training data.
 */
import { readFile } from 'node:fs/promises';
import type { DataSource, DataSpec, SourceLocation, SyntheticSource } from '../../config/types.js';
import { ConfigError, DataError } from '../../util/errors.js';
import { type Arrays, sampleShape, size, toExamples, validationSplit } from './arrays.js';
import { savedPlan, trainingPlan } from './columns.js';
import { type CsvData, parseCsv } from './csv.js';
import { encodeIds, encodeLabels, fitLabels, type LabelSource } from './labels.js';
import { classificationTeacher, mixSeed, regressionTeacher, sample, type Teacher } from './synthetic.js';
import type { LoadedData, PreprocessingState, TargetEncoding } from './types.js';
import * as tf from '@tensorflow/tfjs';

export type { CsvData } from './csv.js';

export interface LoadOptions {
  /** How labels become targets (from the loss: `targetEncodingFor`). */
  encoding: TargetEncoding;
  /** The model's input shape without the batch axis; x is reshaped to it. */
  inputShape?: number[];
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

  const trained = await loadTraining(spec.train, opts);
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
  state: PreprocessingState;
  teacher?: { source: SyntheticSource; teacher: Teacher; seed: number };
}

async function loadTraining(src: DataSource, opts: LoadOptions): Promise<Trained> {
  if (src.kind === 'synthetic') return syntheticTraining(src, opts);
  let featureNames: string[] = [];
  const csv = parseCsv(await readSource(src), src.given, (header) => {
    const plan = trainingPlan(header, src.given, src.label, src.features, src.loc);
    featureNames = plan.featureNames;
    return plan;
  });
  const labelSrc = labelSource(csv, src.label);
  const vocab = fitLabels(csv.labels ?? [], labelSrc, opts.encoding);
  const state: PreprocessingState = {
    features: featureNames,
    label: src.label,
    ...(vocab.classes ? { classes: vocab.classes } : {}),
    ...(vocab.numClasses !== undefined ? { numClasses: vocab.numClasses } : {}),
    encoding: opts.encoding,
  };
  return { arrays: csvArrays(csv, state, opts.inputShape, src.loc, true), state };
}

/** Validation or test data, encoded with the training state. `role` separates synthetic sample streams. */
async function loadLater(src: DataSource, trained: Trained, opts: LoadOptions, role: number): Promise<Arrays> {
  if (src.kind === 'csv') {
    const csv = parseCsv(await readSource(src), src.given, (header) =>
      savedPlan(header, src.given, trained.state.features, trained.state.label, true, src.loc),
    );
    return csvArrays(csv, trained.state, opts.inputShape, src.loc, true);
  }
  const t = trained.teacher;
  if (!t) {
    throw new DataError({
      message: 'synthetic validation or test data needs synthetic training data (the same task); use a CSV file here',
      loc: src.loc,
    });
  }
  const same =
    JSON.stringify(src.xShape) === JSON.stringify(t.source.xShape) &&
    src.classes === t.source.classes &&
    JSON.stringify(src.yShape) === JSON.stringify(t.source.yShape);
  if (!same) {
    throw new DataError({
      message: 'synthetic validation or test data must have the same x_shape, classes and y_shape as the training data',
      loc: src.loc,
    });
  }
  const seed = mixSeed(src.seed ?? t.seed, role);
  return syntheticArrays(t.teacher, src, seed, trained.state, opts);
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
}

/** Reads a CSV file; a missing or unreadable file is a DataError pointing at the config. */
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

function labelSource(csv: CsvData, label: string): LabelSource {
  const col = csv.header.indexOf(label);
  return { file: csv.file, column: label, col: col + 1, lines: csv.lines };
}

/** x (reshaped to the input shape) and, when the file has the label column, encoded y. */
function csvArrays(
  csv: CsvData,
  state: PreprocessingState,
  inputShape: number[] | undefined,
  loc: SourceLocation | undefined,
  withLabels: boolean,
): Arrays {
  const nf = state.features.length;
  const xShape = sampleShape(nf, [nf], inputShape, `${csv.file} has ${nf} feature column${nf === 1 ? '' : 's'}`, loc);
  if (!withLabels || !csv.labels || state.label === undefined) {
    return { n: csv.rows, x: csv.x, xShape, y: new Float32Array(0), yShape: [0] };
  }
  const t = encodeLabels(csv.labels, labelSource(csv, state.label), state.encoding, state);
  return { n: csv.rows, x: csv.x, xShape, y: t.y, yShape: t.sampleShape };
}

export interface PreprocessOptions {
  /** The model's input shape without the batch axis. */
  inputShape?: number[];
  /** evaluate: the label column must be there; predict: labels are used when present. */
  labels?: 'required' | 'optional';
  /** Where the file was named (command line or config), for missing-column errors. */
  loc?: SourceLocation;
}

/** x, and y when the file has the label column. */
export interface PreprocessedCsv {
  x: tf.Tensor;
  y?: tf.Tensor;
  size: number;
  /** The label cells as written, when present (predict can show them next to predictions). */
  labels?: string[];
}

/**
 * Encodes a new CSV (evaluate, predict) the way the training data was: the saved feature columns
 * in the saved order (extra columns ignored, column order free), the saved class ids. `file` is
 * the name shown in messages.
 */
export function applyPreprocessing(text: string, file: string, state: PreprocessingState, opts: PreprocessOptions = {}): PreprocessedCsv {
  const required = opts.labels === 'required';
  const csv = parseCsv(text, file, (header) => savedPlan(header, file, state.features, state.label, required, opts.loc));
  const arrays = csvArrays(csv, state, opts.inputShape, opts.loc, csv.labels !== undefined);
  if (!csv.labels) return { x: tf.tensor(arrays.x, [arrays.n, ...arrays.xShape], 'float32'), size: arrays.n };
  const ex = toExamples(arrays);
  return { x: ex.x, y: ex.y, size: ex.size, labels: csv.labels };
}

/** `applyPreprocessing` on a file (`given` is the path as the user wrote it). */
export async function applyPreprocessingFile(
  src: { path: string; given: string; loc?: SourceLocation },
  state: PreprocessingState,
  opts: PreprocessOptions = {},
): Promise<PreprocessedCsv> {
  return applyPreprocessing(await readSource(src), src.given, state, { ...opts, loc: opts.loc ?? src.loc });
}
