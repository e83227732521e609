/**
 * Leftovers of runs that died (SIGKILL, power loss, a full disk) beside the run folders:
 * - a dead partial folder: `.<name>.partial-*` whose run is gone and that holds no complete
 *   checkpoint (killed before or during its first checkpoint write): nothing to resume, removed;
 * - a resumable partial folder: the same with a checkpoint: kept and listed (`kerats train
 *   --resume DIR` continues it), removed only on request;
 * - a stale lock `.<name>.lock` of a process that no longer runs, and temporary files and folders
 *   of interrupted atomic writes (`.<name>.<pid>.<time>.tmp`, `.<name>.tmp-*`).
 * A leftover is touched only when no live process owns it: its run's lock and its RUNNING.json
 * both name a process that is gone (checked by pid on this host).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCheckpoint } from './checkpoint/checkpoint.js';
import { CHECKPOINT_DIR, RUNNING_FILE } from './checkpoint/resume.js';
import { processAlive, readLock } from './run-lock.js';

export type LeftoverKind = 'dead-partial' | 'resumable-partial' | 'stale-lock' | 'temporary';

export interface Leftover {
  kind: LeftoverKind;
  path: string;
  /** Why it is what it is, in words. */
  reason: string;
  /** For a resumable partial: the epochs its checkpoint holds. */
  epoch?: number;
}

/** The pid/host a run folder's RUNNING.json names, if it has one. */
async function runningOwner(dir: string): Promise<{ pid: number; host: string } | undefined> {
  try {
    const r = JSON.parse(await fs.readFile(path.join(dir, RUNNING_FILE), 'utf8')) as { pid?: unknown; host?: unknown };
    return typeof r.pid === 'number' && typeof r.host === 'string' ? { pid: r.pid, host: r.host } : undefined;
  } catch {
    return undefined;
  }
}

/** True when a live process owns the run `.<base>.partial-*` belongs to (its lock, or its RUNNING.json). */
async function owned(parent: string, base: string, partial?: string): Promise<boolean> {
  const lock = await readLock(path.join(parent, `.${base}.lock`));
  if (lock && processAlive(lock)) return true;
  const running = partial ? await runningOwner(partial) : undefined;
  return running !== undefined && processAlive(running);
}

/**
 * Leftovers directly in `parent` (one folder of runs, e.g. `runs/iris` or the parent of an
 * `--out`), optionally only those of runs named `.<prefix>...`.
 */
export async function findLeftovers(parent: string, prefix = '.'): Promise<Leftover[]> {
  const entries = await fs.readdir(parent, { withFileTypes: true }).catch(() => []);
  const found: Leftover[] = [];
  for (const e of entries) {
    if (!e.name.startsWith(prefix) || !e.name.startsWith('.')) continue;
    const full = path.join(parent, e.name);
    const partial = /^\.(.+)\.partial-[^/]+$/.exec(e.name);
    if (partial && e.isDirectory()) {
      const base = partial[1] ?? '';
      if (await owned(parent, base, full)) continue;
      const checkpoint = await readCheckpoint(path.join(full, CHECKPOINT_DIR)).catch(() => undefined);
      const running = await runningOwner(full);
      const who = running ? `process ${running.pid} that wrote it is gone` : 'it was never started properly';
      if (checkpoint) found.push({ kind: 'resumable-partial', path: full, reason: `unfinished run (${who}); its checkpoint holds ${checkpoint.state.epoch} epoch(s)`, epoch: checkpoint.state.epoch });
      else found.push({ kind: 'dead-partial', path: full, reason: `unfinished run without a checkpoint (${who}); nothing to resume` });
      continue;
    }
    const lock = /^\.(.+)\.lock$/.exec(e.name);
    if (lock && e.isFile()) {
      const info = await readLock(full);
      if (!info || !processAlive(info)) found.push({ kind: 'stale-lock', path: full, reason: info ? `lock of process ${info.pid}, which is gone` : 'unreadable lock' });
      continue;
    }
    const tmp = /^\.(.+?)\.(?:(\d+)\.\d+\.tmp|tmp-[^/]+)$/.exec(e.name);
    if (tmp) {
      const pid = tmp[2] ? Number(tmp[2]) : undefined;
      const base = tmp[1] ?? '';
      if (pid !== undefined && processAlive({ pid, host: os.hostname() })) continue;
      if (pid === undefined && (await owned(parent, base))) continue;
      // A temporary copy of a folder being replaced right now by a live run is skipped above; others are debris.
      if (pid === undefined && (await anyLiveLock(parent))) continue;
      found.push({ kind: 'temporary', path: full, reason: 'temporary file of an interrupted write' });
    }
  }
  return found;
}

/** True when some run in `parent` is held by a live process (then unowned temporaries may be its own). */
async function anyLiveLock(parent: string): Promise<boolean> {
  const entries = await fs.readdir(parent).catch(() => [] as string[]);
  for (const e of entries) {
    if (!/^\..+\.lock$/.test(e)) continue;
    const info = await readLock(path.join(parent, e));
    if (info && processAlive(info)) return true;
  }
  return false;
}

/** `findLeftovers` over `root` and each folder directly inside it (`runs/` and `runs/<name>/`). */
export async function findLeftoversUnder(root: string): Promise<Leftover[]> {
  const found = await findLeftovers(root);
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith('.')) found.push(...(await findLeftovers(path.join(root, e.name))));
  }
  return found;
}

/** Removes the given leftovers (the caller chose which); returns those removed. */
export async function removeLeftovers(items: readonly Leftover[]): Promise<Leftover[]> {
  const removed: Leftover[] = [];
  for (const item of items) {
    await fs.rm(item.path, { recursive: true, force: true });
    removed.push(item);
  }
  return removed;
}
