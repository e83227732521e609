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
import type { CsvPlan } from './csv.js';
import { loadData, type LoadOptions } from './index.js';
import { encodeLabels, fitLabels, type LabelSource, type LabelVocabulary } from './labels.js';
import { csvChunks } from './stream-chunks.js';
import { mixSeed } from './synthetic.js';
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
  if (src.format && src.format !== 'csv') return `format ${src.format}`;
  if (src.timeseries) return 'timeseries';
  if (src.preprocess && Object.keys(src.preprocess).length > 0) return 'preprocess';
  if (src.missing && src.missing !== 'error') return `missing: ${src.missing}`;
  if (src.header === false) return 'header: false';
  if (src.delimiter && src.delimiter !== ',') return 'delimiter';
  if (src.labelPosition !== undefined || src.featurePattern) return 'label by position / feature patterns';
  return undefined;
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

/** The counting pass: rows, feature names, label vocabulary; every cell is checked on the way. */
async function scan(src: CsvSource, encoding: TargetEncoding): Promise<Scan> {
  let features: string[] = [];
  let header: string[] = [];
  let rows = 0;
  // Distinct label cells with the line each first appears on (for fitLabels' messages).
  const firstSeen = new Map<string, number>();
  const plan = (h: string[]): CsvPlan => {
    header = h;
    const p = trainingPlan(h, src.given, src.label, src.features, src.loc);
    features = p.featureNames;
    return p;
  };
  for await (const { data } of csvChunks({ path: src.path, given: src.given, plan })) {
    rows += data.rows;
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
    const rowBytes = 4 * (nx + ny);
    const capacity = opts.shuffle ? Math.max(batchSize, Math.min(this.size, Math.floor(SHUFFLE_BUFFER_BYTES / rowBytes))) : 0;
    const rng = new Prng(mixSeed(opts.seed, opts.epoch));
    // The shuffle buffer (Keras's Dataset.shuffle(buffer_size)): a random resident row leaves as each new row arrives.
    const bufX = new Float32Array(capacity * nx);
    const bufY = new Float32Array(capacity * ny);
    let held = 0;
    let bx = new Float32Array(batchSize * nx);
    let by = new Float32Array(batchSize * ny);
    let inBatch = 0;
    const emit = (): ExampleBatch => {
      const batch = { x: tf.tensor(bx.subarray(0, inBatch * nx), [inBatch, ...xShape], 'float32'), y: tf.tensor(by.subarray(0, inBatch * ny), [inBatch, ...yShape], 'float32') };
      bx = new Float32Array(batchSize * nx);
      by = new Float32Array(batchSize * ny);
      inBatch = 0;
      return batch;
    };
    const put = (x: Float32Array, xo: number, y: Float32Array, yo: number): void => {
      bx.set(x.subarray(xo, xo + nx), inBatch * nx);
      by.set(y.subarray(yo, yo + ny), inBatch * ny);
      inBatch++;
    };
    const plan = (h: string[]): CsvPlan => savedPlan(h, this.o.src.given, state.features, state.label, true, this.o.src.loc);
    for await (const { data, firstRow } of csvChunks({ path: this.o.src.path, given: this.o.src.given, plan })) {
      if (firstRow >= to) break;
      const lo = Math.max(0, from - firstRow);
      const hi = Math.min(data.rows, to - firstRow);
      if (hi <= lo) continue;
      const labelSrc: LabelSource = { file: data.file, column: state.label ?? '', col: data.header.indexOf(state.label ?? '') + 1, lines: data.lines.subarray(lo, hi) };
      const t = encodeLabels((data.labels ?? []).slice(lo, hi), labelSrc, state.encoding, state);
      for (let r = lo; r < hi; r++) {
        const xo = r * nx;
        const yo = (r - lo) * ny;
        if (capacity === 0) put(data.x, xo, t.y, yo);
        else if (held < capacity) {
          bufX.set(data.x.subarray(xo, xo + nx), held * nx);
          bufY.set(t.y.subarray(yo, yo + ny), held * ny);
          held++;
          continue;
        } else {
          const j = rng.int(capacity);
          put(bufX, j * nx, bufY, j * ny);
          bufX.set(data.x.subarray(xo, xo + nx), j * nx);
          bufY.set(t.y.subarray(yo, yo + ny), j * ny);
        }
        if (inBatch === batchSize) yield emit();
      }
    }
    // Drain the buffer in random order.
    const order = new Int32Array(held);
    for (let i = 0; i < held; i++) order[i] = i;
    rng.shuffle(order);
    for (const j of order) {
      put(bufX, j * nx, bufY, j * ny);
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
  const state: PreprocessingState = {
    features: s.features,
    label: src.label,
    ...(s.vocab.classes ? { classes: s.vocab.classes } : {}),
    ...(s.vocab.numClasses !== undefined ? { numClasses: s.vocab.numClasses } : {}),
    encoding: opts.encoding,
  };
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
    validation = new StreamingCsv({ src, state, from: trainRows, to: s.rows, xShape, yShape });
  } else if (spec.validation) {
    if (spec.validation.kind !== 'csv') {
      throw new DataError({ message: 'with a streamed training CSV, the validation data must be a CSV file too', loc: spec.validation.loc });
    }
    validation = await laterStream(spec.validation, state, xShape, yShape);
  }
  return {
    train: new StreamingCsv({ src, state, from: 0, to: trainRows, xShape, yShape }),
    ...(validation ? { validation } : {}),
    preprocessing: state,
    ...(state.numClasses !== undefined ? { numClasses: state.numClasses } : {}),
  };
}

/** A validation/test CSV streamed with the training state (its rows counted first). */
async function laterStream(src: CsvSource, state: PreprocessingState, xShape: number[], yShape: number[]): Promise<StreamingCsv> {
  let rows = 0;
  const plan = (h: string[]): CsvPlan => savedPlan(h, src.given, state.features, state.label, true, src.loc);
  for await (const { data } of csvChunks({ path: src.path, given: src.given, plan })) rows += data.rows;
  return new StreamingCsv({ src, state, from: 0, to: rows, xShape, yShape });
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
