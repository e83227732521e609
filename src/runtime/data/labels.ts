/**
 * Label columns to target arrays. The vocabulary (string labels → class ids, in sorted order) is
 * learned from the training data once and reused for validation, test, evaluate and predict, so a
 * class id means the same class everywhere.
 */
import type { DataError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import { cellError } from './csv.js';
import type { TargetEncoding } from './types.js';

/** Where the labels came from, for messages. */
export interface LabelSource {
  file: string;
  /** Label column name and 1-based position. */
  column: string;
  col: number;
  /** 1-based line of each record. */
  lines: Int32Array;
}

export interface LabelVocabulary {
  /** String labels in class-id order; absent when labels are numeric. */
  classes?: string[];
  /** Number of classes for classification encodings. */
  numClasses?: number;
}

/** Flat target values plus the shape of one sample's target (empty for sparse ids). */
export interface Targets {
  y: Float32Array;
  sampleShape: number[];
}

function isClassification(encoding: TargetEncoding): boolean {
  return encoding !== 'regression';
}

function parseNumber(s: string): number {
  const v = Number(s);
  return s.trim() !== '' && Number.isFinite(v) ? v : NaN;
}

function quoteList(values: string[], max = 10): string {
  const shown = values.slice(0, max).map((v) => JSON.stringify(v));
  return shown.join(', ') + (values.length > max ? `, ... (${values.length} in all)` : '');
}

/** Learns the label vocabulary from the training labels. */
export function fitLabels(labels: string[], src: LabelSource, encoding: TargetEncoding): LabelVocabulary {
  checkNoEmpty(labels, src);
  if (!isClassification(encoding)) return {};
  const numeric = labels.every((s) => !Number.isNaN(parseNumber(s)));
  if (numeric) {
    // Numeric class labels are ids already: validate them and size the vocabulary by the largest.
    let max = 0;
    labels.forEach((s, i) => {
      const v = checkNumericClass(parseNumber(s), s, i, src, encoding, undefined);
      if (v > max) max = v;
    });
    return { numClasses: encoding === 'binary' ? 2 : max + 1 };
  }
  const classes = [...new Set(labels)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (encoding === 'binary' && classes.length > 2) {
    // Point at the first record that brings a third class.
    const seen = new Set<string>();
    const third = labels.findIndex((s) => (seen.add(s), seen.size > 2));
    throw labelError(
      src,
      third,
      `a binary loss needs 2 classes, but label column "${src.column}" has ${classes.length}: ${quoteList(classes)}` +
        ' (use categorical_crossentropy or sparse_categorical_crossentropy for more than 2 classes)',
    );
  }
  return { classes, numClasses: encoding === 'binary' ? 2 : classes.length };
}

/** Encodes labels with a vocabulary learned by `fitLabels` (possibly from another file). */
export function encodeLabels(
  labels: string[],
  src: LabelSource,
  encoding: TargetEncoding,
  vocab: LabelVocabulary,
): Targets {
  checkNoEmpty(labels, src);
  const n = labels.length;
  if (!isClassification(encoding)) {
    const y = new Float32Array(n);
    labels.forEach((s, i) => {
      const v = parseNumber(s);
      if (Number.isNaN(v)) {
        throw labelError(src, i, `label column "${src.column}" is not a number: ${JSON.stringify(s)} (a regression loss needs numeric targets)`);
      }
      y[i] = v;
    });
    return { y, sampleShape: [1] };
  }
  const ids = vocab.classes ? stringIds(labels, src, vocab.classes) : numericIds(labels, src, encoding, vocab.numClasses);
  return encodeIds(ids, encoding, vocab.numClasses ?? vocab.classes?.length ?? 0);
}

/**
 * Class ids to targets. sparse: [n] ids (the loss reshapes to [-1], and tfjs expands rank-1
 * targets to [n, 1]); categorical: [n, k] one-hot; binary: [n, 1] 0/1 (or soft labels in [0, 1]).
 */
export function encodeIds(ids: Float32Array, encoding: TargetEncoding, numClasses: number): Targets {
  if (encoding === 'categorical') {
    const k = numClasses;
    const y = new Float32Array(ids.length * k);
    ids.forEach((id, i) => (y[i * k + id] = 1));
    return { y, sampleShape: [k] };
  }
  return { y: ids, sampleShape: encoding === 'binary' ? [1] : [] };
}

function stringIds(labels: string[], src: LabelSource, classes: string[]): Float32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  const ids = new Float32Array(labels.length);
  labels.forEach((s, i) => {
    const id = index.get(s);
    if (id === undefined) {
      throw labelError(
        src,
        i,
        `label ${JSON.stringify(s)} in column "${src.column}" is not one of the classes of the training data ` +
          `(${quoteList(classes)})${didYouMean(s, classes)}`,
      );
    }
    ids[i] = id;
  });
  return ids;
}

function numericIds(labels: string[], src: LabelSource, encoding: TargetEncoding, numClasses: number | undefined): Float32Array {
  const ids = new Float32Array(labels.length);
  labels.forEach((s, i) => {
    const v = parseNumber(s);
    if (Number.isNaN(v)) {
      throw labelError(src, i, `label column "${src.column}" is not a number: ${JSON.stringify(s)} (the training labels were numeric class ids)`);
    }
    ids[i] = checkNumericClass(v, s, i, src, encoding, numClasses);
  });
  return ids;
}

function checkNumericClass(
  v: number,
  s: string,
  i: number,
  src: LabelSource,
  encoding: TargetEncoding,
  numClasses: number | undefined,
): number {
  if (encoding === 'binary') {
    if (v < 0 || v > 1) {
      throw labelError(src, i, `label column "${src.column}" has ${JSON.stringify(s)}; a binary loss needs labels 0 or 1 (or probabilities between them)`);
    }
    return v;
  }
  if (!Number.isInteger(v) || v < 0) {
    throw labelError(src, i, `label column "${src.column}" has ${JSON.stringify(s)}; numeric class labels must be integer class ids 0, 1, 2, ...`);
  }
  if (numClasses !== undefined && v >= numClasses) {
    throw labelError(
      src,
      i,
      `label ${JSON.stringify(s)} in column "${src.column}" is not a class of the training data (class ids 0 to ${numClasses - 1})`,
    );
  }
  return v;
}

function checkNoEmpty(labels: string[], src: LabelSource): void {
  const i = labels.findIndex((s) => s.trim() === '');
  if (i >= 0) throw labelError(src, i, `label column "${src.column}" is empty`);
}

/** A DataError at the label cell of record `i` (the line its record starts on). */
function labelError(src: LabelSource, i: number, message: string): DataError {
  return cellError(src.file, src.lines[i] ?? 0, src.col, message);
}
