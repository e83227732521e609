/**
 * CSV files larger than memory (`data.train: {csv: big.csv, label: y, stream: true}`, or `auto`
 * above a size threshold): one counting pass learns the row count and the label vocabulary (and
 * checks every cell before training starts); then every epoch re-reads the file in blocks and
 * yields batches, shuffled within a bounded buffer (seeded per epoch). `validation_split` takes
 * the last fraction of the rows, as Keras does, by row number from the counting pass.
 */
import * as tf from '@tensorflow/tfjs';
import { statSync } from 'node:fs';
import type { CsvSource, DataSpec, SourceLocation } from '../../config/types.js';
import { ConfigError, DataError } from '../../util/errors.js';
import { Prng } from '../../util/prng.js';
import { sampleShape, size } from './arrays.js';
import { savedPlan, trainingPlan } from './columns.js';
import type { CsvData, CsvLayout, CsvPlan } from './csv.js';
import { loadData, type LoadOptions } from './index.js';
import { encodeLabels, fitLabels, type LabelSource, type LabelVocabulary } from './labels.js';
import { csvChunks } from './stream-chunks.js';
import { mixSeed } from './synthetic.js';
import type { DataState, TableState } from './table-source.js';
import { parseWeights } from './weights.js';
import type { AnyExamples, ExampleBatch, LoadedData, PreprocessingState, StreamingExamples, TargetEncoding } from './types.js';

/** Files above this many MB stream when `stream` is `auto` (override: KERATS_STREAM_THRESHOLD_MB). */
export const DEFAULT_STREAM_THRESHOLD_MB = 256;

/** Bytes of rows the shuffle buffer may hold (bounded memory whatever the file size). */
const SHUFFLE_BUFFER_BYTES = 64 << 20;

export function streamThresholdBytes(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.KERATS_STREAM_THRESHOLD_MB);
  return (Number.isFinite(v) && v > 0 ? v : DEFAULT_STREAM_THRESHOLD_MB) * 1024 * 1024;
}

/** Options of a CSV source the streaming reader cannot honour (they need the whole file). */
function unsupported(src: CsvSource): string | undefined {
  if (src.format && src.format !== 'csv' && src.format !== 'tsv') return `format ${src.format}`;
  if (src.timeseries) return 'timeseries';
  if (src.preprocess && Object.keys(src.preprocess).length > 0) return 'preprocess';
  if (src.missing && src.missing !== 'error') return `missing: ${src.missing}`;
  if (src.labels) return 'a label per output';
  if (src.labelPosition !== undefined || src.featurePattern) return 'label by position / feature patterns';
  return undefined;
}

/** How a streamed table is laid out: the same options the in-memory reader takes (csv.ts CsvLayout). */
function layoutOf(src: CsvSource, fallback?: TableState): Pick<CsvLayout, 'delimiter' | 'header' | 'columns'> {
  const format = src.format ?? fallback?.format;
  const delimiter = src.delimiter ?? (src.format === undefined ? fallback?.delimiter : undefined) ?? (format === 'tsv' ? '\t' : ',');
  const header = src.header ?? fallback?.header;
  const columns = src.columns ?? fallback?.columns;
  return { delimiter, ...(header !== undefined ? { header } : {}), ...(columns ? { columns } : {}) };
}

/** The table layout saved with the model, so evaluate and predict read later files the same way. */
function tableStateOf(src: CsvSource): TableState {
  const t: TableState = { format: src.format === 'tsv' ? 'tsv' : 'csv', missing: 'error', transforms: {} };
  if (src.delimiter !== undefined) t.delimiter = src.delimiter;
  if (src.header !== undefined) t.header = src.header;
  if (src.columns) t.columns = src.columns;
  return t;
}

