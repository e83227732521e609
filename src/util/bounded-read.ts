/**
 * Reading a text file that might be hostile: `/dev/zero`, a FIFO nobody writes to, a directory, a
 * 10 GB file. The file is opened without blocking, must be a regular file, and is read with a byte
 * budget, so neither an endless nor a huge file can hang kerats or fill its memory.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigError, type Problem } from './errors.js';
import type { SourceLocation } from '../config/types.js';
import { formatBytes, LIMIT_ENV } from '../config/limits.js';

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a folder on its path is a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
};

export interface BoundedReadOptions {
  /** What the file is, for messages: `config`, `base config`, `plugin manifest`, `Keras JSON`. */
  what: string;
  /** The name shown to the user (as given); `abs` is what is opened. */
  shown: string;
  /** The absolute path, shown after `shown` when the name alone may not say where the file is. */
  resolved?: string;
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** Where the file is named (an `extends:` line), for the error's location. */
  loc?: SourceLocation;
}

/** What an `fstat` says the file is, in words, when it is not a regular file. */
function kindOf(st: import('node:fs').Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'it is a directory, not a file';
  if (st.isFIFO()) return 'it is a pipe (FIFO), not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'it is a device, not a regular file';
  if (st.isSocket()) return 'it is a socket, not a regular file';
  return 'it is not a regular file';
}

/**
 * Reads `abs` as UTF-8 text, or throws a ConfigError (exit 2) that names the file, what is wrong and
 * how to fix it. Synchronous on purpose: config loading is synchronous (extends), and the size
 * bound keeps the read short.
 */
export function readBoundedText(abs: string, opts: BoundedReadOptions): string {
  const fail = (why: string): never => {
    const p: Problem = { message: `cannot read ${opts.what} "${opts.shown}"${opts.resolved ? ` (${opts.resolved})` : ''}: ${why}` };
    if (opts.loc) p.loc = opts.loc;
    throw new ConfigError(p);
  };
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
    fd = openSync(abs, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    return fail(READ_ERRORS[code] ?? (e as Error).message);
  }
  try {
    const st = fstatSync(fd);
    const notFile = kindOf(st);
    if (notFile) return fail(notFile);
    const tooBig = (): never =>
      fail(`it is larger than ${formatBytes(opts.maxBytes)}, the limit for a ${opts.what}; set ${LIMIT_ENV.bytes}=<bytes> to raise it`);
    if (st.size > opts.maxBytes) return tooBig();
    // The size from stat can be wrong (a file growing while read, /proc files say 0): read to the
    // budget and one byte past it, never more.
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(Math.min(opts.maxBytes + 1, 1 << 20));
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, Math.min(chunk.length, opts.maxBytes + 1 - total), null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (code === 'EAGAIN') return fail('nothing to read yet (it is not a regular file)');
        return fail(READ_ERRORS[code] ?? (e as Error).message);
      }
      if (n === 0) break;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      total += n;
      if (total > opts.maxBytes) return tooBig();
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
