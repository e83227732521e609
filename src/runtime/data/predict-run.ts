/**
 * `kerats predict`: a run folder's model and preprocessing applied to new data, read and predicted
 * a chunk at a time, written as CSV, JSON or NDJSON. Bad rows stop the run with their position, or
 * are skipped and counted.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs, createWriteStream } from 'node:fs';
import path from 'node:path';
import { DataError, KeratsError } from '../../util/errors.js';
import { atPath, osUserError } from '../../util/os-errors.js';
import { activationModel } from '../inspect.js';
import { loadModel } from '../../saving/model-io.js';
import { kerasFileKind, loadKerasModelFile } from '../../saving/model-file.js';
import { type RawRecord, recordChunks } from './chunks.js';
import { listImageFolder, readImages } from './images.js';
import { parseIdx } from './idx.js';
import { parseNpy, parseNpz } from './npy.js';
import { type Cell, flatOutputs, type OutputGroup, outputGroup, outputState, RowWriter } from './predictions.js';
import { type DataState, tableLater } from './table-source.js';
import { readBytes } from './sources.js';

export interface PredictOptions {
  runDir: string;
  input: string;
  /** Output file, or '-' / undefined for stdout. */
  out?: string;
  batchSize: number;
  idColumns: string[];
  skipBadRows: boolean;
  layer?: string;
  /** Records read and predicted per chunk. */
  chunkRows?: number;
  /** Keep the predictions in the result (`predict --json` to stdout) instead of writing them. */
  collect?: boolean;
}

export interface PredictResult {
  rows: number;
  skipped: number;
  /** The first few skipped rows' reasons. */
  skipped_reasons: string[];
  columns: string[];
  output: string;
  /** The predictions, one object per row keyed by column (with `collect`). */
  predictions?: Record<string, unknown>[];
}

