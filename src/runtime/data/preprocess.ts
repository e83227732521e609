/**
 * Per-feature preprocessing that travels with the model: fitted on the training rows only, saved in
 * preprocessing.json, and applied unchanged by evaluate and predict. Each feature contributes a
 * fixed number of values to an x row (1, the one-hot width, or the text length), in feature order.
 */
import type { SourceLocation } from '../../config/types.js';
import { DataError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import { cellError, MISSING_TOKENS } from './csv.js';
import { fitVocabulary, vectorize, vocabularyIndex } from './text.js';

/** What the config asks for, per feature (`preprocess: {age: standardize, city: one_hot}`). */
export type TransformRequest =
  | 'standardize'
  | 'min_max'
  | 'one_hot'
  | 'integer_lookup'
  | 'none'
  | { text: { max_tokens?: number; max_len: number; padding?: 'pre' | 'post'; truncating?: 'pre' | 'post' } };

export const TRANSFORM_NAMES = ['standardize', 'min_max', 'one_hot', 'integer_lookup', 'text', 'none'] as const;

/** A fitted transform, as saved in preprocessing.json. */
export type FeatureTransform =
  | { kind: 'none' }
  | { kind: 'standardize'; mean: number; std: number }
  | { kind: 'min_max'; min: number; max: number }
  | { kind: 'one_hot'; vocabulary: string[] }
  | { kind: 'integer_lookup'; vocabulary: string[] }
  | { kind: 'text'; vocabulary: string[]; max_len: number; padding: 'pre' | 'post'; truncating: 'pre' | 'post'; vocabulary_size: number };

/** Columns by name: numbers (NaN = missing) for numeric features, cells as written for the rest. */
export interface Table {
  file: string;
  rows: number;
  /** 1-based line (or record number) of each row, for messages. */
  lines: Int32Array;
  numeric: Map<string, Float32Array>;
  text: Map<string, string[]>;
  /** 1-based position of each column in the file, for messages. */
  position: Map<string, number>;
}

/** Transforms that read a column as text (categories or words). */
export function isTextual(r: TransformRequest | FeatureTransform | undefined): boolean {
  if (r === undefined) return false;
  if (typeof r === 'object') return 'text' in r || ('kind' in r && (r.kind === 'one_hot' || r.kind === 'integer_lookup' || r.kind === 'text'));
  return r === 'one_hot' || r === 'integer_lookup';
}

/** The request for each feature: its own entry, else the `'*'` entry, else none. */
export function requestFor(preprocess: Record<string, TransformRequest> | undefined, feature: string): TransformRequest {
  return preprocess?.[feature] ?? preprocess?.['*'] ?? 'none';
}

/** Checks that every named entry of `preprocess` is a feature. */
export function checkPreprocessNames(preprocess: Record<string, TransformRequest> | undefined, features: string[], file: string, loc?: SourceLocation): void {
  for (const name of Object.keys(preprocess ?? {})) {
    if (name !== '*' && !features.includes(name)) {
      throw new DataError({ message: `preprocess names "${name}", which is not a feature column of ${file}${didYouMean(name, features)}`, loc });
    }
  }
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Fits one feature's transform on rows [0, fitRows) of the table. */
export function fitTransform(table: Table, feature: string, req: TransformRequest, fitRows: number): FeatureTransform {
  if (typeof req === 'object') {
    const t = req.text;
    const cells = (table.text.get(feature) ?? []).slice(0, fitRows);
    const vocabulary = fitVocabulary(cells, t.max_tokens);
    return {
      kind: 'text',
      vocabulary,
      max_len: t.max_len,
      padding: t.padding ?? 'post',
      truncating: t.truncating ?? 'post',
      vocabulary_size: vocabulary.length + 2,
    };
  }
  if (req === 'one_hot' || req === 'integer_lookup') {
    const cells = (table.text.get(feature) ?? []).slice(0, fitRows);
    return { kind: req, vocabulary: sortedUnique(cells) };
  }
  if (req === 'none') return { kind: 'none' };
  const col = (table.numeric.get(feature) ?? new Float32Array(0)).subarray(0, fitRows);
  if (req === 'standardize') {
    let sum = 0;
    col.forEach((v) => (sum += v));
    const mean = sum / Math.max(1, col.length);
    let sq = 0;
    col.forEach((v) => (sq += (v - mean) ** 2));
    // Population std, as Keras's Normalization layer; a constant column keeps its values centred.
    const std = Math.sqrt(sq / Math.max(1, col.length));
    return { kind: 'standardize', mean, std };
  }
  let min = Infinity;
  let max = -Infinity;
  col.forEach((v) => {
    if (v < min) min = v;
    if (v > max) max = v;
  });
  return { kind: 'min_max', min, max };
}

/** Number of x values a transform writes per row. */
export function widthOf(t: FeatureTransform): number {
  return t.kind === 'one_hot' ? t.vocabulary.length : t.kind === 'text' ? t.max_len : 1;
}

function quoteList(values: string[], max = 10): string {
  const shown = values.slice(0, max).map((v) => JSON.stringify(v));
  return shown.join(', ') + (values.length > max ? `, ... (${values.length} in all)` : '');
}

/**
 * The x rows: every feature's values, in feature order, `transforms[f]` applied. An unseen
 * category is an error naming the file, line and column.
 */
export function featurize(table: Table, features: string[], transforms: Record<string, FeatureTransform>): { x: Float32Array; width: number } {
  const width = features.reduce((w, f) => w + widthOf(transforms[f] ?? { kind: 'none' }), 0);
  const n = table.rows;
  const x = new Float32Array(n * width);
  let offset = 0;
  for (const f of features) {
    const t = transforms[f] ?? { kind: 'none' };
    const at = offset;
    offset += widthOf(t);
    const colNo = table.position.get(f) ?? 0;
    if (t.kind === 'text') {
      const cells = table.text.get(f) ?? [];
      const index = vocabularyIndex(t.vocabulary);
      for (let i = 0; i < n; i++) vectorize(cells[i] ?? '', index, { maxLen: t.max_len, padding: t.padding, truncating: t.truncating }, x, i * width + at);
      continue;
    }
    if (t.kind === 'one_hot' || t.kind === 'integer_lookup') {
      const cells = table.text.get(f) ?? [];
      const index = new Map(t.vocabulary.map((v, i) => [v, i]));
      for (let i = 0; i < n; i++) {
        const s = cells[i] ?? '';
        const id = index.get(s);
        if (id === undefined) {
          throw cellError(
            table.file,
            table.lines[i] ?? 0,
            colNo,
            `column "${f}" has the category ${JSON.stringify(s)}, which the training data did not have ` +
              `(known: ${quoteList(t.vocabulary)})${didYouMean(s, t.vocabulary)}`,
          );
        }
        // integer_lookup: 0 is kept for out-of-vocabulary, as in Keras's StringLookup.
        if (t.kind === 'one_hot') x[i * width + at + id] = 1;
        else x[i * width + at] = id + 1;
      }
      continue;
    }
    const col = table.numeric.get(f);
    if (!col) throw new Error(`internal: numeric column "${f}" was not read`);
    for (let i = 0; i < n; i++) {
      const v = col[i] ?? NaN;
      x[i * width + at] =
        t.kind === 'standardize'
          ? (v - t.mean) / (t.std > 0 ? t.std : 1)
          : t.kind === 'min_max'
            ? t.max > t.min
              ? (v - t.min) / (t.max - t.min)
              : 0
            : v;
    }
  }
  return { x, width };
}

export type MissingPolicy = 'error' | 'drop' | 'fill';
export type FillValues = number | string | Record<string, number | string>;

function fillFor(fill: FillValues | undefined, column: string): number | string | undefined {
  if (fill === undefined || typeof fill !== 'object') return fill;
  return fill[column] ?? fill['*'];
}

/**
 * Applies the missing-value policy to the given columns: `drop` removes rows with a missing cell,
 * `fill` writes the declared value (an error names the column when none is declared). Returns the
 * table with the kept rows and how many rows were dropped.
 */
export function handleMissing(table: Table, columns: string[], policy: MissingPolicy, fill: FillValues | undefined, loc?: SourceLocation): { table: Table; dropped: number } {
  if (policy === 'error') return { table, dropped: 0 };
  const isMissingText = (s: string | undefined): boolean => s === undefined || MISSING_TOKENS.has(s.trim());
  if (policy === 'fill') {
    for (const c of columns) {
      const num = table.numeric.get(c);
      const txt = table.text.get(c);
      const needs = num ? num.some((v) => Number.isNaN(v)) : txt ? txt.some(isMissingText) : false;
      if (!needs) continue;
      const v = fillFor(fill, c);
      if (v === undefined) {
        throw new DataError({ message: `${table.file}: column "${c}" has missing values but \`fill\` gives no value for it (add \`fill: {${c}: ...}\` or \`'*'\`)`, loc });
      }
      if (num) {
        const nv = typeof v === 'number' ? v : Number(v);
        if (!Number.isFinite(nv)) throw new DataError({ message: `the fill value for numeric column "${c}" must be a number, got ${JSON.stringify(v)}`, loc });
        num.forEach((x, i) => Number.isNaN(x) && (num[i] = nv));
      } else if (txt) txt.forEach((s, i) => isMissingText(s) && (txt[i] = String(v)));
    }
    return { table, dropped: 0 };
  }
  const keep: number[] = [];
  for (let i = 0; i < table.rows; i++) {
    const bad = columns.some((c) => {
      const num = table.numeric.get(c);
      if (num) return Number.isNaN(num[i] ?? NaN);
      return isMissingText(table.text.get(c)?.[i]);
    });
    if (!bad) keep.push(i);
  }
  if (keep.length === table.rows) return { table, dropped: 0 };
  if (keep.length === 0) throw new DataError({ message: `${table.file}: every row has a missing value, so \`missing: drop\` leaves no data`, loc });
  return { table: selectRows(table, keep), dropped: table.rows - keep.length };
}

export function selectRows(table: Table, keep: number[]): Table {
  const numeric = new Map([...table.numeric].map(([k, col]) => [k, Float32Array.from(keep, (i) => col[i] ?? NaN)]));
  const text = new Map([...table.text].map(([k, col]) => [k, keep.map((i) => col[i] ?? '')]));
  return { ...table, rows: keep.length, lines: Int32Array.from(keep, (i) => table.lines[i] ?? 0), numeric, text };
}

/** A missing cell left in a numeric column under `missing: error` (JSON nulls): name row and column. */
export function checkNoMissing(table: Table, columns: string[]): void {
  for (const c of columns) {
    const num = table.numeric.get(c);
    if (!num) continue;
    const i = num.findIndex((v) => Number.isNaN(v));
    if (i >= 0) {
      throw cellError(table.file, table.lines[i] ?? 0, table.position.get(c) ?? 0, `column "${c}" is missing a value (expected a number; set \`missing: drop\` or \`missing: fill\` on the data source to accept missing values)`);
    }
  }
}
