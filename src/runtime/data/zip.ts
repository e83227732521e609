/**
 * A minimal zip reader for .npz archives: the central directory lists the entries; each entry is
 * stored (method 0) or deflated (method 8, inflated with node:zlib). ZIP64 sizes (numpy writes
 * them for big arrays) are read from the extra field.
 */
import { inflateRawSync } from 'node:zlib';
import { DataError } from '../../util/errors.js';

function bad(file: string, why: string): DataError {
  return new DataError(`${file}: not a valid .npz (zip) file: ${why}`);
}

export function readZip(buf: Uint8Array, file: string): Map<string, Uint8Array> {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad(file, 'no end-of-central-directory record (truncated?)');
  const count = v.getUint16(eocd + 10, true);
  let p = v.getUint32(eocd + 16, true);
  const out = new Map<string, Uint8Array>();
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || v.getUint32(p, true) !== 0x02014b50) throw bad(file, 'broken central directory (truncated?)');
    const method = v.getUint16(p + 10, true);
    let csize = v.getUint32(p + 20, true);
    let usize = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let local = v.getUint32(p + 42, true);
    const name = new TextDecoder().decode(buf.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field (id 1): the 0xffffffff fields, in order usize, csize, local offset.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      if (id === 1) {
        let q = e + 4;
        const next = (): number => {
          const val = Number(v.getBigUint64(q, true));
          q += 8;
          return val;
        };
        if (usize === 0xffffffff) usize = next();
        if (csize === 0xffffffff) csize = next();
        if (local === 0xffffffff) local = next();
      }
      e += 4 + len;
    }
    p = eEnd + commentLen;
    if (local + 30 > buf.length || v.getUint32(local, true) !== 0x04034b50) throw bad(file, `entry "${name}" has no local header (truncated?)`);
    const dataStart = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    if (dataStart + csize > buf.length) throw bad(file, `entry "${name}" is cut short (truncated?)`);
    const raw = buf.subarray(dataStart, dataStart + csize);
    if (method === 0) out.set(name, raw);
    else if (method === 8) {
      try {
        out.set(name, new Uint8Array(inflateRawSync(raw)));
      } catch (err) {
        throw bad(file, `entry "${name}" does not inflate: ${(err as Error).message}`);
      }
    } else throw bad(file, `entry "${name}" uses compression method ${method} (only stored and deflate are supported)`);
    if ((out.get(name)?.length ?? 0) !== usize) throw bad(file, `entry "${name}" has the wrong size (truncated?)`);
  }
  return out;
}
