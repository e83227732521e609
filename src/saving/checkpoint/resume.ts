/**
 * Finding the run to resume. A run is built in a hidden partial folder (run-folder.ts) that
 * becomes `runs/<name>/<timestamp>/` only when complete; while it trains, the partial folder holds
 * `RUNNING.json` (who trains it, where it will go) and `checkpoints/last/`. An interrupted or
 * killed run leaves exactly that behind, and `--resume` continues it in place, so a folder with a
 * final name is still never half-written.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../../util/atomic.js';
import { ConfigError } from '../../util/errors.js';
import { readCheckpoint, type LoadedCheckpoint } from './checkpoint.js';

export const RUNNING_FILE = 'RUNNING.json';
export const CHECKPOINT_DIR = path.join('checkpoints', 'last');

/** The marker of a run in progress. */
export interface RunningInfo {
  pid: number;
  host: string;
  /** Where the run goes when it completes, and whether the user chose it (`--out`). */
  target: string;
  explicit: boolean;
  config_file: string;
  config_sha256: string;
  data_sha256: string;
  started_at: string;
  command: string[];
  /** `--set` flags the run was started with (older runs: absent). */
  overrides?: string[];
  /** Values of the environment variables the config referenced (`${EPOCHS}`). */
  env?: Record<string, string>;
}

/** How a config was loaded besides its file: what `--resume DIR` needs to load the same config again. */
export interface ConfigOrigin {
  overrides: string[];
  env: Record<string, string>;
}

export interface Resumable {
  /** The partial folder. */
  dir: string;
  running: RunningInfo;
  checkpoint: LoadedCheckpoint;
}

export async function writeRunning(dir: string, info: Omit<RunningInfo, 'pid' | 'host'>): Promise<void> {
  await writeJsonAtomic(path.join(dir, RUNNING_FILE), { pid: process.pid, host: os.hostname(), ...info });
}

async function readRunning(dir: string): Promise<RunningInfo | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, RUNNING_FILE), 'utf8')) as RunningInfo;
  } catch {
    return undefined;
  }
}

/** True while the process that wrote the marker still runs on this machine (resuming it would clash). */
function stillRunning(r: RunningInfo): boolean {
  if (r.host !== os.hostname() || r.pid === process.pid) return false;
  try {
    process.kill(r.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function open(dir: string): Promise<Resumable | undefined> {
  const running = await readRunning(dir);
  if (!running) return undefined;
  const checkpoint = await readCheckpoint(path.join(dir, CHECKPOINT_DIR));
  return checkpoint ? { dir, running, checkpoint } : undefined;
}

/** Unfinished runs (partial folders with a checkpoint) directly inside `parent` whose name starts with `prefix`, newest first. */
export async function listResumable(parent: string, prefix = '.'): Promise<Resumable[]> {
  const entries = await fs.readdir(parent, { withFileTypes: true }).catch(() => []);
  const found: Resumable[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !e.name.startsWith(prefix) || !e.name.includes('.partial-')) continue;
    const r = await open(path.join(parent, e.name));
    if (r && !stillRunning(r.running)) found.push(r);
  }
  return found.sort((a, b) => b.running.started_at.localeCompare(a.running.started_at));
}

/**
 * The run `given` names: a partial folder itself, or a folder holding partial folders
 * (`runs/iris`: its newest unfinished run). Errors say what was found instead.
 */
export async function openResumable(given: string): Promise<Resumable> {
  const dir = path.resolve(given);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) throw new ConfigError(`--resume "${given}": no such run folder`);
  const direct = await open(dir);
  if (direct) {
    if (stillRunning(direct.running)) {
      throw new ConfigError(`--resume "${given}": that run is still training (process ${direct.running.pid}); stop it first`);
    }
    return direct;
  }
  if (await readRunning(dir)) throw new ConfigError(`--resume "${given}": the run was interrupted before its first checkpoint; start it again without --resume`);
  const hasManifest = await fs.access(path.join(dir, 'manifest.json')).then(() => true, () => false);
  if (hasManifest) throw new ConfigError(`--resume "${given}": that run completed; there is nothing to resume (train again without --resume)`);
  const inside = await listResumable(dir);
  const newest = inside[0];
  if (newest) return newest;
  throw new ConfigError(`--resume "${given}": no interrupted run there (an interrupted run is a hidden ".<timestamp>.partial-*" folder; kerats prints its path when interrupted)`);
}

/** Where unfinished runs of a config would be: the parent of its run folders, and their name prefix. */
export function partialLocation(runsRoot: string, safeName: string, out?: string): { parent: string; prefix: string } {
  if (out) return { parent: path.dirname(path.resolve(out)), prefix: `.${path.basename(path.resolve(out))}.partial-` };
  return { parent: path.resolve(runsRoot, safeName), prefix: '.' };
}

/**
 * The config file an interrupted run was started with and how it was loaded (`kerats train
 * --resume DIR` without a config): its `--set` flags and the environment values it used.
 */
export async function configOriginOf(given: string): Promise<{ file: string } & ConfigOrigin> {
  const run = await openResumable(given);
  return { file: run.running.config_file, overrides: run.running.overrides ?? [], env: run.running.env ?? {} };
}
