/**
 * A minimal writer of TensorBoard event files: TFRecord framing around `tensorflow.Event`
 * protocol buffers carrying scalar summaries (Scalars dashboard), histograms (Histograms and
 * Distributions dashboards) and a Keras model's JSON (Graphs dashboard, "conceptual graph").
 *
 * TFRecord record: uint64 LE length, uint32 LE masked CRC32C of those 8 bytes, the data, uint32
 * LE masked CRC32C of the data. Masking: ((crc >>> 15) | (crc << 17)) + 0xa282ead8.
 * Event (tensorflow/core/util/event.proto): 1 wall_time (double), 2 step (int64),
 * 3 file_version (string), 5 summary (Summary). Summary: 1 value (repeated Summary.Value).
 * Summary.Value: 1 tag (string), 2 simple_value (float), 5 histo (HistogramProto), 8 tensor
 * (TensorProto), 9 metadata (SummaryMetadata).
 * HistogramProto (summary.proto): 1 min, 2 max, 3 num, 4 sum, 5 sum_squares (doubles), 6
 * bucket_limit, 7 bucket (packed repeated doubles); bucket i counts values in
 * (bucket_limit[i-1], bucket_limit[i]], the first from -inf.
 * TensorProto: 1 dtype (enum, DT_STRING = 7), 2 tensor_shape (empty: a scalar), 8 string_val.
 * SummaryMetadata: 1 plugin_data (PluginData: 1 plugin_name, 2 content).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    // CRC-32C (Castagnoli), reflected polynomial 0x82F63B78.
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of data) crc = (CRC_TABLE[(crc ^ b) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** Protocol buffer encoding of the few field kinds an Event needs. */
class Proto {
  private readonly parts: number[] = [];
  private varint(v: number): void {
    let n = BigInt(Math.floor(v));
    if (n < 0n) n += 1n << 64n;
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) byte |= 0x80;
      this.parts.push(byte);
    } while (n > 0n);
  }
  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  double(field: number, v: number): this {
    this.key(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.parts.push(...b);
    return this;
  }
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(...b);
    return this;
  }
  int64(field: number, v: number): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }
  bytes(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.varint(data.length);
    this.parts.push(...data);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }
  /** A packed repeated double field. */
  doubles(field: number, values: readonly number[]): this {
    const b = Buffer.alloc(8 * values.length);
    values.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
    return this.bytes(field, b);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** One TFRecord around `data`. */
export function tfrecord(data: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header.writeBigUInt64LE(BigInt(data.length));
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  header.copy(out, 0);
  out.writeUInt32LE(maskedCrc32c(header), 8);
  Buffer.from(data).copy(out, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

export function scalarEvent(wallTime: number, step: number, values: Record<string, number>): Uint8Array {
  const summary = new Proto();
  for (const [tag, v] of Object.entries(values)) summary.bytes(1, new Proto().string(1, tag).float(2, v).finish());
  return new Proto().double(1, wallTime).int64(2, step).bytes(5, summary.finish()).finish();
}

/** TensorFlow 2's default number of histogram buckets (`tf.summary.histogram`). */
export const HISTOGRAM_BUCKETS = 30;

export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  /** Right edge of each bucket (the last is `max`). */
  bucketLimit: number[];
  bucket: number[];
}

/**
 * Values binned like `tf.summary.histogram`: `buckets` equal-width buckets from min to max (all
 * values equal make one bucket). A value on an inner edge goes to the bucket that edge closes, as
 * HistogramProto's (bucket_limit[i-1], bucket_limit[i]] ranges say.
 */
export function histogramOf(values: ArrayLike<number>, buckets = HISTOGRAM_BUCKETS): Histogram {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  const num = values.length;
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
  if (max === min) return { min, max, num, sum, sumSquares, bucketLimit: [max], bucket: [num] };
  const width = (max - min) / buckets;
  const bucketLimit = Array.from({ length: buckets }, (_, k) => (k === buckets - 1 ? max : min + (k + 1) * width));
  const bucket = new Array<number>(buckets).fill(0);
  for (let i = 0; i < values.length; i++) {
    // The first bucket whose limit is >= the value (binary search over the limits themselves, so
    // the counts agree with the limits written, rounding included).
    const v = values[i] ?? 0;
    let lo = 0;
    let hi = buckets - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= (bucketLimit[mid] ?? max)) hi = mid;
      else lo = mid + 1;
    }
    bucket[lo] = (bucket[lo] ?? 0) + 1;
  }
  return { min, max, num, sum, sumSquares, bucketLimit, bucket };
}

