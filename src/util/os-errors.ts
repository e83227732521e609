/**
 * The one place that turns operating-system errors into messages a user can act on. A full disk,
 * a read-only mount or a missing permission is the user's environment, not a kerats bug: exit 2
 * with the path, the cause in words and the fix. Every writer wraps its I/O in `atPath` so an
 * error from a file descriptor (`ENOSPC: no space left on device, write` carries no path) still
 * names the file it was writing; the CLI's error reporter (cli/errors.ts) runs `osUserError` on
 * whatever reaches it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ExitCode, KeratsError } from './errors.js';

/** What was being done to the path: decides the wording ("cannot write", "cannot read"). */
export type FsAction = 'write' | 'read' | 'create' | 'remove' | 'open';

/** An errno error from Node (`err.code` like "ENOSPC"). */
export function isOsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((err as NodeJS.ErrnoException).code ?? '');
}

/** A file-system problem in the user's environment (exit 2), with the errno code kept for callers. */
export class FileSystemError extends KeratsError {
  constructor(
    message: string,
    readonly code: string,
    readonly path: string | undefined,
  ) {
    super(message, ExitCode.usage);
    this.name = 'FileSystemError';
  }
}

/** The errno codes kerats explains: cause in words and the fix, for a path. */
const EXPLAINED: Record<string, { cause: string; fix: string }> = {
  ENOSPC: { cause: 'the disk is full (ENOSPC)', fix: 'free some space on that file system, or write somewhere else (train: --out DIR or --runs DIR)' },
  EDQUOT: { cause: 'the disk quota is used up (EDQUOT)', fix: 'free some space within the quota, or write somewhere else (train: --out DIR or --runs DIR)' },
  EFBIG: { cause: 'the file is larger than the file system allows (EFBIG)', fix: 'write to another file system' },
  EROFS: { cause: 'the file system is read-only (EROFS)', fix: 'choose a writable folder (train: --out DIR or --runs DIR) or remount it read-write' },
  EACCES: { cause: 'permission denied (EACCES)', fix: 'check the permissions of the path and its folders (ls -ld), or choose another folder' },
  EPERM: { cause: 'the operation is not permitted (EPERM)', fix: 'check the permissions and attributes of the path (ls -ld, lsattr), or choose another folder' },
  EMFILE: { cause: 'the process has too many files open (EMFILE)', fix: 'raise the limit (ulimit -n 4096) and run again' },
  ENFILE: { cause: 'the system has too many files open (ENFILE)', fix: 'close other programs or raise the system limit (fs.file-max) and run again' },
  ENOTDIR: { cause: 'a part of the path is a file, not a folder (ENOTDIR)', fix: 'fix the path, or move the file out of the way' },
  EISDIR: { cause: 'the path is a folder, not a file (EISDIR)', fix: 'give a file name' },
  ENAMETOOLONG: { cause: 'the path is too long for the file system (ENAMETOOLONG)', fix: 'use a shorter path' },
  ELOOP: { cause: 'the path has a loop of symbolic links (ELOOP)', fix: 'fix the symbolic links in the path' },
  EIO: { cause: 'the device reported an input/output error (EIO)', fix: 'check the disk (dmesg) and run again' },
  EBUSY: { cause: 'the path is busy (EBUSY; a mount point or a file another program locks)', fix: 'choose another folder' },
  EXDEV: { cause: 'the path crosses file systems (EXDEV)', fix: 'keep the run folder and its parent on one file system' },
  ENOTEMPTY: { cause: 'the folder is not empty (ENOTEMPTY; another program wrote into it)', fix: 'choose a new, empty folder' },
  EEXIST: { cause: 'the path already exists (EEXIST)', fix: 'choose a new name or remove the existing one' },
  ENOENT: { cause: 'it does not exist (ENOENT)', fix: 'check the path' },
};

const VERB: Record<FsAction, string> = { write: 'cannot write', read: 'cannot read', create: 'cannot create', remove: 'cannot remove', open: 'cannot open' };

function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** The action an errno error's syscall implies, when the caller did not say. */
function actionOf(err: NodeJS.ErrnoException): FsAction {
  const s = err.syscall ?? '';
  if (/mkdir|mkdtemp/.test(s)) return 'create';
  if (/unlink|rmdir|rm$/.test(s)) return 'remove';
  if (/read|scandir|stat|access|lstat/.test(s)) return 'read';
  if (s === 'open') return 'open';
  return 'write';
}

/**
 * The user error for an errno error, or undefined when it is not one kerats explains (a real bug
 * then). `where` names the path when the error itself carries none; `action` the operation.
 */