/** Whether a training CSV should stream: `stream: true`, or `auto`/absent and the file is big. */
export function wantsStreaming(src: CsvSource, env: NodeJS.ProcessEnv = process.env): boolean {
  if (src.stream === false) return false;
  const why = unsupported(src);
  if (src.stream === true) {
    if (why) throw new ConfigError({ message: `${src.given}: stream: true cannot be combined with ${why} (those need the whole file in memory)`, loc: src.loc });
    return true;
  }
  if (why) return false;
  try {
    return statSync(src.path).size > streamThresholdBytes(env);
  } catch {
    return false; // the in-memory loader reports the missing file
  }
}

interface Scan {
  header: string[];
  rows: number;
  features: string[];
  vocab: LabelVocabulary;
}

/** The weights of rows [lo, hi) of a chunk whose plan kept the sample-weight column (its one text column). */
function chunkWeights(data: CsvData, column: string, lo: number, hi: number): Float32Array {
  const cells = (data.strings[0] ?? []).slice(lo, hi);
  return parseWeights(cells, { file: data.file, column, col: data.header.indexOf(column) + 1, lines: data.lines.subarray(lo, hi) });
}

/** The counting pass: rows, feature names, label vocabulary; every cell is checked on the way. */
async function scan(src: CsvSource, encoding: TargetEncoding): Promise<Scan> {
  let features: string[] = [];
  let header: string[] = [];
  let rows = 0;
  // Distinct label cells with the line each first appears on (for fitLabels' messages).
  const firstSeen = new Map<string, number>();
  const plan = (h: string[]): CsvPlan => {
    header = h;
    const p = trainingPlan(h, src.given, src.label, src.features, src.loc, src.sampleWeight);
    features = p.featureNames;
    return p;
  };
  for await (const { data } of csvChunks({ path: src.path, given: src.given, plan, layout: layoutOf(src) })) {
    rows += data.rows;
    // Every weight is checked now, before training starts (as every number cell is).
    if (src.sampleWeight !== undefined) chunkWeights(data, src.sampleWeight, 0, data.rows);
    const labels = data.labels ?? [];
    for (let i = 0; i < labels.length; i++) {
      const s = labels[i] as string;
      if (!firstSeen.has(s)) firstSeen.set(s, data.lines[i] ?? 0);
    }
  }
  if (rows === 0) throw new DataError({ message: `${src.given}: the file has a header but no data rows`, loc: src.loc });
  const distinct = [...firstSeen.keys()];
  const labelSrc: LabelSource = { file: src.given, column: src.label, col: header.indexOf(src.label) + 1, lines: Int32Array.from(firstSeen.values()) };
  const vocab = fitLabels(distinct, labelSrc, encoding);
  return { header, rows, features, vocab };
}

export interface StreamingCsvOptions {
  src: { path: string; given: string; loc?: SourceLocation };
  /** Delimiter, header or not, column names. */
  layout: Pick<CsvLayout, 'delimiter' | 'header' | 'columns'>;
  state: PreprocessingState;
  /** Rows [from, to) of the file (0-based record numbers). */
  from: number;
  to: number;
  xShape: number[];
  yShape: number[];
}

/** A CSV file (or a row range of it) as StreamingExamples (contract 2). */
export class StreamingCsv implements StreamingExamples {
  readonly kind = 'stream' as const;
  readonly size: number;

  constructor(private readonly o: StreamingCsvOptions) {
    this.size = o.to - o.from;
  }