export function histogramEvent(wallTime: number, step: number, values: Record<string, Histogram>): Uint8Array {
  const summary = new Proto();
  for (const [tag, h] of Object.entries(values)) {
    const histo = new Proto().double(1, h.min).double(2, h.max).double(3, h.num).double(4, h.sum).double(5, h.sumSquares);
    histo.doubles(6, h.bucketLimit).doubles(7, h.bucket);
    summary.bytes(1, new Proto().string(1, tag).bytes(5, histo.finish()).finish());
  }
  return new Proto().double(1, wallTime).int64(2, step).bytes(5, summary.finish()).finish();
}

/**
 * A string tensor summary for a TensorBoard plugin, as Keras's `keras_model_summary` writes the
 * model's JSON (`plugin: graph_keras_model`, content "1").
 */
export function pluginTextEvent(wallTime: number, step: number, tag: string, plugin: string, content: string, text: string): Uint8Array {
  const pluginData = new Proto().string(1, plugin).string(2, content).finish();
  const metadata = new Proto().bytes(1, pluginData).finish();
  const DT_STRING = 7;
  const tensor = new Proto().int64(1, DT_STRING).bytes(2, new Uint8Array(0)).string(8, text).finish();
  const value = new Proto().string(1, tag).bytes(8, tensor).bytes(9, metadata).finish();
  const summary = new Proto().bytes(1, value).finish();
  return new Proto().double(1, wallTime).int64(2, step).bytes(5, summary).finish();
}

/** Distinguishes writers one process opens in the same second (TF's file names carry a counter too). */
let writersOpened = 0;

/**
 * Appends events to `<dir>/events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2` (TensorFlow 2's
 * naming), each write flushed to disk.
 */
export class EventFileWriter {
  readonly file: string;

  /** A new event file in `dir`, or (with `continueFile`) an existing one appended to. */
  constructor(dir: string, continueFile?: string) {
    if (continueFile !== undefined) {
      this.file = continueFile;
      return;
    }
    fs.mkdirSync(dir, { recursive: true });
    const now = Date.now() / 1000;
    this.file = path.join(dir, `events.out.tfevents.${Math.floor(now)}.${os.hostname()}.${process.pid}.${writersOpened++}.v2`);
    const version = new Proto().double(1, now).int64(2, 0).string(3, 'brain.Event:2').finish();
    fs.writeFileSync(this.file, tfrecord(version));
  }

  /**
   * Continues `file` as it was when it held `bytes` bytes: what was written after that (events a
   * resumed run writes again) is cut off, so every step stays in the file once. Undefined when
   * the file is gone or shorter (then the caller starts a new one).
   */
  static resume(file: string, bytes: number): EventFileWriter | undefined {
    const size = fs.existsSync(file) ? fs.statSync(file).size : -1;
    if (size < bytes || bytes <= 0) return undefined;
    fs.truncateSync(file, bytes);
    return new EventFileWriter(path.dirname(file), file);
  }

  /** The file's length now (what a checkpoint records). */
  get bytes(): number {
    return fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
  }

  scalars(step: number, values: Record<string, number>): void {
    if (Object.keys(values).length === 0) return;
    fs.appendFileSync(this.file, tfrecord(scalarEvent(Date.now() / 1000, step, values)));
  }

  histograms(step: number, values: Record<string, Histogram>): void {
    if (Object.keys(values).length === 0) return;
    fs.appendFileSync(this.file, tfrecord(histogramEvent(Date.now() / 1000, step, values)));
  }

  /** The model's Keras JSON under tag `keras` at step 0, which TensorBoard's Graphs dashboard draws. */
  kerasModel(json: string): void {
    fs.appendFileSync(this.file, tfrecord(pluginTextEvent(Date.now() / 1000, 0, 'keras', 'graph_keras_model', '1', json)));
  }
}
