/**
 * Tabular sources (CSV, TSV, JSON, NDJSON) with column selection, a missing-value policy, per-feature
 * preprocessing and optional time-series windows. Training fits the preprocessing on the training
 * rows; every later file (validation, test, evaluate, predict) is read with the saved state.
 */
import type { CsvSource, SourceLocation } from '../../config/types.js';
import { DataError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import type { Arrays } from './arrays.js';
import { sampleShape } from './arrays.js';
import { type CsvData, type CsvLayout, type CsvPlan, parseCsv } from './csv.js';
import { encodeLabels, fitLabels, type LabelSource } from './labels.js';
import {
  checkNoMissing,
  checkPreprocessNames,
  type FeatureTransform,
  featurize,
  fitTransform,
  type FillValues,
  handleMissing,
  isTextual,
  type MissingPolicy,
  requestFor,
  type Table,
  type TransformRequest,
} from './preprocess.js';
import { parseRecordsData } from './records.js';
import type { PreprocessingState, TargetEncoding } from './types.js';

/** How a table is read and prepared, saved with the model. */
export interface TableState {
  format: 'csv' | 'tsv' | 'json' | 'ndjson';
  delimiter?: string;
  header?: boolean;
  columns?: string[];
  missing: MissingPolicy;
  fill?: FillValues;
  /** Fitted transform per feature (features without one are used as they are). */
  transforms: Record<string, FeatureTransform>;
  timeseries?: { sequence_length: number; sequence_stride: number; sampling_rate: number; target_offset: number };
}

/** preprocessing.json: the base state plus how the source was read and prepared. */
export interface DataState extends PreprocessingState {
  table?: TableState;
  image?: { image_size: [number, number]; color_mode: 'grayscale' | 'rgb' | 'rgba'; rescale?: number };
  arrays?: { format: string; sample_shape: number[]; rescale?: number };
}

function globToRegex(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function columnList(header: string[]): string {
  return header.map((h) => JSON.stringify(h)).join(', ');
}

function missingColumn(file: string, what: string, name: string, header: string[], loc: SourceLocation | undefined): DataError {
  return new DataError({ message: `${file} has no ${what} column "${name}" (its columns are ${columnList(header)})${didYouMean(name, header)}`, loc });
}

/** The label column's name: by name, or by 0-based position (`label: 4`). */
function labelName(src: CsvSource, header: string[]): string {
  if (src.labelPosition !== undefined) {
    const name = header[src.labelPosition];
    if (name === undefined) {
      throw new DataError({ message: `label: ${src.labelPosition} is a column position, but ${src.given} has only ${header.length} columns (positions 0 to ${header.length - 1})`, loc: src.loc });
    }
    return name;
  }
  if (!header.includes(src.label)) throw missingColumn(src.given, 'label', src.label, header, src.loc);
  return src.label;
}

function chooseFeatures(src: CsvSource, header: string[], label: string): string[] {
  const ts = src.timeseries !== undefined;
  let features: string[];
  if (src.features) {
    for (const f of src.features) {
      if (!header.includes(f)) throw missingColumn(src.given, 'feature', f, header, src.loc);
      if (f === label && !ts) throw new DataError({ message: `${src.given}: column "${f}" is the label, so it cannot also be a feature`, loc: src.loc });
    }
    features = src.features;
  } else if (src.featurePattern) {
    const p = src.featurePattern;
    let re: RegExp;
    try {
      re = p.regex !== undefined ? new RegExp(p.regex) : globToRegex(p.glob ?? '*');
    } catch (e) {
      throw new DataError({ message: `features.regex is not a valid regular expression: ${(e as Error).message}`, loc: src.loc });
    }
    features = header.filter((h) => h !== label && re.test(h));
    if (features.length === 0) {
      const what = p.regex !== undefined ? `regex ${JSON.stringify(p.regex)}` : `pattern ${JSON.stringify(p.glob)}`;
      throw new DataError({ message: `no column of ${src.given} matches the features ${what} (its columns are ${columnList(header)})`, loc: src.loc });
    }
  } else {
    features = header.filter((h) => h !== label);
  }
  if (features.length === 0) throw new DataError({ message: `${src.given} has no feature columns (only the label column "${label}")`, loc: src.loc });
  return features;
}

interface Layout {
  format: TableState['format'];
  delimiter?: string;
  header?: boolean;
  columns?: string[];
  missing: MissingPolicy;
}

/** Reads the file into a Table holding the features (numeric or text, as `textual` says) and the label. */
function readTable(
  text: string,
  file: string,
  layout: Layout,
  pick: (header: string[]) => { features: string[]; textual: Set<string>; label?: string; extra?: string[] },
  lineOffset = 0,
): { table: Table; features: string[]; label?: string; header: string[] } {
  let chosen: ReturnType<typeof pick> = { features: [], textual: new Set() };
  let labelIsFeature = false;
  const choosePlan = (header: string[]): CsvPlan => {
    chosen = pick(header);
    const idx = (n: string): number => header.indexOf(n);
    labelIsFeature = chosen.label !== undefined && chosen.features.includes(chosen.label);
    const numeric = chosen.features.filter((f) => !chosen.textual.has(f));
    const strings = [...chosen.features.filter((f) => chosen.textual.has(f)), ...(chosen.extra ?? []).filter((e) => !chosen.features.includes(e) && e !== chosen.label)];
    return { features: numeric.map(idx), label: chosen.label !== undefined && !labelIsFeature ? idx(chosen.label) : -1, strings: strings.map(idx) };
  };
  const allowMissing = layout.missing !== 'error';
  let csv: CsvData;
  if (layout.format === 'json' || layout.format === 'ndjson') {
    csv = parseRecordsData(text, file, layout.format === 'ndjson', choosePlan, allowMissing);
  } else {
    const csvLayout: CsvLayout = { delimiter: layout.delimiter ?? (layout.format === 'tsv' ? '\t' : ','), allowMissing, lineOffset };
    if (layout.header !== undefined) csvLayout.header = layout.header;
    if (layout.columns) csvLayout.columns = layout.columns;
    csv = parseCsv(text, file, choosePlan, csvLayout);
  }
  const numeric = chosen.features.filter((f) => !chosen.textual.has(f));
  const strings = [...chosen.features.filter((f) => chosen.textual.has(f)), ...(chosen.extra ?? []).filter((e) => !chosen.features.includes(e) && e !== chosen.label)];
  const nf = numeric.length;
  const table: Table = {
    file,
    rows: csv.rows,
    lines: csv.lines,
    numeric: new Map(numeric.map((f, slot) => [f, Float32Array.from({ length: csv.rows }, (_, i) => csv.x[i * nf + slot] ?? NaN)])),
    text: new Map(strings.map((f, k) => [f, csv.strings[k] ?? []])),
    position: new Map(csv.header.map((h, i) => [h, i + 1])),
  };
  if (chosen.label !== undefined) {
    if (labelIsFeature) {
      // Time series forecasting its own column: the targets are that column's values.
      const col = table.numeric.get(chosen.label);
      if (col) table.text.set(chosen.label, Array.from(col, (v) => String(v)));
    } else if (csv.labels) table.text.set(chosen.label, csv.labels);
  }
  return { table, features: chosen.features, ...(chosen.label !== undefined ? { label: chosen.label } : {}), header: csv.header };
}

function labelSource(table: Table, label: string): LabelSource {
  return { file: table.file, column: label, col: table.position.get(label) ?? 0, lines: table.lines };
}

/** Time-series windows over x rows (and the target `offset` rows after each window's start). */
function windows(
  x: Float32Array,
  width: number,
  n: number,
  ts: NonNullable<TableState['timeseries']>,
  y: { y: Float32Array; per: number } | undefined,
): { x: Float32Array; y?: Float32Array; count: number } {
  const span = (ts.sequence_length - 1) * ts.sampling_rate;
  const starts: number[] = [];
  for (let s = 0; s + span < n && (!y || s + ts.target_offset < n); s += ts.sequence_stride) starts.push(s);
  const out = new Float32Array(starts.length * ts.sequence_length * width);
  const yo = y ? new Float32Array(starts.length * y.per) : undefined;
  starts.forEach((s, k) => {
    for (let j = 0; j < ts.sequence_length; j++) {
      const r = s + j * ts.sampling_rate;
      out.set(x.subarray(r * width, (r + 1) * width), (k * ts.sequence_length + j) * width);
    }
    if (y && yo) yo.set(y.y.subarray((s + ts.target_offset) * y.per, (s + ts.target_offset + 1) * y.per), k * y.per);
  });
  return { x: out, ...(yo ? { y: yo } : {}), count: starts.length };
}

export interface TableLoadOptions {
  encoding: TargetEncoding;
  inputShape?: number[];
  /** validation_split: statistics are fitted on the rows before the split only. */
  validationSplit?: number;
}

/** Reads, prepares and encodes the training table; returns the arrays and the state to save. */
export function tableTraining(text: string, src: CsvSource, opts: TableLoadOptions): { arrays: Arrays; state: DataState } {
  const preprocess = (src.preprocess ?? {}) as Record<string, TransformRequest>;
  const missing = src.missing ?? 'error';
  const layout: Layout = { format: src.format ?? 'csv', missing };
  if (src.delimiter !== undefined) layout.delimiter = src.delimiter;
  if (src.header !== undefined) layout.header = src.header;
  if (src.columns) layout.columns = src.columns;
  const read = readTable(text, src.given, layout, (header) => {
    const label = labelName(src, header);
    const features = chooseFeatures(src, header, label);
    checkPreprocessNames(preprocess, features, src.given, src.loc);
    return { features, label, textual: new Set(features.filter((f) => isTextual(requestFor(preprocess, f)))) };
  });
  const label = read.label ?? src.label;
  const { table } = handleMissing(read.table, [...new Set([...read.features, label])], missing, src.fill, src.loc);
  if (missing === 'error') checkNoMissing(table, read.features);

  const ts = src.timeseries
    ? {
        sequence_length: src.timeseries.sequenceLength,
        sequence_stride: src.timeseries.sequenceStride,
        sampling_rate: src.timeseries.samplingRate,
        target_offset: src.timeseries.targetOffset ?? (src.timeseries.sequenceLength - 1) * src.timeseries.samplingRate + 1,
      }
    : undefined;
  const split = opts.validationSplit ?? 0;
  const fitRows = split > 0 ? Math.max(1, Math.floor(table.rows * (1 - split))) : table.rows;
  const transforms: Record<string, FeatureTransform> = {};
  for (const f of read.features) {
    const req = requestFor(preprocess, f);
    const t = fitTransform(table, f, req, fitRows);
    if (t.kind !== 'none') transforms[f] = t;
  }
  const labels = table.text.get(label) ?? [];
  const vocab = fitLabels(labels, labelSource(table, label), opts.encoding);
  const tableState: TableState = { format: layout.format, missing, transforms };
  if (layout.delimiter !== undefined) tableState.delimiter = layout.delimiter;
  if (layout.header !== undefined) tableState.header = layout.header;
  if (layout.columns) tableState.columns = layout.columns;
  if (src.fill !== undefined) tableState.fill = src.fill;
  if (ts) tableState.timeseries = ts;
  const state: DataState = {
    features: read.features,
    label,
    ...(vocab.classes ? { classes: vocab.classes } : {}),
    ...(vocab.numClasses !== undefined ? { numClasses: vocab.numClasses } : {}),
    encoding: opts.encoding,
    table: tableState,
  };
  const out = tableArrays(table, state, opts.inputShape, src.loc, true);
  return { arrays: out.arrays, state };
}

export interface LaterOptions {
  inputShape?: number[];
  /** 'required': evaluate / validation; 'optional': predict uses labels when present; 'none': ignore them. */
  labels: 'required' | 'optional' | 'none';
  loc?: SourceLocation;
  /** Columns to carry through as text (predict's --id-column). */
  extra?: string[];
  /** Skip rows with missing values instead of failing (predict --skip-bad-rows). */
  lineOffset?: number;
  /** Overrides the saved file format (predict on a file of another kind). */
  format?: TableState['format'];
}

export interface LaterTable {
  arrays: Arrays;
  /** Label cells as written (when present). */
  labels?: string[];
  /** Extra columns' cells. */
  extra: Map<string, string[]>;
  lines: Int32Array;
  /** Rows dropped by `missing: drop`. */
  dropped: number;
}

/** Reads a later file with the saved state: saved features in saved order, saved transforms and classes. */
export function tableLater(text: string, file: string, state: DataState, opts: LaterOptions): LaterTable {
  const ts = state.table ?? { format: 'csv' as const, missing: 'error' as const, transforms: {} };
  const format = opts.format ?? ts.format;
  const layout: Layout = { format, missing: ts.missing };
  if (ts.delimiter !== undefined && opts.format === undefined) layout.delimiter = ts.delimiter;
  if (ts.header !== undefined) layout.header = ts.header;
  if (ts.columns) layout.columns = ts.columns;
  let hasLabel = false;
  const read = readTable(
    text,
    file,
    layout,
    (header) => {
      for (const f of state.features) if (!header.includes(f)) throw missingColumn(file, 'feature', f, header, opts.loc);
      for (const e of opts.extra ?? []) if (!header.includes(e)) throw missingColumn(file, 'id', e, header, opts.loc);
      hasLabel = state.label !== undefined && header.includes(state.label) && opts.labels !== 'none';
      if (opts.labels === 'required' && !hasLabel) {
        if (state.label === undefined) throw new DataError({ message: `${file}: the model was trained without a label column`, loc: opts.loc });
        throw missingColumn(file, 'label', state.label, header, opts.loc);
      }
      return {
        features: state.features,
        textual: new Set(state.features.filter((f) => isTextual(ts.transforms[f]))),
        ...(hasLabel && state.label !== undefined ? { label: state.label } : {}),
        extra: opts.extra ?? [],
      };
    },
    opts.lineOffset ?? 0,
  );
  const cols = [...state.features, ...(hasLabel && state.label !== undefined ? [state.label] : [])];
  const { table, dropped } = handleMissing(read.table, [...new Set(cols)], ts.missing, ts.fill, opts.loc);
  if (ts.missing === 'error') checkNoMissing(table, state.features);
  const out = tableArrays(table, state, opts.inputShape, opts.loc, hasLabel);
  const extra = new Map((opts.extra ?? []).map((e) => [e, table.text.get(e) ?? []]));
  const labels = hasLabel && state.label !== undefined ? table.text.get(state.label) : undefined;
  return { arrays: out.arrays, ...(labels ? { labels: out.windowStarts ? out.windowStarts.map((s) => labels[s] ?? '') : labels } : {}), extra, lines: table.lines, dropped };
}

/** Featurizes a table and encodes its labels; windows it for time series. */
function tableArrays(table: Table, state: DataState, inputShape: number[] | undefined, loc: SourceLocation | undefined, withLabels: boolean): { arrays: Arrays; windowStarts?: number[] } {
  const transforms = state.table?.transforms ?? {};
  const { x, width } = featurize(table, state.features, transforms);
  const label = state.label;
  let y: Float32Array = new Float32Array(0);
  let yShape: number[] = [0];
  if (withLabels && label !== undefined && table.text.has(label)) {
    const t = encodeLabels(table.text.get(label) ?? [], labelSource(table, label), state.encoding, state);
    y = t.y;
    yShape = t.sampleShape;
  }
  const ts = state.table?.timeseries;
  if (ts) {
    const per = yShape.reduce((a, b) => a * b, 1);
    const hasY = y.length > 0;
    const w = windows(x, width, table.rows, ts, hasY ? { y, per } : undefined);
    if (w.count === 0) {
      throw new DataError({ message: `${table.file} has ${table.rows} rows, too few for one window of sequence_length ${ts.sequence_length} (sampling_rate ${ts.sampling_rate}, target offset ${ts.target_offset})`, loc });
    }
    const natural = [ts.sequence_length, width];
    const xShape = sampleShape(ts.sequence_length * width, natural, inputShape, `the windows have ${ts.sequence_length} steps × ${width} features`, loc);
    const starts = Array.from({ length: w.count }, (_, k) => k * ts.sequence_stride);
    return { arrays: { n: w.count, x: w.x, xShape, y: w.y ?? new Float32Array(0), yShape: hasY ? yShape : [0] }, windowStarts: starts };
  }
  const plain = width === state.features.length;
  const what = plain
    ? `${table.file} has ${width} feature column${width === 1 ? '' : 's'}`
    : `${table.file} gives ${width} values per row after preprocessing (one-hot and text features are wider than one column)`;
  const xShape = sampleShape(width, [width], inputShape, what, loc);
  return { arrays: { n: table.rows, x, xShape, y, yShape } };
}
