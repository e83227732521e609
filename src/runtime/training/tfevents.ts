/**
 * A minimal writer of TensorBoard event files: TFRecord framing around `tensorflow.Event`
 * protocol buffers carrying scalar summaries, enough for TensorBoard's Scalars dashboard.
 *
 * TFRecord record: uint64 LE length, uint32 LE masked CRC32C of those 8 bytes, the data, uint32
 * LE masked CRC32C of the data. Masking: ((crc >>> 15) | (crc << 17)) + 0xa282ead8.
 * Event (tensorflow/core/util/event.proto): 1 wall_time (double), 2 step (int64),
 * 3 file_version (string), 5 summary (Summary). Summary: 1 value (repeated Summary.Value).
 * Summary.Value: 1 tag (string), 2 simple_value (float).
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

/** Appends scalar events to `<dir>/events.out.tfevents.<seconds>.<host>`, each write flushed to disk. */
export class EventFileWriter {
  readonly file: string;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    const now = Date.now() / 1000;
    this.file = path.join(dir, `events.out.tfevents.${Math.floor(now)}.${os.hostname()}`);
    const version = new Proto().double(1, now).int64(2, 0).string(3, 'brain.Event:2').finish();
    fs.writeFileSync(this.file, tfrecord(version));
  }

  scalars(step: number, values: Record<string, number>): void {
    if (Object.keys(values).length === 0) return;
    fs.appendFileSync(this.file, tfrecord(scalarEvent(Date.now() / 1000, step, values)));
  }
}
