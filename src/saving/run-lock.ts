/**
 * A run claims the folder it will become before it trains: `.<name>.lock` beside it, created with
 * O_EXCL (exactly one of two processes gets it) and holding the owner's pid, host and start time.
 * A second `kerats train` into the same `--out` (or resuming the same unfinished run) is refused
 * at once, naming the first; a lock whose process died (same host, pid gone) is stale and is
 * cleared. The lock is removed when the run ends, however it ends short of SIGKILL.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../util/errors.js';
import { makeDir, osUserError } from '../util/os-errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
  command: string[];
}

/** The lock file that guards `target` (a run folder that may not exist yet). */
export function lockFileOf(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.lock`);
}

/**
 * True when the process that wrote `info` still runs (or may: another host, or not ours to signal).
 * Our own pid is a previous process's that had the same number (containers reuse small pids).
 */
export function processAlive(info: { pid: number; host: string }): boolean {
  if (info.host !== os.hostname()) return true;
  if (info.pid === process.pid) return false;
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readLock(file: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockInfo>;
    if (typeof info.pid !== 'number' || typeof info.host !== 'string') return undefined;
    return { pid: info.pid, host: info.host, started_at: String(info.started_at ?? ''), command: Array.isArray(info.command) ? info.command : [] };
  } catch {
    return undefined;
  }
}

export class RunLock {
  private released = false;
  private constructor(
    readonly file: string,
    readonly target: string,
    /** The first folder claiming had to create: removed again on release while it is still empty. */
    private readonly createdDir?: string,
  ) {}

  /**
   * Claims `target` for this process, or throws a ConfigError naming the run that holds it.
   * `what` says how the user named the folder (`--out "x"`).
   */
  static async claim(target: string, what: string, command: string[] = process.argv.slice(2)): Promise<RunLock> {
    const file = lockFileOf(target);
    const created = await makeDir(path.dirname(file));
    const info: LockInfo = { pid: process.pid, host: os.hostname(), started_at: new Date().toISOString(), command };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        // 'wx': O_CREAT | O_EXCL, the atomic claim.
        await fs.writeFile(file, JSON.stringify(info, null, 2) + '\n', { flag: 'wx' });
        return new RunLock(file, target, created);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') throw osUserError(Object.assign(err as Error, { path: target }), target, 'create') ?? err;
      }
      const owner = await readLock(file);
      if (owner && processAlive(owner)) {
        const where = owner.host === os.hostname() ? `process ${owner.pid}` : `process ${owner.pid} on host ${owner.host}`;
        throw new ConfigError(
          `${what} is in use: another kerats train (${where}, started ${owner.started_at || 'at an unknown time'}) is writing it; ` +
            `wait for it to finish, stop it, or choose another folder${owner.host === os.hostname() ? '' : ` (if that run is gone, remove ${file})`}`,
        );
      }
      // Stale (its process is gone) or unreadable (a writer killed mid-write): clear it and claim again.
      // Clearing goes through a rename so that of two processes finding it stale only one removes it.
      const aside = `${file}.stale-${process.pid}`;
      const moved = await fs.rename(file, aside).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return false; // another process cleared it first
          throw osUserError(Object.assign(err, { path: target }), target, 'create') ?? err;
        },
      );
      if (moved) {
        const was = await readLock(aside);
        await fs.rm(aside, { force: true });
        // Between our read and the rename another process may have claimed it: put a live lock back.
        if (was && processAlive(was) && (was.pid !== owner?.pid || was.started_at !== owner?.started_at)) {
          await fs.writeFile(file, JSON.stringify(was, null, 2) + '\n', { flag: 'wx' }).catch(() => undefined);
        }
      }
    }
    throw new ConfigError(`${what}: cannot claim the lock ${file} (it keeps changing); try again`);
  }

  /** Gives the folder up (idempotent). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const owner = await readLock(this.file);
    if (owner && owner.pid === process.pid && owner.host === os.hostname()) await fs.rm(this.file, { force: true });
    // A run refused before it wrote anything (a config or memory error) leaves no empty folders behind.
    if (this.createdDir) await removeEmptyUpTo(path.dirname(this.file), this.createdDir);
  }
}

/** Removes `dir` and its parents up to and including `top` while they are empty. */
async function removeEmptyUpTo(dir: string, top: string): Promise<void> {
  for (let d = dir; ; d = path.dirname(d)) {
    if (!(await fs.rmdir(d).then(() => true, () => false))) return;
    if (d === top || path.dirname(d) === d) return;
  }
}
