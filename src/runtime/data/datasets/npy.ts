/**
 * NumPy's `.npy` arrays and `.npz` archives (a zip of `.npy` members, stored or deflated), enough
 * to read Keras's dataset files: numeric dtypes, and object arrays (pickled lists, via pickle.ts).
 */
import { inflateRawSync } from 'node:zlib';
import { DataError } from '../../../util/errors.js';
import { unpickle, type NdArray } from './pickle.js';

export type NumericArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array;

/** A numeric array, or (dtype `O`) a list of Python objects. */
export interface Npy {
  shape: number[];
  descr: string;
  data: NumericArray | unknown[];
}

/** Unzips an archive into member name → bytes. */
export function readZip(buf: Uint8Array, file: string): Map<string, Uint8Array> {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = -1;
  for (let i = view.length - 22; i >= Math.max(0, view.length - 65_557); i--) {
    if (view.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new DataError(`${file} is not a zip/npz archive (no end-of-archive record); delete it so kerats can fetch it again`);
  const count = view.readUInt16LE(eocd + 10);
  let p = view.readUInt32LE(eocd + 16);
  const out = new Map<string, Uint8Array>();
  for (let k = 0; k < count; k++) {
    if (view.readUInt32LE(p) !== 0x02014b50) throw new DataError(`${file}: damaged zip directory`);
    const method = view.readUInt16LE(p + 10);
    let compSize = view.readUInt32LE(p + 20);
    const nameLen = view.readUInt16LE(p + 28);
    const extraLen = view.readUInt16LE(p + 30);
    const commentLen = view.readUInt16LE(p + 32);
    let local = view.readUInt32LE(p + 42);
    const name = view.toString('utf8', p + 46, p + 46 + nameLen);
    // ZIP64 sizes/offsets live in the extra field when the 32-bit ones are saturated.
    if (compSize === 0xffffffff || local === 0xffffffff) {
      let e = p + 46 + nameLen;
      const end = e + extraLen;
      while (e + 4 <= end) {
        const id = view.readUInt16LE(e);
        const len = view.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          const uncomp = view.readUInt32LE(p + 24);
          if (uncomp === 0xffffffff) q += 8;
          if (compSize === 0xffffffff) {
            compSize = Number(view.readBigUInt64LE(q));
            q += 8;
          }
          if (local === 0xffffffff) local = Number(view.readBigUInt64LE(q));
        }
        e += 4 + len;
      }
    }
    const dataStart = local + 30 + view.readUInt16LE(local + 26) + view.readUInt16LE(local + 28);
    const comp = view.subarray(dataStart, dataStart + compSize);
    if (method === 0) out.set(name, comp);
    else if (method === 8) out.set(name, inflateRawSync(comp));
    else throw new DataError(`${file}: member ${name} uses zip compression method ${method}, which kerats cannot read`);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

export function parseNpy(buf: Uint8Array, file: string): Npy {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.length < 10 || view[0] !== 0x93 || view.toString('latin1', 1, 6) !== 'NUMPY') {
    throw new DataError(`${file} is not a .npy array`);
  }
  const major = view[6] ?? 1;
  const headerLen = major === 1 ? view.readUInt16LE(8) : view.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = view.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) throw new DataError(`${file}: unreadable .npy header ${JSON.stringify(header)}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const bodyStart = start + headerLen;
  if (descr === '|O') {
    const obj = unpickle(view.subarray(bodyStart), file);
    const list = isNdArray(obj) && Array.isArray(obj.data) ? obj.data : Array.isArray(obj) ? obj : undefined;
    if (!list) throw new DataError(`${file}: the object array does not hold a list`);
    return { shape, descr, data: list };
  }
  if (fortran && shape.length > 1) throw new DataError(`${file}: Fortran-ordered arrays are not supported`);
  const body = view.subarray(bodyStart);
  return { shape, descr, data: typedArray(descr, body, n, file) };
}

function isNdArray(v: unknown): v is NdArray {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'ndarray';
}

/** Copies little-endian (or byte) data into an aligned typed array of the dtype. */
export function typedArray(descr: string, body: Uint8Array, n: number, file: string): NumericArray {
  const kind = descr.slice(1);
  if (descr[0] === '>') throw new DataError(`${file}: big-endian arrays (${descr}) are not supported`);
  const copy = (bytes: number): ArrayBuffer => {
    if (body.length < n * bytes) throw new DataError(`${file} is truncated: expected ${n * bytes} bytes of data, found ${body.length}`);
    // Uint8Array's slice copies (Buffer's would be a view of the whole file).
    return Uint8Array.prototype.slice.call(body, 0, n * bytes).buffer;
  };
  switch (kind) {
    case 'u1':
    case 'b1':
      return new Uint8Array(copy(1));
    case 'i1':
      return new Int8Array(copy(1));
    case 'i2':
      return new Int16Array(copy(2));
    case 'u2':
      return new Uint16Array(copy(2));
    case 'i4':
      return new Int32Array(copy(4));
    case 'u4':
      return new Uint32Array(copy(4));
    case 'f4':
      return new Float32Array(copy(4));
    case 'f8':
      return new Float64Array(copy(8));
    case 'i8':
      return new BigInt64Array(copy(8));
    default:
      throw new DataError(`${file}: arrays of dtype ${descr} are not supported`);
  }
}

/** Any numeric array as float32 values. */
export function toFloat32(a: NumericArray): Float32Array {
  if (a instanceof BigInt64Array) return Float32Array.from(a, (v) => Number(v));
  return Float32Array.from(a);
}
