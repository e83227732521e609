/**
 * Tabular sources (CSV, TSV, JSON, NDJSON) with column selection, a missing-value policy, per-feature
 * preprocessing and optional time-series windows. Training fits the preprocessing on the training
 * rows; every later file (validation, test, evaluate, predict) is read with the saved state.
 */
import type { CsvSource, SourceLocation } from '../../config/types.js';
import { ConfigError, DataError } from '../../util/errors.js';
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
import type { OutputLabels, PreprocessingState, TargetEncoding } from './types.js';
import { parseWeights } from './weights.js';

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

/**
 * The feature columns: the listed ones, the pattern's matches, or all columns but the label(s) and
 * the sample-weight column. Time series may forecast a feature column, so there a label may be one.
 */
function chooseFeatures(src: CsvSource, header: string[], labels: string[], weight: string | undefined): string[] {
  const ts = src.timeseries !== undefined;
  const label = labels.join('", "');
  const reserved = (h: string): boolean => labels.includes(h) || h === weight;
  let features: string[];
  if (src.features) {
    for (const f of src.features) {
      if (!header.includes(f)) throw missingColumn(src.given, 'feature', f, header, src.loc);
      if (labels.includes(f) && !ts) throw new DataError({ message: `${src.given}: column "${f}" is the label, so it cannot also be a feature`, loc: src.loc });
      if (f === weight) throw new DataError({ message: `${src.given}: column "${f}" is the sample_weight column, so it cannot also be a feature`, loc: src.loc });
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
    features = header.filter((h) => !reserved(h) && re.test(h));
    if (features.length === 0) {
      const what = p.regex !== undefined ? `regex ${JSON.stringify(p.regex)}` : `pattern ${JSON.stringify(p.glob)}`;
      throw new DataError({ message: `no column of ${src.given} matches the features ${what} (its columns are ${columnList(header)})`, loc: src.loc });
    }
  } else {
    features = header.filter((h) => !reserved(h));
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

/** Columns read as text: textual features, then extra columns (ids, labels of several outputs, weights) once each. */
function stringColumns(chosen: { features: string[]; textual: Set<string>; label?: string; extra?: string[] }): string[] {
  const extra = (chosen.extra ?? []).filter((e) => !chosen.features.includes(e) && e !== chosen.label);
  return [...new Set([...chosen.features.filter((f) => chosen.textual.has(f)), ...extra])];
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
    const strings = stringColumns(chosen);
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
  const strings = stringColumns(chosen);
  const nf = numeric.length;
  const table: Table = {
    file,
    rows: csv.rows,
    lines: csv.lines,
    numeric: new Map(numeric.map((f, slot) => [f, Float32Array.from({ length: csv.rows }, (_, i) => csv.x[i * nf + slot] ?? NaN)])),
    text: new Map(strings.map((f, k) => [f, csv.strings[k] ?? []])),
    position: new Map(csv.header.map((h, i) => [h, i + 1])),
  };
  // Extra columns that are also numeric features (a forecast label): their cells as text too.
  for (const e of chosen.extra ?? []) {
    const col = table.numeric.get(e);
    if (col && !table.text.has(e)) table.text.set(e, Array.from(col, (v) => String(v)));
  }
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
  /** Multi-output models: the encoding of each output's targets (its loss's); `encoding` for all when absent. */
  encodingFor?: (output: string) => TargetEncoding;
  /** The model's output layer names, to check a label map against. */
  outputNames?: string[];
  inputShape?: (number | null)[];
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
  const multi = src.labels;
  const weight = src.sampleWeight;
  if (src.timeseries && (multi || weight)) {
    throw new DataError({ message: `${src.given}: timeseries windows cannot be combined with ${multi ? 'a label per output' : 'sample_weight'} yet`, loc: src.loc });
  }
  if (multi && opts.outputNames) checkOutputNames(multi, opts.outputNames, src);
  let labelCols: string[] = [];
  const read = readTable(text, src.given, layout, (header) => {
    labelCols = multi ? Object.values(multi).map((c) => (header.includes(c) ? c : throwMissing(src.given, 'label', c, header, src.loc))) : [labelName(src, header)];
    if (weight !== undefined) {
      if (!header.includes(weight)) throw missingColumn(src.given, 'sample_weight', weight, header, src.loc);
      if (labelCols.includes(weight)) throw new DataError({ message: `${src.given}: column "${weight}" is a label, so it cannot also be the sample_weight column`, loc: src.loc });
    }
    const features = chooseFeatures(src, header, labelCols, weight);
    checkPreprocessNames(preprocess, features, src.given, src.loc);
    const textual = new Set(features.filter((f) => isTextual(requestFor(preprocess, f))));
    const extra = [...(multi ? labelCols : []), ...(weight !== undefined ? [weight] : [])];
    return { features, textual, extra, ...(multi ? {} : { label: labelCols[0] as string }) };
  });
  const label = read.label ?? src.label;
  const needed = [...read.features, ...(multi ? labelCols : [label]), ...(weight !== undefined ? [weight] : [])];
  const { table } = handleMissing(read.table, [...new Set(needed)], missing, src.fill, src.loc);
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
  // One vocabulary per output (each with its loss's encoding), or the single label's.
  const outputs = multi ? fitOutputs(table, multi, opts) : undefined;
  const vocab = outputs ? {} : fitLabels(table.text.get(label) ?? [], labelSource(table, label), opts.encoding);
  const tableState: TableState = { format: layout.format, missing, transforms };
  if (layout.delimiter !== undefined) tableState.delimiter = layout.delimiter;
  if (layout.header !== undefined) tableState.header = layout.header;
  if (layout.columns) tableState.columns = layout.columns;
  if (src.fill !== undefined) tableState.fill = src.fill;
  if (ts) tableState.timeseries = ts;
  const first = outputs ? Object.values(outputs)[0] : undefined;
  const state: DataState = {
    features: read.features,
    ...(outputs ? { outputs } : { label }),
    ...(vocab.classes ? { classes: vocab.classes } : {}),
    ...(vocab.numClasses !== undefined ? { numClasses: vocab.numClasses } : {}),
    encoding: first?.encoding ?? opts.encoding,
    ...(weight !== undefined ? { sample_weight: weight } : {}),
    table: tableState,
  };
  const out = tableArrays(table, state, opts.inputShape, src.loc, true);
  return { arrays: out.arrays, state };
}

function throwMissing(file: string, what: string, name: string, header: string[], loc: SourceLocation | undefined): never {
  throw missingColumn(file, what, name, header, loc);
}

/** A label map names each of the model's outputs once, and nothing else. */
function checkOutputNames(labels: Record<string, string>, outputs: string[], src: CsvSource): void {
  const list = outputs.map((o) => JSON.stringify(o)).join(', ');
  for (const name of Object.keys(labels)) {
    if (!outputs.includes(name)) {
      throw new ConfigError({ message: `label: the model has no output named "${name}"; its outputs are ${list}${didYouMean(name, outputs)}`, loc: src.loc });
    }
  }
  const missing = outputs.filter((o) => labels[o] === undefined);
  if (missing.length > 0) {
    throw new ConfigError({
      message: `label names no column for the output${missing.length === 1 ? '' : 's'} ${missing.map((o) => JSON.stringify(o)).join(', ')}; give one label column per output (\`label: {${outputs.map((o) => `${o}: COLUMN`).join(', ')}}\`)`,
      loc: src.loc,
    });
  }
}

/** Each output's label vocabulary, fitted with the encoding its loss needs. */
function fitOutputs(table: Table, columns: Record<string, string>, opts: TableLoadOptions): Record<string, OutputLabels> {
  const out: Record<string, OutputLabels> = {};
  for (const [name, label] of Object.entries(columns)) {
    const encoding = opts.encodingFor?.(name) ?? opts.encoding;
    const v = fitLabels(table.text.get(label) ?? [], labelSource(table, label), encoding);
    out[name] = { label, ...(v.classes ? { classes: v.classes } : {}), ...(v.numClasses !== undefined ? { numClasses: v.numClasses } : {}), encoding };
  }
  return out;
}

/** The sample-weight column's cells as numbers (see weights.ts). */
function sampleWeights(table: Table, column: string): Float32Array {
  return parseWeights(table.text.get(column) ?? [], { file: table.file, column, col: table.position.get(column) ?? 0, lines: table.lines });
}

export interface LaterOptions {
  inputShape?: (number | null)[];
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
  let hasWeight = false;
  // Every output's label column (several outputs), or the one label.
  const labelCols = state.outputs ? Object.values(state.outputs).map((o) => o.label) : state.label !== undefined ? [state.label] : [];
  const weight = state.sample_weight;
  const read = readTable(
    text,
    file,
    layout,
    (header) => {
      for (const f of state.features) if (!header.includes(f)) throw missingColumn(file, 'feature', f, header, opts.loc);
      for (const e of opts.extra ?? []) if (!header.includes(e)) throw missingColumn(file, 'id', e, header, opts.loc);
      hasLabel = labelCols.length > 0 && labelCols.every((c) => header.includes(c)) && opts.labels !== 'none';
      if (opts.labels === 'required' && !hasLabel) {
        const absent = labelCols.find((c) => !header.includes(c));
        if (absent === undefined) throw new DataError({ message: `${file}: the model was trained without a label column`, loc: opts.loc });
        throw missingColumn(file, 'label', absent, header, opts.loc);
      }
      // Rows are weighed as in training when the file has the weight column (validation, test, evaluate).
      hasWeight = hasLabel && weight !== undefined && header.includes(weight);
      const extra = [...(opts.extra ?? []), ...(state.outputs && hasLabel ? labelCols : []), ...(hasWeight && weight !== undefined ? [weight] : [])];
      return {
        features: state.features,
        textual: new Set(state.features.filter((f) => isTextual(ts.transforms[f]))),
        ...(hasLabel && !state.outputs && state.label !== undefined ? { label: state.label } : {}),
        extra,
      };
    },
    opts.lineOffset ?? 0,
  );
  const cols = [...state.features, ...(hasLabel ? labelCols : []), ...(hasWeight && weight !== undefined ? [weight] : [])];
  const { table, dropped } = handleMissing(read.table, [...new Set(cols)], ts.missing, ts.fill, opts.loc);
  if (ts.missing === 'error') checkNoMissing(table, state.features);
  const out = tableArrays(table, state, opts.inputShape, opts.loc, hasLabel);
  const extra = new Map((opts.extra ?? []).map((e) => [e, table.text.get(e) ?? []]));
  const labels = hasLabel && !state.outputs && state.label !== undefined ? table.text.get(state.label) : undefined;
  return { arrays: out.arrays, ...(labels ? { labels: out.windowStarts ? out.windowStarts.map((s) => labels[s] ?? '') : labels } : {}), extra, lines: table.lines, dropped };
}

/** Featurizes a table and encodes its labels; windows it for time series. */
function tableArrays(table: Table, state: DataState, inputShape: (number | null)[] | undefined, loc: SourceLocation | undefined, withLabels: boolean): { arrays: Arrays; windowStarts?: number[] } {
  const transforms = state.table?.transforms ?? {};
  const { x, width } = featurize(table, state.features, transforms);
  const label = state.label;
  let y: Float32Array = new Float32Array(0);
  let yShape: number[] = [0];
  let ys: Arrays['ys'];
  if (withLabels && state.outputs) {
    ys = {};
    for (const [name, o] of Object.entries(state.outputs)) {
      const t = encodeLabels(table.text.get(o.label) ?? [], labelSource(table, o.label), o.encoding, o);
      ys[name] = { y: t.y, yShape: t.sampleShape };
    }
  } else if (withLabels && label !== undefined && table.text.has(label)) {
    const t = encodeLabels(table.text.get(label) ?? [], labelSource(table, label), state.encoding, state);
    y = t.y;
    yShape = t.sampleShape;
  }
  const w = withLabels && state.sample_weight !== undefined && table.text.has(state.sample_weight) ? sampleWeights(table, state.sample_weight) : undefined;
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
  return { arrays: { n: table.rows, x, xShape, y, yShape, ...(ys ? { ys } : {}), ...(w ? { w } : {}) } };
}
