/** Regular files of a (ustar / GNU) tar archive, name → bytes (views into the archive). */
import { DataError } from '../../../util/errors.js';

export function readTar(buf: Uint8Array, file: string): Map<string, Uint8Array> {
  const v = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Map<string, Uint8Array>();
  let p = 0;
  let longName: string | undefined;
  while (p + 512 <= v.length) {
    const header = v.subarray(p, p + 512);
    if (header.every((b) => b === 0)) break;
    const field = (a: number, n: number): string => header.toString('latin1', a, a + n).replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size)) throw new DataError(`${file}: damaged tar header at byte ${p}`);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = v.subarray(p + 512, p + 512 + size);
    longName = undefined;
    if (type === 'L') longName = body.toString('latin1').replace(/\0.*$/s, '');
    else if (type === '0' || type === '') out.set(name, body);
    p += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
