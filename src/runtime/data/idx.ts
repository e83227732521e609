/**
 * IDX files, the MNIST family's format: two zero bytes, a type byte, the number of dimensions,
 * then big-endian uint32 sizes and the values. `.gz` files are gunzipped first (by magic bytes).
 * The header is read in one place (`readIdxHeader`), for data sources and built-in datasets alike.
 */
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../util/errors.js';
import type { NdArray } from './npy.js';

/** Bytes per value of each IDX type code (0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64). */
const TYPE_BYTES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

export interface IdxHeader {
  /** The type code (0x08 = unsigned bytes). */
  type: number;
  bytesPerValue: number;
  shape: number[];
  /** Byte offset of the first value. */
  offset: number;
  /** Number of values the shape needs. */
  count: number;
}

/** Gunzips `.gz` bytes (recognised by their magic bytes); other bytes are returned as they are. */
export function gunzipIfNeeded(input: Uint8Array, file: string): Uint8Array {
  if (input[0] !== 0x1f || input[1] !== 0x8b) return input;
  try {
    return new Uint8Array(gunzipSync(input));
  } catch (e) {
    throw new DataError(`${file}: cannot gunzip: ${(e as Error).message} (truncated download?)`);
  }
}

/**
 * Reads and checks the header of (gunzipped) IDX bytes: the magic, a known type, the sizes, and
 * that the data the shape needs is all there (naming the byte counts when it is not).
 */
export function readIdxHeader(buf: Uint8Array, file: string): IdxHeader {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new DataError(`${file}: not an IDX file (it must start with two zero bytes)`);
  const type = buf[2] ?? 0;
  const dims = buf[3] ?? 0;
  const bytesPerValue = TYPE_BYTES[type];
  if (bytesPerValue === undefined) throw new DataError(`${file}: unknown IDX data type 0x${type.toString(16)}`);
  if (buf.length < 4 + 4 * dims) throw new DataError(`${file}: the IDX header is cut short (truncated?)`);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape = Array.from({ length: dims }, (_, i) => v.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = 4 + 4 * dims;
  if (offset + count * bytesPerValue > buf.length) {
    throw new DataError(`${file}: shape [${shape.join(', ')}] needs ${count * bytesPerValue} bytes of data but only ${buf.length - offset} are there (truncated?)`);
  }
  return { type, bytesPerValue, shape, offset, count };
}

export function parseIdx(input: Uint8Array, file: string): NdArray {
  const buf = gunzipIfNeeded(input, file);
  const { type, bytesPerValue: bytes, shape, offset: off, count } = readIdxHeader(buf, file);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = off + i * bytes;
    data[i] =
      type === 0x08 ? v.getUint8(at) : type === 0x09 ? v.getInt8(at) : type === 0x0b ? v.getInt16(at, false) : type === 0x0c ? v.getInt32(at, false) : type === 0x0d ? v.getFloat32(at, false) : v.getFloat64(at, false);
  }
  return { shape, data };
}

/** Writes a uint8 IDX file (fixtures and tests). */
export function encodeIdx(shape: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const v = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = shape.length;
  shape.forEach((s, i) => v.setUint32(4 + 4 * i, s, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
