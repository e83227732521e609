/** Reading a finished run folder back (evaluate, plot, reproduce): its manifest, history, config. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DataError } from '../../util/errors.js';

export interface Manifest {
  kerats?: string;
  tfjs?: string;
  backend?: string;
  seed?: number | null;
  config_file?: string;
  config_sha256?: string;
  data_sha256?: string;
  command?: string[];
}

/** Checks `given` is a run folder (has `file`) and returns its absolute path. */
export async function runDir(given: string, file = 'model.json'): Promise<string> {
  const dir = path.resolve(given);
  const ok = await fs.access(path.join(dir, file)).then(() => true, () => false);
  if (ok) return dir;
  const exists = await fs.stat(dir).then((s) => s.isDirectory(), () => false);
  if (!exists) throw new DataError(`"${given}" does not exist; pass a run folder (runs/<name>/<timestamp>)`);
  const partial = await fs.access(path.join(dir, 'RUNNING.json')).then(() => true, () => false);
  if (partial) throw new DataError(`"${given}" is an unfinished run (it has no ${file} yet); finish it with kerats train --resume ${given}`);
  throw new DataError(`"${given}" is not a run folder: it has no ${file}`);
}

export async function readJsonFile<T>(file: string, what: string): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    throw new DataError(`cannot read ${what} "${file}": ${(err as Error).message}`);
  }
}

export function readManifest(dir: string): Promise<Manifest> {
  return readJsonFile<Manifest>(path.join(dir, 'manifest.json'), 'the run manifest');
}

export function readHistory(dir: string): Promise<Record<string, number[]>> {
  return readJsonFile<Record<string, number[]>>(path.join(dir, 'history.json'), 'the run history');
}
