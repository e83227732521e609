/**
 * The IDX format of (Fashion-)MNIST's `*-ubyte.gz` files, read with the data sources' header
 * parser (../idx.ts) and checked strictly on top: gzip, unsigned bytes, exactly the data the header
 * announces, the expected shape. Debian's copies cannot be verified by the published checksums and
 * are verified by format instead; a damaged cached file can simply be fetched again, as the errors say.
 */
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../../util/errors.js';
import { readIdxHeader } from '../idx.js';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const REFETCH = 'delete it so kerats can fetch it again';

/** A damaged cached file can be fetched again: its errors say so. */
function refetchable<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DataError) throw new DataError(`${e.message}; ${REFETCH}`);
    throw e;
  }
}

export function parseIdx(gz: Uint8Array, file: string, expectShape?: number[]): IdxArray {
  let raw: Uint8Array;
  try {
    const buf = gunzipSync(gz);
    raw = new Uint8Array(buf.buffer, buf.byteOffset, buf.length); // a view: no copy of the images
  } catch (e) {
    throw new DataError(`${file} is not a valid gzip file (${(e as Error).message}); ${REFETCH}`);
  }
  const header = refetchable(() => readIdxHeader(raw, file));
  const { shape, offset, count } = header;
  if (header.type !== 0x08) throw new DataError(`${file} is not an IDX file of unsigned bytes (type 0x${header.type.toString(16)}); ${REFETCH}`);
  if (raw.length !== offset + count) {
    throw new DataError(`${file} is damaged: its header says [${shape.join(', ')}] (${count} bytes) but it holds ${raw.length - offset}; ${REFETCH}`);
  }
  if (expectShape && JSON.stringify(expectShape) !== JSON.stringify(shape)) {
    throw new DataError(`${file} holds an array of shape [${shape.join(', ')}], expected [${expectShape.join(', ')}]`);
  }
  return { shape, data: raw.subarray(offset, offset + count) };
}