export function osUserError(err: unknown, where?: string, action?: FsAction): FileSystemError | undefined {
  if (err instanceof FileSystemError) return err;
  if (!isOsError(err)) return undefined;
  const code = err.code ?? '';
  const explained = EXPLAINED[code];
  if (!explained) return undefined;
  const p = err.path ?? where;
  const act = action ?? actionOf(err);
  let { cause, fix } = explained;
  if (code === 'ENOENT' && p) {
    // Only a missing folder in a path being written is the user's; a missing file being read is said by the reader.
    cause = act === 'read' || act === 'open' ? 'it does not exist (ENOENT)' : `its folder "${shown(path.dirname(p))}" does not exist (ENOENT)`;
    fix = act === 'read' || act === 'open' ? 'check the path' : 'create the folder first, or choose an existing one';
  }
  const subject = p ? `"${shown(p)}"` : 'a file';
  return new FileSystemError(`${VERB[act]} ${subject}: ${cause}; ${fix}`, code, p);
}

/**
 * Runs `io` on `file` and rethrows any explained errno error as a `FileSystemError` naming
 * `file` (its own path when the error has one, e.g. a temporary sibling's, is replaced by `file`
 * so the user sees the file they asked for).
 */
export async function atPath<T>(file: string, action: FsAction, io: () => Promise<T>): Promise<T> {
  try {
    return await io();
  } catch (err) {
    // A file inside a temporary copy of `file` (atomic-dir.ts) failed: the user knows `file`.
    if (err instanceof FileSystemError && err.path !== undefined && err.path !== file && isInside(err.path, file)) {
      throw osUserError(Object.assign(new Error(err.code), { code: err.code, syscall: 'write' }), file, action) ?? err;
    }
    if (err instanceof KeratsError) throw err;
    if (isOsError(err)) {
      const named = osUserError(Object.assign(err, { path: file }), file, action);
      if (named) throw named;
    }
    throw err;
  }
}

/** True when `p` lies in `dir` or in one of its temporary siblings (`.<name>.tmp-*`). */
function isInside(p: string, dir: string): boolean {
  const rel = path.relative(path.dirname(dir), p);
  const top = rel.split(path.sep)[0] ?? '';
  return !rel.startsWith('..') && (top === path.basename(dir) || top.startsWith(`.${path.basename(dir)}.`));
}

/**
 * `mkdir -p` whose failures say why. Node's recursive mkdir reports a read-only or unwritable
 * parent as ENOENT for the missing child; the nearest existing ancestor tells the real cause.
 */
export async function makeDir(dir: string): Promise<string | undefined> {
  try {
    // The first folder it had to create (undefined when `dir` existed), so a caller can undo it.
    return await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    if (!isOsError(err)) throw err;
    let code = err.code ?? '';
    let at = dir;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      // mkdir -p met a file where a folder should be: name that file.
      let up = dir;
      while (up !== path.dirname(up) && (await fs.stat(up).then((s) => s.isDirectory(), () => true))) up = path.dirname(up);
      code = 'ENOTDIR';
      at = up;
    } else if (code === 'ENOENT') {
      // The nearest ancestor that exists: is it a folder, and can we write into it?
      let up = path.dirname(dir);
      while (up !== path.dirname(up) && !(await fs.stat(up).catch(() => undefined))) up = path.dirname(up);
      const st = await fs.stat(up).catch(() => undefined);
      if (st && !st.isDirectory()) code = 'ENOTDIR';
      else code = await fs.access(up, 2 /* W_OK */).then(
        () => 'ENOENT',
        (e: NodeJS.ErrnoException) => e.code ?? 'EACCES',
      );
    }
    if (code === 'ENOTDIR') {
      const what = at === dir ? 'it is a file' : `"${shown(at)}" is a file`;
      throw new FileSystemError(`cannot create the folder "${shown(dir)}": ${what}, not a folder (ENOTDIR); fix the path, or move the file out of the way`, code, dir);
    }
    throw osUserError(Object.assign(err, { code, path: dir }), dir, 'create') ?? err;
  }
}

/**
 * Refuses a write of about `bytes` into `dir` when the file system says it has less free space
 * (statfs is one cheap call; where it is unavailable the write simply goes ahead and any ENOSPC
 * is reported as usual). Leaves what is already on disk untouched.
 */
export async function checkFreeSpace(dir: string, bytes: number, what: string): Promise<void> {
  let free: number;
  try {
    const s = await fs.statfs(dir);
    free = s.bavail * s.bsize;
  } catch {
    return;
  }
  if (free >= bytes) return;
  throw new FileSystemError(
    `cannot write ${what} into "${shown(dir)}": the disk is full (ENOSPC: ${formatBytes(free)} free, about ${formatBytes(bytes)} needed); ` +
      'free some space on that file system, or write somewhere else (train: --out DIR or --runs DIR)',
    'ENOSPC',
    dir,
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
