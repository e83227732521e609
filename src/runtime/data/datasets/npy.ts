/**
 * NumPy's `.npy` arrays and `.npz` archives (a zip of `.npy` members, stored or deflated), enough
 * to read Keras's dataset files: numeric dtypes, and object arrays (pickled lists, via pickle.ts).
 */
import { DataError } from '../../../util/errors.js';
import { readNpyHeader } from '../npy.js';
import { unpickle, type NdArray } from './pickle.js';

export type NumericArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array;

/** A numeric array, or (dtype `O`) a list of Python objects. */
export interface Npy {
  shape: number[];
  descr: string;
  data: NumericArray | unknown[];
}

export function parseNpy(buf: Uint8Array, file: string): Npy {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // The header is read by the data sources' parser (../npy.ts); object arrays are handled here.
  const { descr, fortranOrder: fortran, shape, offset: bodyStart } = readNpyHeader(buf, file);
  const n = shape.reduce((a, b) => a * b, 1);
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