export async function readState(runDir: string): Promise<DataState> {
  const file = path.join(runDir, 'preprocessing.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new DataError(`${runDir}: not a run folder (no preprocessing.json; give the folder \`kerats train\` printed)`);
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (err) {
    throw new DataError(`cannot read the preprocessing state "${file}": it is not valid JSON (${(err as Error).message}); the run folder is damaged, restore it or train again`);
  }
  if (!state || typeof state !== 'object' || Array.isArray(state)) {
    throw new DataError(`cannot read the preprocessing state "${file}": expected a JSON object, found ${Array.isArray(state) ? 'a list' : JSON.stringify(state)}; the run folder is damaged, restore it or train again`);
  }
  return state as DataState;
}

function outputFormat(out: string | undefined): 'csv' | 'json' | 'ndjson' {
  const ext = out && out !== '-' ? path.extname(out).toLowerCase() : '';
  return ext === '.json' ? 'json' : ext === '.ndjson' || ext === '.jsonl' ? 'ndjson' : 'csv';
}

function inputFormat(input: string, state: DataState): 'csv' | 'tsv' | 'json' | 'ndjson' | undefined {
  const ext = path.extname(input).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.json') return 'json';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  return state.table?.format;
}

/**
 * The state a Keras file without kerats metadata implies: a table's columns (but the id columns)
 * are the model's raw features; array files hold samples of the model's input shape.
 */
async function inferredState(input: string, model: tf.LayersModel, idColumns: string[]): Promise<DataState> {
  const ext = path.extname(input).toLowerCase();
  const sampleShape = (model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? -1);
  if (['.npy', '.npz', '.idx', '.ubyte'].includes(ext) || /-idx\d-ubyte$/.test(input)) {
    return { features: [], encoding: 'regression', arrays: { format: ext.slice(1), sample_shape: sampleShape } };
  }
  const format = ext === '.tsv' || ext === '.tab' ? 'tsv' : ext === '.json' ? 'json' : ext === '.ndjson' || ext === '.jsonl' ? 'ndjson' : 'csv';
  if (input === '-' || format === 'json' || format === 'ndjson') {
    throw new DataError(`${input}: this Keras file has no kerats metadata naming its input columns; give a CSV/TSV file whose columns (but --id-column ones) are the model's inputs in order`);
  }
  const head = (await readBytes(input, input)).subarray(0, 1 << 16);
  const firstLine = new TextDecoder().decode(head).split(/\r?\n/)[0] ?? '';
  const header = firstLine.split(format === 'tsv' ? '\t' : ',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  return { features: header.filter((h) => !idColumns.includes(h)), encoding: 'regression', table: { format, missing: 'error', transforms: {} } };
}

/** The model and the preprocessing for raw input: a run folder, or a .keras / .h5 file. */
async function predictModel(opts: PredictOptions): Promise<{ model: tf.LayersModel; state: DataState }> {
  if (kerasFileKind(opts.runDir)) {
    const loaded = await loadKerasModelFile(opts.runDir);
    return { model: loaded.model, state: loaded.state ?? (await inferredState(opts.input, loaded.model, opts.idColumns)) };
  }
  const state = await readState(opts.runDir);
  return { model: await loadModel(path.join(opts.runDir, 'model.json')), state };
}

export async function runPredict(opts: PredictOptions): Promise<PredictResult> {
  // A missing input is the user's to fix (exit 2), found before the model loads.
  if (opts.input !== '-') {
    const found = await fs.stat(opts.input).then(() => true, () => false);
    if (!found) throw new DataError(`cannot read the input "${opts.input}": no such file or folder; give a CSV/TSV/JSON/NDJSON file, an image or image folder, an .npy/.npz/IDX file, or - for stdin`);
  }
  const { model, state } = await predictModel(opts);
  const net = opts.layer ? activationModel(model, opts.layer) : model;
  const inputShape = (model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? -1);
  const shape = inputShape.every((d) => d > 0) ? inputShape : undefined;
  const collected: string[] = [];
  const format = opts.collect ? 'json' : outputFormat(opts.out);
  const toStdout = opts.out === undefined || opts.out === '-';
  // Open the output first: a missing folder or a read-only disk is said before anything is predicted.
  if (!toStdout) await atPath(opts.out ?? '', 'write', async () => (await fs.open(`${opts.out}.partial`, 'w')).close());
  const stream = toStdout ? process.stdout : createWriteStream(`${opts.out}.partial`);
  // A write error (disk full) is kept and reported by the next write, naming the output file.
  let streamError: Error | undefined;
  const asUserError = (e: Error): Error => osUserError(e, opts.out, 'write') ?? e;
  stream.on('error', (e: Error) => (streamError = asUserError(e)));
  const write = (s: string): Promise<void> =>
    opts.collect ? Promise.resolve(void collected.push(s)) : new Promise((resolve, reject) => {
      if (streamError) return reject(streamError);
      const onError = (e: Error) => reject(asUserError(e));
      stream.once('error', onError);
      const done = () => {
        stream.off('error', onError);
        resolve();
      };
      if (stream.write(s)) done();
      else stream.once('drain', done);
    });
  const writer = new RowWriter(format, write);
  let groups: OutputGroup[] | undefined;
  let columns: string[] = [...opts.idColumns];
  let rows = 0;

  /** Predicts one chunk and writes its rows. */
  const emit = async (x: Float32Array, n: number, xShape: number[], ids: Cell[][], idNames: string[]): Promise<void> => {
    if (n === 0) return;
    const outs = tf.tidy(() => flatOutputs(net.predict(tf.tensor(x, [n, ...xShape], 'float32'), { batchSize: opts.batchSize }) as tf.Tensor | tf.Tensor[]));
    if (!groups) {
      const names = opts.layer ? [opts.layer] : net.outputNames;
      groups = outs.map((o, k) => outputGroup(opts.layer ? state : outputState(state, names[k]), o.width, outs.length > 1 || opts.layer ? names[k] ?? `output_${k}` : '', opts.layer !== undefined));
      columns = [...idNames, ...groups.flatMap((g) => g.columns)];
    }
    const out: Cell[][] = [];
    for (let i = 0; i < n; i++) out.push([...(ids[i] ?? []), ...groups.flatMap((g, k) => g.rows(outs[k]?.values ?? new Float32Array(0), outs[k]?.width ?? 0, i))]);
    await writer.rows(columns, out);
    rows += n;
  };

  const skipped: string[] = [];
  try {
    if (state.image) await predictImages(opts, state, shape, emit);
    else if (state.arrays) await predictArrays(opts, state, shape, emit);
    else await predictTable(opts, state, shape, emit, skipped);
    await writer.end(columns);
  } catch (e) {
    if (!toStdout) {
      stream.end();
      await fs.rm(`${opts.out}.partial`, { force: true });
    }
    throw e;
  } finally {
    // The activation model shares the model's layers: disposing the model frees both.
    model.dispose();
  }
  if (!toStdout) {
    await new Promise<void>((resolve) => stream.end(resolve));
    if (streamError) {
      await fs.rm(`${opts.out}.partial`, { force: true });
      throw streamError;
    }
    await atPath(opts.out ?? '', 'write', () => fs.rename(`${opts.out}.partial`, opts.out ?? ''));
  }
  const result: PredictResult = { rows, skipped: skipped.length, skipped_reasons: skipped.slice(0, 10), columns, output: toStdout ? '-' : opts.out ?? '-' };
  if (opts.collect) result.predictions = JSON.parse(collected.join('')) as Record<string, unknown>[];
  return result;
}

type Emit = (x: Float32Array, n: number, xShape: number[], ids: Cell[][], idNames: string[]) => Promise<void>;

async function predictImages(opts: PredictOptions, state: DataState, shape: number[] | undefined, emit: Emit): Promise<void> {
  const img = state.image;
  if (!img) return;
  let files: string[];
  const stat = await fs.stat(opts.input).catch(() => undefined);
  if (!stat) throw new DataError(`${opts.input}: not found (give an image file or a folder of images)`);
  if (stat.isDirectory()) {
    const entries = await fs.readdir(opts.input, { withFileTypes: true });
    const flat = entries.filter((e) => e.isFile() && /\.(png|jpe?g)$/i.test(e.name)).map((e) => path.join(opts.input, e.name)).sort();
    files = flat.length > 0 ? flat : (await listImageFolder(opts.input, opts.input)).files.map((f) => f.path);
  } else files = [opts.input];
  const channels = img.color_mode === 'grayscale' ? 1 : img.color_mode === 'rgb' ? 3 : 4;
  const xShape = shape ?? [...img.image_size, channels];
  const chunk = Math.max(opts.batchSize, 256);
  for (let s = 0; s < files.length; s += chunk) {
    const part = files.slice(s, s + chunk);
    const x = await readImages(part, img.image_size, img.color_mode, img.rescale, (p) => p);
    await emit(x, part.length, xShape, part.map((p) => [p]), ['file']);
  }
}

async function predictArrays(opts: PredictOptions, state: DataState, shape: number[] | undefined, emit: Emit): Promise<void> {
  const bytes = await readBytes(opts.input, opts.input);
  const ext = path.extname(opts.input).toLowerCase();
  const arr = ext === '.npz' ? [...parseNpz(bytes, opts.input).values()][0] : ext === '.npy' ? parseNpy(bytes, opts.input) : parseIdx(bytes, opts.input);
  if (!arr) throw new DataError(`${opts.input}: the archive holds no arrays`);
  const n = arr.shape[0] ?? 0;
  const per = n > 0 ? arr.data.length / n : 0;
  const expected = state.arrays?.sample_shape ?? [];
  if (per !== expected.reduce((a, b) => a * b, 1)) {
    throw new DataError(`${opts.input} has samples of shape [${arr.shape.slice(1).join(', ')}] but the model was trained on [${expected.join(', ')}]`);
  }
  const rescale = state.arrays?.rescale;
  if (rescale !== undefined) for (let i = 0; i < arr.data.length; i++) arr.data[i] = (arr.data[i] ?? 0) * rescale;
  const chunk = Math.max(opts.batchSize, 4096);
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    await emit(arr.data.subarray(s * per, (s + m) * per), m, shape ?? expected, Array.from({ length: m }, (_, i) => [s + i]), ['index']);
  }
}

/** Joins records into parseable text that keeps their physical line numbers (blank lines re-inserted). */
function chunkText(records: RawRecord[]): string {
  let text = '';
  let next = records[0]?.line ?? 1;
  for (const r of records) {
    text += '\n'.repeat(Math.max(0, r.line - next)) + r.text + '\n';
    next = r.line + 1 + (r.text.match(/\n/g)?.length ?? 0);
  }
  return text;
}

async function predictTable(opts: PredictOptions, state: DataState, shape: number[] | undefined, emit: Emit, skipped: string[]): Promise<void> {
  const format = inputFormat(opts.input, state);
  const given = opts.input === '-' ? 'stdin' : opts.input;
  const later = (text: string, lineOffset: number) =>
    tableLater(text, given, state, { labels: 'none', loc: { file: given, line: 1, col: 1 }, ...(shape ? { inputShape: shape } : {}), extra: opts.idColumns, lineOffset, ...(format ? { format } : {}) });
  const ids = (extra: Map<string, string[]>, n: number): Cell[][] => Array.from({ length: n }, (_, i) => opts.idColumns.map((c) => extra.get(c)?.[i] ?? ''));

  // Whole-file inputs: JSON lists, and time series (windows span chunk boundaries).
  if (format === 'json' || state.table?.timeseries) {
    const text = opts.input === '-' ? await readStdin() : new TextDecoder().decode(await readBytes(opts.input, opts.input));
    const t = later(text, 0);
    await emit(t.arrays.x, t.arrays.n, t.arrays.xShape, ids(t.extra, t.arrays.n), opts.idColumns);
    return;
  }
  const hasHeader = format !== 'ndjson' && state.table?.header !== false;
  let header: RawRecord | undefined;
  let recordCount = 0;
  for await (const chunk of recordChunks(opts.input, opts.chunkRows ?? Math.max(opts.batchSize, 1024))) {
    let records = chunk;
    if (hasHeader && !header) {
      header = records[0];
      records = records.slice(1);
      // Check the header (columns, not junk) before the first data row arrives, as training does.
      if (header) checkHeaderOnly(header.text, later);
    }
    recordCount += records.length;
    while (records.length > 0) {
      const first = records[0]?.line ?? 1;
      // The header is re-sent with every chunk on the line just before its first record.
      const text = header ? `${header.text}\n${chunkText(records)}` : chunkText(records);
      const offset = header ? first - 2 : first - 1;
      try {
        const t = later(text, offset);
        await emit(t.arrays.x, t.arrays.n, t.arrays.xShape, ids(t.extra, t.arrays.n), opts.idColumns);
        break;
      } catch (e) {
        const line = e instanceof KeratsError ? e.problems[0]?.loc?.line : undefined;
        if (!opts.skipBadRows || !(e instanceof DataError) || line === undefined || line < first) throw e;
        // Drop the record the error points into, and try the rest of the chunk again.
        let bad = 0;
        records.forEach((r, i) => {
          if (r.line <= line) bad = i;
        });
        skipped.push(e.message);
        records = records.filter((_, i) => i !== bad);
      }
    }
  }
  // An empty file, blank lines only or a header without rows: parsing what there is says which, with file:line.
  if (recordCount === 0) later(header ? `${header.text}\n` : '', 0);
}

/**
 * Parses the header alone: a junk first line (binary, HTML, JSON) or one without the model's
 * columns is refused with its position. The "no data rows" error that a header alone gives is
 * expected here and ignored.
 */
function checkHeaderOnly(headerText: string, later: (text: string, lineOffset: number) => unknown): void {
  try {
    later(`${headerText}\n`, 0);
  } catch (e) {
    if (e instanceof DataError && /no data rows/.test(e.message)) return;
    throw e;
  }
}

async function readStdin(): Promise<string> {
  let s = '';
  process.stdin.setEncoding('utf8');
  for await (const piece of process.stdin as AsyncIterable<string>) s += piece;
  return s;
}
