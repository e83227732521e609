/**
 * The IDX format of (Fashion-)MNIST's `*-ubyte.gz` files: a big-endian magic (0x0000 0x08 = uint8,
 * then the number of dimensions), the dimension sizes, then the bytes. Checked strictly, because
 * Debian's copies cannot be verified by the published checksums and are verified by format instead.
 */
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../../util/errors.js';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

export function parseIdx(gz: Uint8Array, file: string, expectShape?: number[]): IdxArray {
  let raw: Buffer;
  try {
    raw = gunzipSync(gz);
  } catch (e) {
    throw new DataError(`${file} is not a valid gzip file (${(e as Error).message}); delete it so kerats can fetch it again`);
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0 || raw[2] !== 0x08) {
    throw new DataError(`${file} is not an IDX file of unsigned bytes (its first bytes are wrong); delete it so kerats can fetch it again`);
  }
  const dims = raw[3] ?? 0;
  const shape: number[] = [];
  for (let i = 0; i < dims; i++) shape.push(raw.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * dims;
  const count = shape.reduce((a, b) => a * b, 1);
  if (raw.length !== offset + count) {
    throw new DataError(`${file} is truncated or damaged: its header says [${shape.join(', ')}] (${count} bytes) but it holds ${raw.length - offset}`);
  }
  if (expectShape && JSON.stringify(expectShape) !== JSON.stringify(shape)) {
    throw new DataError(`${file} holds an array of shape [${shape.join(', ')}], expected [${expectShape.join(', ')}]`);
  }
  return { shape, data: new Uint8Array(raw.buffer, raw.byteOffset + offset, count) };
}
