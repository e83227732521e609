/**
 * NumPy `.npy` arrays (format versions 1-3) and `.npz` archives (a zip of .npy files, stored or
 * deflated). `readNpyHeader` parses the header for every .npy reader of the project.
 */
import { DataError } from '../../util/errors.js';
import { readZip } from './zip.js';

export interface NdArray {
  shape: number[];
  /** Values as float32 (integers and bools converted). */
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function bad(file: string, why: string): DataError {
  return new DataError(`${file}: not a valid .npy file: ${why}`);
}

export interface NpyHeader {
  /** NumPy dtype string (`<f4`, `|u1`, `|O`, ...). */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data. */
  offset: number;
}

/**
 * Reads the header of .npy bytes (format versions 1-3): magic, version, header length, then the
 * Python dict literal with `descr`, `fortran_order` and `shape`. Shared by data sources and the
 * built-in datasets, so both accept the same files and report the same problems.
 */
export function readNpyHeader(buf: Uint8Array, file: string): NpyHeader {
  if (buf.length < 10 || !MAGIC.every((b, i) => buf[i] === b)) throw bad(file, 'it does not start with the \\x93NUMPY magic bytes');
  const major = buf[6] ?? 0;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (major !== 1 && buf.length < 12) throw bad(file, 'the header is cut short (truncated?)');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > buf.length) throw bad(file, `the header says it is ${headerLen} bytes long but the file ends first (truncated?)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(file, `cannot read its header ${JSON.stringify(header.trim())}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  return { descr, fortranOrder: fortran === 'True', shape, offset: start + headerLen };
}

/** Parses one .npy file's bytes. */
export function parseNpy(buf: Uint8Array, file: string): NdArray {
  const { descr, fortranOrder, shape, offset } = readNpyHeader(buf, file);
  if (fortranOrder) throw new DataError(`${file}: Fortran-order arrays are not supported (save with np.ascontiguousarray(a))`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const count = shape.reduce((a, b) => a * b, 1);
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) throw new DataError(`${file}: unsupported dtype ${JSON.stringify(descr)} (expected a numeric array)`);
  const little = m[1] !== '>';
  const kind = m[2] ?? '';
  const bytes = Number(m[3]);
  if (offset + count * bytes > buf.length) {
    throw bad(file, `shape (${shape.join(', ')}) needs ${count * bytes} bytes of data but only ${buf.length - offset} are there (truncated?)`);
  }
  const read = reader(kind, bytes, little, view);
  if (!read) throw new DataError(`${file}: unsupported dtype ${JSON.stringify(descr)} (supported: float16/32/64, int8-64, uint8-64, bool)`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = read(offset + i * bytes);
  return { shape, data };
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function reader(kind: string, bytes: number, le: boolean, v: DataView): ((at: number) => number) | undefined {
  if (kind === 'f' && bytes === 4) return (at) => v.getFloat32(at, le);
  if (kind === 'f' && bytes === 8) return (at) => v.getFloat64(at, le);
  if (kind === 'f' && bytes === 2) return (at) => half(v.getUint16(at, le));
  if ((kind === 'u' || kind === 'b') && bytes === 1) return (at) => v.getUint8(at);
  if (kind === 'i' && bytes === 1) return (at) => v.getInt8(at);
  if (kind === 'u' && bytes === 2) return (at) => v.getUint16(at, le);
  if (kind === 'i' && bytes === 2) return (at) => v.getInt16(at, le);
  if (kind === 'u' && bytes === 4) return (at) => v.getUint32(at, le);
  if (kind === 'i' && bytes === 4) return (at) => v.getInt32(at, le);
  if (kind === 'u' && bytes === 8) return (at) => Number(v.getBigUint64(at, le));
  if (kind === 'i' && bytes === 8) return (at) => Number(v.getBigInt64(at, le));
  return undefined;
}

/** The arrays of an .npz archive by name (without the `.npy` suffix). */
export function parseNpz(buf: Uint8Array, file: string): Map<string, NdArray> {
  const out = new Map<string, NdArray>();
  for (const [name, bytes] of readZip(buf, file)) {
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), parseNpy(bytes, `${file}[${name}]`));
  }
  return out;
}

/** Writes a little-endian float32 or uint8 .npy (for tests and fixtures). */
export function encodeNpy(shape: number[], data: Float32Array | Uint8Array): Uint8Array {
  const descr = data instanceof Float32Array ? '<f4' : '|u1';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