  async *batches(batchSize: number, opts: { epoch: number; shuffle: boolean; seed: number }): AsyncGenerator<ExampleBatch> {
    const { state, xShape, yShape, from, to } = this.o;
    const nx = size(xShape);
    const ny = size(yShape);
    // Rows carry their sample weight when the model is trained with a sample_weight column.
    const weight = state.sample_weight;
    const nw = weight !== undefined ? 1 : 0;
    const rowBytes = 4 * (nx + ny + nw);
    const capacity = opts.shuffle ? Math.max(batchSize, Math.min(this.size, Math.floor(SHUFFLE_BUFFER_BYTES / rowBytes))) : 0;
    const rng = new Prng(mixSeed(opts.seed, opts.epoch));
    // The shuffle buffer (Keras's Dataset.shuffle(buffer_size)): a random resident row leaves as each new row arrives.
    const bufX = new Float32Array(capacity * nx);
    const bufY = new Float32Array(capacity * ny);
    const bufW = new Float32Array(capacity * nw);
    let held = 0;
    let bx = new Float32Array(batchSize * nx);
    let by = new Float32Array(batchSize * ny);
    let bw = new Float32Array(batchSize * nw);
    let inBatch = 0;
    const emit = (): ExampleBatch => {
      const batch: ExampleBatch = { x: tf.tensor(bx.subarray(0, inBatch * nx), [inBatch, ...xShape], 'float32'), y: tf.tensor(by.subarray(0, inBatch * ny), [inBatch, ...yShape], 'float32') };
      if (nw > 0) batch.sampleWeight = tf.tensor1d(bw.subarray(0, inBatch), 'float32');
      bx = new Float32Array(batchSize * nx);
      by = new Float32Array(batchSize * ny);
      bw = new Float32Array(batchSize * nw);
      inBatch = 0;
      return batch;
    };
    const put = (x: Float32Array, xo: number, y: Float32Array, yo: number, w: Float32Array, wo: number): void => {
      bx.set(x.subarray(xo, xo + nx), inBatch * nx);
      by.set(y.subarray(yo, yo + ny), inBatch * ny);
      if (nw > 0) bw[inBatch] = w[wo] ?? 0;
      inBatch++;
    };
    const plan = (h: string[]): CsvPlan => savedPlan(h, this.o.src.given, state.features, state.label, true, this.o.src.loc, weight);
    const noWeights = new Float32Array(0);
    for await (const { data, firstRow } of csvChunks({ path: this.o.src.path, given: this.o.src.given, plan, layout: this.o.layout })) {
      if (firstRow >= to) break;
      const lo = Math.max(0, from - firstRow);
      const hi = Math.min(data.rows, to - firstRow);
      if (hi <= lo) continue;
      const labelSrc: LabelSource = { file: data.file, column: state.label ?? '', col: data.header.indexOf(state.label ?? '') + 1, lines: data.lines.subarray(lo, hi) };
      const t = encodeLabels((data.labels ?? []).slice(lo, hi), labelSrc, state.encoding, state);
      // A later file without the weight column weighs every row 1 (the trainer's default).
      const w = weight !== undefined && data.header.includes(weight) ? chunkWeights(data, weight, lo, hi) : nw > 0 ? new Float32Array(hi - lo).fill(1) : noWeights;
      for (let r = lo; r < hi; r++) {
        const xo = r * nx;
        const yo = (r - lo) * ny;
        const wo = r - lo;
        if (capacity === 0) put(data.x, xo, t.y, yo, w, wo);
        else if (held < capacity) {
          bufX.set(data.x.subarray(xo, xo + nx), held * nx);
          bufY.set(t.y.subarray(yo, yo + ny), held * ny);
          if (nw > 0) bufW[held] = w[wo] ?? 0;
          held++;
          continue;
        } else {
          const j = rng.int(capacity);
          put(bufX, j * nx, bufY, j * ny, bufW, j);
          bufX.set(data.x.subarray(xo, xo + nx), j * nx);
          bufY.set(t.y.subarray(yo, yo + ny), j * ny);
          if (nw > 0) bufW[j] = w[wo] ?? 0;
        }
        if (inBatch === batchSize) yield emit();
      }
    }
    // Drain the buffer in random order.
    const order = new Int32Array(held);
    for (let i = 0; i < held; i++) order[i] = i;
    rng.shuffle(order);
    for (const j of order) {
      put(bufX, j * nx, bufY, j * ny, bufW, j);
      if (inBatch === batchSize) yield emit();
    }
    if (inBatch > 0) yield emit();
  }
}

