/**
 * A dataset's files on this machine: a system copy (Debian's `dataset-*` packages), the cache
 * folder, or a download into the cache (from the mirror when `KERATS_DATASETS_MIRROR` is set,
 * else from the published origin) — in that order, like Keras's `get_file` plus the system copy.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DataError } from '../../../util/errors.js';
import type { SourceLocation } from '../../../config/types.js';
import { download, DownloadError, sha256File } from './download.js';
import { datasetsDir, datasetsMirror } from './home.js';

export interface RemoteFile {
  /** File name, in the cache folder and on the server. */
  name: string;
  /** SHA-256 of the published file (from Keras's datasets code). */
  sha256: string;
}

export interface FileSet {
  /** Dataset name, also the cache subfolder (`~/.kerats/datasets/<dataset>/`). */
  dataset: string;
  files: RemoteFile[];
  /** Base URL the files are published under (`<origin><name>`). */
  origin: string;
  /**
   * Folders of a system package that has the same files (Debian's recompressed copies, whose bytes
   * and so SHA-256 differ from the published ones: the loader checks their format and sizes).
   */
  systemDirs?: string[];
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  loc?: SourceLocation;
  /** Told about each download (the CLI prints it to stderr). */
  onDownload?: (url: string, dest: string) => void;
}

/** Where each file was found, by name, and whether it came from a system package. */
export interface ResolvedFiles {
  paths: Record<string, string>;
  source: 'system' | 'cache' | 'download';
}

/** Finds or downloads every file of the set. Throws a DataError a user can act on. */
export async function resolveFiles(set: FileSet, opts: ResolveOptions = {}): Promise<ResolvedFiles> {
  for (const dir of set.systemDirs ?? []) {
    if (set.files.every((f) => existsSync(path.join(dir, f.name)))) {
      return { paths: Object.fromEntries(set.files.map((f) => [f.name, path.join(dir, f.name)])), source: 'system' };
    }
  }
  const env = opts.env ?? process.env;
  const folder = path.join(datasetsDir(env), set.dataset);
  const mirror = datasetsMirror(env);
  const paths: Record<string, string> = {};
  let downloaded = false;
  for (const f of set.files) {
    const dest = path.join(folder, f.name);
    paths[f.name] = dest;
    if (await cachedAndValid(dest, f)) continue;
    const url = mirror ? `${mirror.replace(/\/+$/, '')}/${f.name}` : `${set.origin}${f.name}`;
    opts.onDownload?.(url, dest);
    try {
      await download(url, dest, { sha256: f.sha256, timeoutMs: opts.timeoutMs });
      downloaded = true;
    } catch (e) {
      if (!(e instanceof DownloadError)) throw e;
      throw downloadProblem(set, f, e, folder, mirror, opts.loc);
    }
  }
  return { paths, source: downloaded ? 'download' : 'cache' };
}

/** A cached file is trusted only if its checksum still matches (as Keras's get_file does). */
async function cachedAndValid(file: string, f: RemoteFile): Promise<boolean> {
  try {
    await fs.access(file);
  } catch {
    return false;
  }
  if ((await sha256File(file)) === f.sha256) return true;
  // A stale or damaged copy: remove it so the download below replaces it.
  await fs.rm(file, { force: true });
  return false;
}

function downloadProblem(set: FileSet, f: RemoteFile, e: DownloadError, folder: string, mirror: string | undefined, loc: SourceLocation | undefined): DataError {
  const names = set.files.map((x) => x.name).join(', ');
  const where = mirror ? `the mirror KERATS_DATASETS_MIRROR=${mirror}` : set.origin;
  const manual =
    `To use the dataset without a download, put ${set.files.length === 1 ? 'the file' : 'these files'} ${names} ` +
    `(from ${set.origin}) into ${folder}` +
    (set.systemDirs?.length ? `, or install them into ${set.systemDirs.join(' or ')}` : '') +
    '.';
  let message: string;
  if (e.reason === 'network') {
    message = `cannot download dataset "${set.dataset}": ${e.message}. This machine seems to be offline or cannot reach ${where}. ${manual} Or set KERATS_DATASETS_MIRROR to the base URL of a server that has them.`;
  } else if (e.reason === 'checksum') {
    message = `dataset "${set.dataset}": ${f.name} failed its SHA-256 check: ${e.message}; nothing was saved to the cache. ${manual}`;
  } else {
    message = `cannot download dataset "${set.dataset}": ${e.message}. ${mirror ? 'Check that the mirror has the file under that name. ' : ''}${manual}`;
  }
  return new DataError({ message, loc });
}