export interface StreamingData {
  train: StreamingCsv;
  validation?: StreamingCsv;
  preprocessing: PreprocessingState;
  numClasses?: number;
}

/** `loadData` for a streamed training CSV (validation: `validation_split` or a streamed file). */
export async function loadStreamingData(spec: DataSpec, src: CsvSource, opts: LoadOptions): Promise<StreamingData> {
  const s = await scan(src, opts.encoding);
  const state: DataState = {
    features: s.features,
    label: src.label,
    ...(s.vocab.classes ? { classes: s.vocab.classes } : {}),
    ...(s.vocab.numClasses !== undefined ? { numClasses: s.vocab.numClasses } : {}),
    encoding: opts.encoding,
    ...(src.sampleWeight !== undefined ? { sample_weight: src.sampleWeight } : {}),
    table: tableStateOf(src),
  };
  const layout = layoutOf(src);
  const nf = s.features.length;
  const xShape = sampleShape(nf, [nf], opts.inputShape, `${src.given} has ${nf} feature column${nf === 1 ? '' : 's'}`, src.loc);
  const yShape = opts.encoding === 'categorical' ? [state.numClasses ?? 0] : opts.encoding === 'sparse' ? [] : [1];
  const split = spec.validationSplit ?? 0;
  let trainRows = s.rows;
  let validation: StreamingCsv | undefined;
  if (split > 0) {
    // Keras: split_at = floor(n * (1 - validation_split)); the validation rows are the last ones.
    trainRows = Math.floor(s.rows * (1 - split));
    if (trainRows === 0 || trainRows === s.rows) {
      throw new DataError({
        message: `the training data has ${s.rows} samples, which is not sufficient to split it into a validation and training set as specified by validation_split=${split}`,
        loc: src.loc,
      });
    }
    validation = new StreamingCsv({ src, layout, state, from: trainRows, to: s.rows, xShape, yShape });
  } else if (spec.validation) {
    if (spec.validation.kind !== 'csv') {
      throw new DataError({ message: 'with a streamed training CSV, the validation data must be a CSV file too', loc: spec.validation.loc });
    }
    validation = await laterStream(spec.validation, state, xShape, yShape);
  }
  return {
    train: new StreamingCsv({ src, layout, state, from: 0, to: trainRows, xShape, yShape }),
    ...(validation ? { validation } : {}),
    preprocessing: state,
    ...(state.numClasses !== undefined ? { numClasses: state.numClasses } : {}),
  };
}

/** A validation/test CSV streamed with the training state (its rows counted first). */
async function laterStream(src: CsvSource, state: DataState, xShape: number[], yShape: number[]): Promise<StreamingCsv> {
  let rows = 0;
  const weight = src.sampleWeight ?? state.sample_weight;
  const own: DataState = { ...state, ...(weight !== undefined ? { sample_weight: weight } : {}) };
  const plan = (h: string[]): CsvPlan => savedPlan(h, src.given, state.features, state.label, true, src.loc, weight);
  const layout = layoutOf(src, state.table);
  for await (const { data } of csvChunks({ path: src.path, given: src.given, plan, layout })) rows += data.rows;
  return new StreamingCsv({ src, layout, state: own, from: 0, to: rows, xShape, yShape });
}


/**
 * What `kerats train` loads: the streamed form when the training CSV streams (`stream: true`, or
 * `auto` above the threshold), else `loadData`'s in-memory examples.
 */
export async function loadTrainingData(spec: DataSpec, opts: LoadOptions): Promise<LoadedData<AnyExamples>> {
  if (spec.train.kind === 'csv' && wantsStreaming(spec.train)) {
    if (spec.test) throw new DataError({ message: 'a streamed training CSV cannot have data.test yet; evaluate the test file with `kerats evaluate`', loc: spec.test.loc });
    return loadStreamingData(spec, spec.train, opts);
  }
  return loadData(spec, opts);
}
